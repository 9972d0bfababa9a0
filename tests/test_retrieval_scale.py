"""The retriever's per-letter structures, kept small and cheap for 10^6 chunks.

At that size one index has ~3 x 10^5 letters and a record question matches thousands of
them: letter keys share equal values; the letters each record rule can choose are gathered
once, choosing what a scan of every letter would; and a record question locates the fields
of only as many letters as its ranking can take — with the same rows as locating them all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.pipeline import build_folder, open_retriever
from rag.search.records import RecordIndex
from rag.search.retrieval import Retriever

RECORD_QUESTIONS = [
    "哪些答复是街道办事处或乡镇作出的?",
    "哪些复函列明市财政局为协办单位?",
    "哪些提案是民主党派或团体提出的?",
]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Retriever:
    settings = Settings(embedder="hash")
    index = tmp_path_factory.mktemp("dev") / "index"
    build_folder(corpus_dir, index, settings)
    return open_retriever(index, settings)


def test_letters_saying_the_same_thing_share_one_key_value(dev: Retriever) -> None:
    first: dict[object, object] = {}
    keys = list(dev.keys.values())
    for k in keys:
        for value in (k.agencies, k.cohandlers, k.place, k.years, k.kind, k.category):
            assert first.setdefault(value, value) is value
    assert len(first) < 6 * len(keys)  # some values did repeat


@pytest.mark.parametrize("question", RECORD_QUESTIONS)
def test_record_rows_are_the_ranked_ones_then_the_lowest(dev: Retriever, question: str) -> None:
    info = dev.analyze(question)
    matches = dev.record_matches(question, info)
    every = sorted({row for m in matches for row in dev._field_rows(m)})
    assert len(every) >= 3
    rng = np.random.default_rng(0)
    for ranked in (set(), {every[-1]}, set(rng.choice(every, 2, replace=False).tolist()) | {0}):
        for limit in range(1, len(every) + 2):
            want = sorted(every, key=lambda r: (r not in ranked, r))[:limit]
            got = dev._record_rows(question, info, None, ranked, limit)
            assert sorted(got) == sorted(want) and len(got) == len(set(got))


@pytest.mark.parametrize("question", [*RECORD_QUESTIONS, "巴南区十九届人大四次会议的建议有哪些?"])
def test_record_index_chooses_among_the_allowed_letters_as_an_index_of_them_would(
    dev: Retriever, question: str
) -> None:
    info = dev.analyze(question)
    letters = list(dev.index.letters.values())
    some = {lt.id for lt in letters[::2]}
    scanned = [lt for lt in letters if lt.id in some]
    for allowed, pool in ((None, letters), (some, scanned)):
        got = dev.record_matches(question, info, allowed)
        want = RecordIndex(pool).matches(question, info)
        assert got == want and got
        assert [m.letter.id for m in got] == [
            lt.id for lt in pool if lt.id in {m.letter.id for m in got}
        ]


def test_record_index_gathers_each_rule_once(dev: Retriever) -> None:
    # Two questions about different co-handlers read one gathering of every letter's.
    dev.record_matches(
        "哪些复函列明市财政局为协办单位?", dev.analyze("哪些复函列明市财政局为协办单位?")
    )
    index = dev._record_index
    assert index is not None
    gathered = index._facets["cohandler"]
    question = "哪些答复由市教委协办?"
    dev.record_matches(question, dev.analyze(question))
    assert dev._record_index is index and index._facets["cohandler"] is gathered

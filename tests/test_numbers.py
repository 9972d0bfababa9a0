"""Numbers in both scripts: a question's number reaches the letter's however either is written.

Made-up letters only; the model-free embedder and no dense weight isolate the lexical side.
"""

from __future__ import annotations

import numpy as np
import pytest

from rag.config import RetrievalSettings, Settings
from rag.pipeline import build_folder, open_retriever
from rag.search.lexicon import default_tokenizer
from rag.search.numbers import fold_thousands, value_tokens


def _values(text: str) -> set[str]:
    """The number tokens the BM25 tokenizer gives `text` (values and plain digit runs)."""
    return {t for t in default_tokenizer().tokenize(text) if t.replace(".", "").isdigit()}


@pytest.mark.parametrize(
    ("forms", "value"),
    [
        (["3.5万人", "35,000 people", "35000人", "35 thousand people", "3.50万"], "35000"),
        (["1.2亿元", "120 million yuan", "120,000,000元", "一亿二千万元"], "120000000"),
        (["三千户", "3000户", "3千户", "3,000 households"], "3000"),
        (["两万人", "2万人", "20,000"], "20000"),
        (["一万二千", "12000", "1.2万"], "12000"),
        (["5000万元", "50 million yuan", "五千万元"], "50000000"),
        (["35000.00元", "35000元"], "35000"),
    ],
)
def test_every_script_of_a_number_gives_its_value(forms: list[str], value: str) -> None:
    for form in forms:
        assert value in _values(form), form


def test_different_values_do_not_meet() -> None:
    assert "35000" not in _values("3.6万人") and "35000" not in _values("36,000 people")
    assert "3000" not in _values("三千米")  # 千米 is a kilometre
    assert "350000" not in _values("3.5万")


def test_years_document_and_proposal_numbers_keep_their_tokens() -> None:
    tok = default_tokenizer().tokenize
    assert {"2023"} <= set(tok("2023年")) and "2023" in tok("二〇二三年十月")
    tokens = tok("渝经信复函〔2020〕300号")
    assert {"2020〔300", "no300", "2020", "300"} <= set(tokens)
    assert not set(tokens) - {
        "2020〔300",
        "no300",
        "渝",
        "经信",
        "复函",
        "同义:复函",
        "2020",
        "300",
        "号",
    }
    assert {"no310", "310"} <= set(tok("第0310号"))
    assert value_tokens("2023年第0310号〔2020〕300号") == []


def test_a_list_in_chinese_text_is_not_one_number() -> None:
    # Full-width commas separate items; only ASCII commas group thousands.
    assert fold_thousands("分别为120，300，500个") == "分别为120，300，500个"
    assert {"120", "300", "500"} <= _values("分别为120，300，500个")
    assert fold_thousands("1,200,000 and 2019,2020") == "1200000 and 2019,2020"


def test_words_that_only_look_like_numerals_are_not_numbers() -> None:
    for text in ("统一规划", "十分重要", "以防万一", "千万不要", "十四五规划", "一二三"):
        assert value_tokens(text) == [], text


def _letter(body: str, sender: str) -> str:
    return (
        f"【示例】虚构。\n张三代表：\n您的建议收悉，现答复如下：\n{body}\n{sender}\n2024年5月1日\n"
    )


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    # Made up: three districts' letters on skills training, each with its own head count.
    tmp = tmp_path_factory.mktemp("numbers")
    docs = tmp / "docs"
    docs.mkdir()
    bodies = {
        "a.txt": ("今年全区开展职业技能培训，累计培训3.5万人次，发放补贴一千二百万元。", "某某市甲区人力社保局"),
        "b.txt": ("今年全区开展职业技能培训，累计培训4.2万人次，发放补贴八百万元。", "某某市乙区人力社保局"),
        "c.txt": ("今年全区开展职业技能培训，累计培训三千人次，发放补贴1.5亿元。课程涵盖电工、焊工、养老护理等工种。", "某某市丙区人力社保局"),
    }  # fmt: skip
    for name, (body, sender) in bodies.items():
        (docs / name).write_text(_letter(body, sender), encoding="utf-8")
    settings = Settings(embedder="hash")
    build_folder(docs, tmp / "index", settings)
    found = open_retriever(tmp / "index", settings)
    return type(found)(
        found.index, found.embedder, RetrievalSettings(dense_weight=0), found.tokenizer
    )


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("Which district trained 35,000 people in vocational skills?", "a.txt"),
        ("哪个区职业技能培训了35000人次？", "a.txt"),
        ("Which district gave 12 million yuan of training subsidies?", "a.txt"),
        ("Which district trained 42 thousand people?", "b.txt"),
        ("培训3000人次的是哪个区？", "c.txt"),
        ("Which district spent 150,000,000 yuan on training subsidies?", "c.txt"),
    ],
)
def test_a_question_reaches_the_letter_by_its_number_in_another_script(
    retriever, question: str, source: str
) -> None:  # type: ignore[no-untyped-def]
    hits = retriever.search(question, 3)
    assert hits[0].letter.source == source, [h.letter.source for h in hits]
    # … by its number, not by a tie on the topic words: its BM25 score is above the others'.
    index = retriever.index
    scores = index.bm25.scores(retriever.query_tokens(question))
    best: dict[str, float] = {}
    for row, score in enumerate(scores):
        letter = index.letters[index.chunks[row].letter_id].source
        best[letter] = max(best.get(letter, 0.0), float(score))
    assert best[source] > max(v for k, v in best.items() if k != source), best


def test_a_number_no_letter_writes_matches_none(retriever) -> None:  # type: ignore[no-untyped-def]
    # 36,000 is no letter's value: its token matches nothing (only the topic words do).
    tokens = retriever.query_tokens("Which district trained 36,000 people?")
    assert "36000" in tokens
    assert retriever.index.bm25.scores(["36000"]).max() == 0
    index = retriever.index
    matched = {
        index.letters[index.chunks[int(r)].letter_id].source
        for r in np.flatnonzero(index.bm25.scores(["35000"]))
    }
    assert matched == {"a.txt"}

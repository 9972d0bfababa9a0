"""Chunking: exact offsets on every real and demo letter, structure, sizes, chrome."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_text, heading_of
from rag.config import ChunkingSettings
from rag.letters.boilerplate import find_boilerplate

# Made-up letter for structure tests (not a real document).
MADE_UP = """您当前的位置: 首页>政务公开>建议提案复函
关于市政协六届九次会议第0999号提案办理情况的复函
示例委员:
你提出的《关于示例事项的建议》(第0999号)收悉。现将办理情况答复如下。
一、基本情况
近年来,示例市持续推进示例工作。全年投入资金1.5亿元,覆盖12个区县。
(一)加强政策供给。出台示例政策3项,明确支持方向。
(二)加强人才保障。引进高层次人才200名,建设人才公寓。
二、下一步工作
1.继续完善政策。我委将会同市财政局研究新的支持措施。
2.强化督促落实。定期通报进展情况。
示例市示例委员会
2024年6月1日
扫一扫在手机打开当前页"""


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")


def _check_invariant(text: str) -> list:
    chunks = chunk_text("L", text, find_boilerplate(text))
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip(), "chunks start and end on non-space characters"
    return chunks


def test_offsets_hold_on_every_dev_letter(corpus_files: list[Path]) -> None:
    assert len(corpus_files) >= 50
    for path in corpus_files:
        chunks = _check_invariant(_read(path))
        assert chunks, path.name


def test_offsets_hold_on_every_demo_letter(demo_dir: Path) -> None:
    files = sorted(demo_dir.glob("*.txt"))
    assert len(files) >= 8
    for path in files:
        assert _check_invariant(_read(path)), path.name


def test_sections_follow_headings() -> None:
    chunks = chunk_text(
        "L",
        MADE_UP,
        find_boilerplate(MADE_UP),
        ChunkingSettings(target_chars=60, max_chars=120, min_chars=10, overlap_chars=0),
    )

    def section_of(words: str) -> str:
        return next(c.section for c in chunks if words in c.text)

    assert section_of("(二)加强人才保障") == "一、基本情况 > (二)加强人才保障"
    assert section_of("1.继续完善政策") == "二、下一步工作 > 1.继续完善政策"
    assert section_of("强化督促落实") == "二、下一步工作 > 2.强化督促落实"
    assert chunks[0].section == "文头"


def test_boilerplate_lines_stay_in_text_but_not_in_chunks() -> None:
    spans = find_boilerplate(MADE_UP)
    assert [MADE_UP[s:e] for s, e in spans] == [
        "您当前的位置: 首页>政务公开>建议提案复函",
        "扫一扫在手机打开当前页",
    ]
    chunks = chunk_text("L", MADE_UP, spans)
    assert not any("扫一扫" in c.text or "当前的位置" in c.text for c in chunks)


def test_sizes_and_overlap_on_real_letters(corpus_files: list[Path]) -> None:
    cfg = ChunkingSettings()
    lengths, overlaps = [], 0
    for path in corpus_files:
        chunks = chunk_text("L", _read(path), find_boilerplate(_read(path)), cfg)
        lengths += [len(c.text) for c in chunks]
        overlaps += sum(1 for a, b in zip(chunks, chunks[1:], strict=False) if b.start < a.end)
    assert max(lengths) <= cfg.max_chars + cfg.min_chars
    assert 150 <= sum(lengths) / len(lengths) <= cfg.max_chars
    assert overlaps > 0


def test_heading_detection() -> None:
    assert heading_of("一、智能产业发展情况") == (1, "一、智能产业发展情况")
    assert heading_of("(三)关于完善人力资源保障。市人力社保局将继续…") == (
        2,
        "(三)关于完善人力资源保障",
    )
    assert heading_of("1.推动区域市场一体化。先后四批次") == (3, "1.推动区域市场一体化")
    assert heading_of("2020年5月22日") is None
    assert heading_of("1.5亿元用于示例") is None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("示例文本一二三、。,!？;\n (（)）1.扫当前位置”") + ["……", "首页>", "扫一扫\n"]
        ),
        max_size=300,
    ).map("".join)
)
def test_offsets_hold_on_arbitrary_text(text: str) -> None:
    chunks = chunk_text(
        "L",
        text,
        find_boilerplate(text),
        ChunkingSettings(target_chars=60, max_chars=90, min_chars=10, overlap_chars=20),
    )
    covered = set()
    for c in chunks:
        assert text[c.start : c.end] == c.text
        covered.update(range(c.start, c.end))
    chrome = {i for s, e in find_boilerplate(text) for i in range(s, e)}
    missing = [
        i for i, ch in enumerate(text) if not ch.isspace() and i not in covered and i not in chrome
    ]
    assert not missing, "every non-space character outside site chrome belongs to a chunk"


def test_page_widgets_and_an_editors_line_are_chrome() -> None:
    text = "正文第一句。\n【责任编辑:示例】 【收藏】 【关闭窗口】\n         责任编辑:某某  \n日期: 2020-01-01 来源:某某县示例局 责任编辑:某某 文字大小:\n"
    spans = find_boilerplate(text)
    chrome = [text[s:e] for s, e in spans]
    assert len(chrome) == 2 and all("责任编辑" in c for c in chrome)
    assert not any(c.startswith("日期") for c in chrome)  # a page header with the date and source stays

"""Labelled metadata in a letter page: `索引号: …`, `[ 发文字号 ] | … |`, `• …` bullets.

Government sites print a header block above a reply letter in many layouts: a label and
its value on one line (`发布机构: 市水利局`), several pairs on one line or in a table row
(`[ 索引号 ] | 1150…/2024-00001 | [ 发文字号 ] | 渝示例函〔2024〕1号 |`, made up), a bracketed label
with its value on the next line, or bare bullets with no labels at all. `find_labels`
reads every label it knows, wherever it stands, as a `Label` with exact offsets, and
`bullets` returns the unlabelled bullet items. Deciding which label means what for a
field is left to `rag.letters.fields`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL_WORDS = """
索引号 信息索引号 发文字号 文号 发文号 文件编号 主题分类 体裁分类 组配分类 内容分类 信息分类 公文种类
发布机构 发布单位 发文机关 发文机构 所属机构 来源 文章来源 信息来源 主办单位(分办单位)
主办单位（分办单位） 主办单位 承办单位 协办单位 成文日期 生成日期 发文日期 成文时间 发文时间
发布日期 发布时间 日期 时间 有效性/截止日期 有效性 效力状态 公开方式 公开范围 名称 标题 浏览次数
浏览量 访问量 字体 字号 作者 责任编辑 信息类型 建议标题 编号 建议类型 提交日期 建议办理类型
建议公开范围 建议号 提案号 提案人 内容 责任领导 政府督办领导 交办日期 反馈时间 办复类别 类别标记
办理结果 是否同意公开 签发人 领导签发 签发领导 签发 分享 文字大小 关键词 主题词 答复类别 办理类别
办复类型 答复类型 办理类型 类别 承办处室 联系单位 联系单位及电话
"""
# Labels seen on reply-letter pages. Longer names come first so that 发布日期 wins over 日期.
LABEL_NAMES: tuple[str, ...] = tuple(sorted(set(_LABEL_WORDS.split()), key=lambda n: (-len(n), n)))


def _spaced(name: str) -> str:
    # Pages pad labels for alignment (索 引 号, 文  号), so allow spaces between characters.
    return r"[ \t\u3000\u2002]*".join(re.escape(c) for c in name)


_NAME_ALT = "|".join(_spaced(n) for n in LABEL_NAMES)
# A label is bracketed ([ 索引号 ]), followed by a colon, or a cell of a table row: a colon
# label must start its line or follow a separator, so "数据来源:" inside a sentence is not a
# label; a table cell (`| 发布机构 | 市水利局 |`, `发布机构  市水利局  成文日期  …`) stands
# between cell rules or runs of two or more spaces, which running text does not have.
LABEL_MARK = re.compile(
    rf"[\[【][ \t\u3000\u2002]*(?P<b>{_NAME_ALT})[ \t\u3000\u2002]*[\]】]"
    rf"|(?<![^\s|•·\-\]【】])(?P<c>{_NAME_ALT})[ \t\u3000\u2002]*[:：]"
    rf"|(?:^|(?<=\|)|(?<=[ \t\u3000]{{2}}))[ \t\u3000]*(?P<t>{_NAME_ALT})"
    rf"(?=[ \t\u3000]*\||[ \t\u3000]{{2,}}\S|\t\S)",
    re.M,
)
_BULLET = re.compile(
    r"^[ \t\u3000\u2002]*[•·\-][ \t\u3000\u2002]*(?P<v>\S.*?)[ \t\u3000\u2002]*$", re.M
)
_SPACE = re.compile(r"\s")
_TRIM = " \t\u3000\u2002|•·-"


@dataclass(frozen=True)
class Label:
    """One label and its value, with offsets into the letter text.

    Attributes:
        name: The canonical label name, spaces removed (`索引号`).
        value: The value text, trimmed; empty when the page leaves the field blank.
        start: Offset of the value in the text (of the label end when empty).
        end: End offset of the value.
        at: Offset of the label itself.
        next_line: True when the value was read from the line after the label.
    """

    name: str
    value: str
    start: int
    end: int
    at: int
    next_line: bool = False


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def find_labels(text: str) -> list[Label]:
    """Every known label in the text with its value, in text order.

    A value runs to the next label on the same line or to the end of the line (in a table
    row, to the end of its cell). A bracketed
    label alone at the end of its line takes the next line as its value when that line
    is not itself a label (`[ 索引号 ]` / `1150…`); so does a colon label whose next line
    directly follows it and is short.

    Args:
        text: The letter text.

    Returns:
        The labels found, each with exact value offsets.
    """
    marks = list(LABEL_MARK.finditer(text))
    out: list[Label] = []
    for i, m in enumerate(marks):
        name = _SPACE.sub("", m["b"] or m["c"] or m["t"]).replace("（", "(").replace("）", ")")
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        stop = line_end
        if i + 1 < len(marks) and marks[i + 1].start() < line_end:
            stop = marks[i + 1].start()
        start, end = _trim_span(text, m.end(), stop)
        bar = text.find("|", start, end)
        if bar > start:
            # A table row: the value is its own cell (文 号: | 环文广发[2018]141号 | 所属主题: |).
            start, end = _trim_span(text, start, bar)
        if start < end or stop != line_end or line_end == len(text):
            out.append(Label(name, text[start:end], start, end, m.start()))
            continue
        nxt = _next_value_line(text, line_end, bracketed=m["b"] is not None)
        if nxt is None:
            out.append(Label(name, "", start, start, m.start()))
        else:
            out.append(Label(name, text[nxt[0] : nxt[1]], nxt[0], nxt[1], m.start(), True))
    return out


def _next_value_line(text: str, line_end: int, bracketed: bool) -> tuple[int, int] | None:
    """The value on the line after an empty label, if the layout puts it there."""
    pos = line_end + 1
    if pos >= len(text):
        return None
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    line = text[pos:end]
    if LABEL_MARK.search(line) or not line.strip(_TRIM):
        return None
    start, stop = _trim_span(text, pos, end)
    value = text[start:stop]
    if len(value) > (60 if bracketed else 40) or value.startswith(("关于", "对")):
        return None
    return start, stop


def bullets(text: str, end: int | None = None) -> list[tuple[str, int, int]]:
    """Unlabelled bullet items (`• 11500000MB0000000X/2024-00001`, made up) before `end`.

    Args:
        text: The letter text.
        end: Only bullets starting before this offset are returned (the salutation, say).

    Returns:
        (value, start, end) for each bullet line that carries no label.
    """
    out: list[tuple[str, int, int]] = []
    for m in _BULLET.finditer(text, 0, len(text) if end is None else end):
        if LABEL_MARK.search(m["v"]) or m["v"].startswith("["):
            continue
        out.append((m["v"], m.start("v"), m.end("v")))
    return out

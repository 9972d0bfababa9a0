"""Questions as people type them: the same question as a formally written one.

People type short, colloquial questions, without punctuation or with the wrong mark, and with
year shorthand ("23年经信委咋答复的 智谷"). Each rule below states the general fact about typed
Chinese it encodes; none names a letter or a question of any set. `retype` applies them and
says what it changed, so `replyqa search --explain` can show what the question became.

The text is only rewritten for searching: answers quote the letters, never this text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

# Year shorthand. Chinese writers drop the century of a year ("23年" for 2023年, "19年底");
# the same two digits before 年 are a duration when a word of duration or order surrounds them
# (近23年, 第23年, 23年来, 23年间, 23年以上, 23年前). Two digits name a year of this century
# up to next year, or of the 1980s–90s; anything else (50年) is left alone.
_YEAR_SHORT = re.compile(
    r"(?<![\d.％%第近满共约达逾超历过去连续用长经余])(\d{2})\s*年"
    r"(?!来|以来|间|多|内|左右|以上|以下|之久|前|后|半|里|中|期间|工龄|教龄)"
)


def _expand_year(m: re.Match[str]) -> str | None:
    two = int(m.group(1))
    next_year = (datetime.date.today().year + 1) % 100
    if two <= next_year:
        return f"20{two:02d}年"
    if 80 <= two <= 99:
        return f"19{two:02d}年"
    return None


# Colloquial question words and their written forms (咋 = 怎么, 啥 = 什么 …). Longer forms first,
# so 啥时候 becomes 什么时候, not 什么时候 via 啥 + 时候 by accident of order.
_COLLOQUIAL = (
    ("啥时候", "什么时候"),
    ("啥时", "什么时候"),
    ("为啥", "为什么"),
    ("干啥", "做什么"),
    ("咋样", "怎么样"),
    ("咋办", "怎么办"),
    ("咋回事", "怎么回事"),
    ("咋", "怎么"),
    ("啥", "什么"),
    # Where money comes from and who is in charge, as people say it.
    ("钱从哪里来", "资金来源是什么"),
    ("钱从哪儿来", "资金来源是什么"),
    ("钱从哪来", "资金来源是什么"),
    ("归谁管", "由哪个部门管理"),
    ("谁来管", "由哪个部门管理"),
    ("哪儿", "哪里"),
    ("有木有", "有没有"),
    ("多少钱", "多少资金"),  # letters write 资金 / 金额 / 万元, not 钱
    ("给了多少", "安排了多少"),
)
# Words that address the reader rather than ask (请问, 我想问一下, 麻烦问下, 谢谢): dropped.
_FILLER = re.compile(
    r"^(?:请问一下|请问|我想问一下|我想问下|我想问|想问一下|想问下|问一下|问下|我想了解一下|想了解一下|"
    r"我想知道|想知道|麻烦问一下|麻烦问下|麻烦|你好|您好)[，,、\s]*|"
    r"[，,\s]*(?:谢谢(?:了|啦|你|您)?|多谢)[!！。.\s]*$"
)
# Sentence-final particles of speech (呀 啊 哈 嘛 呗 哦 噢 喔 捏 咧), and 么 as a question particle
# (有补贴么 = 有补贴吗): at the end of a clause only, where they cannot be part of a word.
_PARTICLE = re.compile(
    r"(?<=[\u4e00-\u9fff])(?:呀|啊|哈|嘛|呗|哦|噢|喔|捏|咧|啦)+(?=[？?！!。，,\s]|$)"
)
_ME = re.compile(r"(?<=[\u4e00-\u9fff])(?<![什怎那这多要])么(?=[？?！!。，,\s]|$)")
# Punctuation typed wrong or not at all: the ASCII and full-width question and exclamation
# marks repeated (??, ？！), a space between two Chinese clauses (= a comma), a closing 。
# where a question word shows it asks.
_REPEATED = re.compile(r"[?？!！]{2,}")
_CLAUSE_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# A document number typed without its brackets, with other brackets, or with a separator
# (渝经信复函2020 300号, 渝经信复函[2020]300号, 渝经信复函2020-300号): the issuer's prefix
# ends in 函/发/字, then the year, then the serial with 号.
_DOC_NUMBER = re.compile(
    r"(?<=[函发字])\s*[\[【〖（(〔{｛<《]?\s*((?:19|20)\d\d)\s*"
    r"[\]】〗）)〕}｝>》]?\s*[-—－_、,，.\s年第]?\s*(\d{1,5})\s*号"
)


def _apply(
    pattern: re.Pattern[str], text: str, repl: Callable[[re.Match[str]], str | None]
) -> tuple[str, list[str]]:
    notes: list[str] = []

    def sub(m: re.Match[str]) -> str:
        new = repl(m)
        if new is None or new == m.group():
            return m.group()
        notes.append(f"{m.group().strip() or '␣'} → {new or '∅'}")
        return new

    return pattern.sub(sub, text), notes


def retype(question: str) -> tuple[str, list[str]]:
    """`question` as it would be written formally, and a note for each change made."""
    text = question.strip()
    notes: list[str] = []
    if re.search(r"[A-Za-z]{3,}", text) and not re.search(r"[\u4e00-\u9fff]", text):
        return text, notes  # English: its numbers and years are read elsewhere
    stripped = _FILLER.sub("", text)
    if stripped != text and stripped.strip():
        notes.append(f"filler dropped: {text} → {stripped}")
        text = stripped
    for typed, written in _COLLOQUIAL:
        if typed in text:
            text = text.replace(typed, written)
            notes.append(f"{typed} → {written}")
    for pattern, repl in (
        (_PARTICLE, lambda m: ""),
        (_ME, lambda m: "吗"),
        (_REPEATED, lambda m: "？" if re.search("[?？]", m.group()) else "！"),
        (_CLAUSE_SPACE, lambda m: "，"),
        (_DOC_NUMBER, lambda m: f"〔{m.group(1)}〕{m.group(2)}号"),
        (_YEAR_SHORT, _expand_year),
    ):
        text, found = _apply(pattern, text, repl)
        notes += found
    return text, notes

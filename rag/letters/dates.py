"""Date reading for reply letters: every way a letter writes a date, to one ISO string.

Published letters write their dates as `2024年6月30日`, with Chinese numerals
(`二0一七年五月二十六日`), as ISO (`2025-04-16`), or damaged by text extraction: a dropped
日 (`2020年5月22`) or all digits run together (`202362`, `2023526`). `parse_date` turns any
of these into `YYYY-MM-DD`, and returns None rather than guessing when the text is not a
real date or when run-together digits can be split two ways (`2023111`). `DATE_LINE`
recognises a line that holds nothing but a date, the shape of a signature date.
"""

from __future__ import annotations

import datetime
import re

_CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "Ｏ": 0, "0": 0, "Ο": 0, "О": 0,  # Greek, Cyrillic O
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip

_YEAR = r"(?:1[89]\d{2}|20\d{2}|[一二][〇零○OoＯ0ΟО一二三四五六七八九]{3})"
_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"

#: A written-out date: 年/月 present, 日 optional (extraction sometimes drops it).
CJK_DATE = re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MD})\s*月\s*(?P<d>{_MD})(?:\s*日)?")
#: ISO-like dates with -, / or . separators.
ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})(?!\d)"
)
#: Year, month and day run together by extraction (`202362`, `2023526`, `20231201`).
COMPACT_DATE = re.compile(r"(?<!\d)(?:19|20)\d{4,6}(?!\d)")
#: A line that holds only a date (leading/trailing spaces allowed): a signature date.
#: Any of the date forms above, without groups, for building line patterns.
ANY_DATE = "|".join(
    re.sub(r"\?P<\w+>", "?:", p.pattern) for p in (CJK_DATE, ISO_DATE, COMPACT_DATE)
)
#: A page's footnote mark may follow it (二〇〇七年五月二十四日[1]).
DATE_LINE = re.compile(rf"^[^\S\n]*(?P<raw>{ANY_DATE})[^\S\n]*(?:\[\d{{1,2}}\][^\S\n]*)?$", re.M)


def _cn_int(s: str) -> int | None:
    """Read a small number written in ASCII or Chinese digits (`7`, `十七`, `二十六`)."""
    if s.isascii():
        return int(s) if s.isdigit() else None
    if "十" in s:
        tens_s, _, ones_s = s.partition("十")
        tens = _CN_DIGITS.get(tens_s) if tens_s else 1
        ones = _CN_DIGITS.get(ones_s) if ones_s else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1:
        return _CN_DIGITS.get(s)
    return None


_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> int | None:
    """A whole number in Chinese numerals: 五十二 → 52, 一百零三 → 103, 二〇五 → 205."""
    if not any(c in _CN_UNIT for c in s):
        return _year(s) if s else None  # digit by digit, as years are written
    total, digit = 0, None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[c]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _year(s: str) -> int | None:
    if s.isascii():
        return int(s) if s.isdigit() else None
    digits = [_CN_DIGITS.get(c) for c in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _iso(year: int | None, month: int | None, day: int | None) -> str | None:
    if year is None or month is None or day is None:
        return None
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def compact_candidates(digits: str) -> list[str]:
    """All real dates a run of 6-8 digits can spell, in ISO form.

    Args:
        digits: Four year digits followed by the month and day digits, without separators.

    Returns:
        The distinct valid readings; more than one means the split is ambiguous.
    """
    if not digits.isdigit() or not 6 <= len(digits) <= 8:
        return []
    year, rest = int(digits[:4]), digits[4:]
    splits = [(rest[:i], rest[i:]) for i in range(1, len(rest))]
    out: list[str] = []
    for m, d in splits:
        if len(m) > 2 or len(d) > 2:
            continue
        iso = _iso(year, int(m), int(d))
        if iso and iso not in out:
            out.append(iso)
    return out


def parse_date(raw: str, hint: str | None = None) -> str | None:
    """Read a date written in any of the letters' forms.

    Args:
        raw: The date text, e.g. `2024年6月30日`, `二0一七年五月二十六日`, `2025-04-16`,
            `2020年5月22` or `202362`.
        hint: An ISO date known from elsewhere in the letter; it picks one reading when
            run-together digits can be split two ways.

    Returns:
        The ISO `YYYY-MM-DD` string, or None when the text is not a valid date or is
        ambiguous without a matching hint.
    """
    text = raw.strip()
    m = CJK_DATE.fullmatch(text)
    if m:
        return _iso(_year(m["y"]), _cn_int(m["m"]), _cn_int(m["d"]))
    m = ISO_DATE.fullmatch(text)
    if m:
        return _iso(int(m["y"]), int(m["m"]), int(m["d"]))
    if COMPACT_DATE.fullmatch(text):
        found = compact_candidates(text)
        if len(found) == 1:
            return found[0]
        if hint in found:
            return hint
    return None

"""Multi-turn chat state and deterministic follow-up rewriting (no model).

A help-desk user asks "那经信委呢？" or "who signed it?" and expects the subject of the
previous turn to carry over. `rewrite` turns such a follow-up into a self-contained
question plus the filters and letter ids it refers to; `record` appends the turn to a
bounded `Conversation`. Rules, tried in this order (the first that fits wins):

    reason          example                           rewrite
    standalone      first turn; 哪些部门支持人才政策？ unchanged; explicit filters only
    more            还有别的吗？ / anything else?      previous question; cited letters excluded
    ordinal         第二封呢 / the second one          about the n-th letter of the last list
    this_letter     这份复函是谁签发的？ / who signed it?  the anaphor replaced by the letter's name
    agency_swap     那经信委呢？ / what about the …?   previous question, agency replaced
    place_swap      换成江津区呢 / 那九龙坡区呢          previous question, place replaced
    year_swap       去年的呢 / what about 2023?        previous question, year replaced
    number_swap     那第0124号呢 / what about No. 124?  previous question, number replaced
    standalone      names its own agency or number    unchanged; explicit filters only
    field_followup  文号呢？ / 谁签发的                the last answer's letter(s) named
    topic_carry     那补贴标准呢？                     previous topic words + "，" + follow-up

A letter is named by its title and 文号 from the citation; with nothing cited to refer
to, ordinal/anaphora fall through ("ordinal_missing" keeps the question as typed). Topic
carry keeps it simple: a short elliptical follow-up (那… or …呢, "what about …") gets the
previous rewritten question minus its question words (哪些, 怎么, what, which …)
prepended, so a chain of them accumulates topic words. Filters: the explicit ones
(`Conversation.explicit`, set by the user or UI) always apply and always win; a follow-up
that keeps the subject carries the filters in force plus the agency/place the previous
question named; a swap replaces that inferred field; a standalone question starts a new
subject, so inferred filters are dropped (a different agency no longer filters). A swap
replaces the words of its kind and keeps the rest: a place of the same level (a district for
a district or county, 南岸区 → 九龙坡区, not 九龙坡区南岸区), a year (去年 counts from
today), a number (its 提案/建议 kind kept unless the follow-up names one). Words that stand
free in the question (a place naming no agency, a year, a number) are the question's own:
swapping them adds no filter that the same question typed afresh would not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date

from rag.letters.agencies import canonical_agency, place_of
from rag.search.query import Filters, agency_core, analyze
from rag.types import Answer, Citation

from .swaps import en_agencies, mentions_zh, swap


@dataclass
class Turn:
    """One exchange: what was typed, what was asked, what we answered, under which filters."""

    question: str
    rewritten: str
    answer: Answer | None
    filters: Filters


@dataclass
class Conversation:
    """A bounded chat history; `filters` are those in force after the last turn."""

    id: str
    turns: list[Turn] = field(default_factory=list)
    filters: Filters = Filters()
    max_turns: int = 20
    explicit: Filters = Filters()  # set by the user/UI; never dropped by inference


@dataclass(frozen=True)
class Rewrite:
    """A follow-up made self-contained, with the rule that did it."""

    question: str
    filters: Filters
    focus_letters: tuple[str, ...] = ()
    exclude_letters: tuple[str, ...] = ()
    reason: str = "standalone"


_END = re.compile(r"[\s?？!！。.,，~～]+$")
_TAIL_ZH = re.compile(r"的?(?:呢|吗|怎么样|如何|怎么说)$")
_LEAD_ZH = re.compile(r"^(?:那么?|如果是|换成|换为|改成|改为|还有)")
_LEAD_EN = re.compile(r"^(?:(?:and\s+)?(?:what|how)\s+about|and|switch\s+to)\s+(?:the\s+)?", re.I)
_MORE = re.compile(
    r"那?(?:还有(?:没有)?(?:别的|其他|其它|其余)?|另外|别的|其他|其它|其余)的?"
    r"(?P<other>部门|单位|区县)?(?:复函|答复)?(?:吗|呢|么|没有)?"
    r"|(?:is\s+there\s+)?any(?:thing|one)?\s+else|(?:any\s+)?more|what\s+else|(?:any\s+)?others?"
    r"|(?:any\s+)?other\s+(?:letters|replies|ones|(?P<other_en>agencies|departments))",
    re.I,
)
_ANAPHOR_ZH = re.compile(
    r"(?:这|该|此|那|上述)(?P<many>些|几份|几封)?[份封个件篇]?(?:复函|答复函|答复|回复|函件|函|建议|提案|文件)"
    r"|它(?P<many2>们)?"
)
_ANAPHOR_EN = re.compile(
    r"\b(?:this|that|the|these|those)\s+(?:letter|reply|response|document)(?P<many>s)?\b"
    r"(?!\s+n(?:o|umber))|\bits\b|\b(?P<many2>they|them|their)\b"
    r"|\bit\b(?!\s+(?:is|was|true|possible|likely|necessary)\b)",  # not "is it true that …"
    re.I,
)
_ORDINALS = {w: i for i, w in enumerate("last first second third fourth fifth sixth".split())}
_ORDINALS |= {c: i + 1 for i, c in enumerate("一二三四五六七八九十")} | {"两": 2}
_ORDINAL = re.compile(
    r"第\s*(?P<zh>[一二两三四五六七八九十]|\d{1,2})\s*(?:[封个份条件家项篇](?:复函|答复|回复|函|部门|单位)?"
    r"|(?=\s*(?:的|呢|吗|[?？。.!！]|$)))|最后[一那][封个份条家]|(?:the\s+)?(?P<en>first|second|third"
    r"|fourth|fifth|sixth|last|\d{1,2}(?:st|nd|rd|th))\s+(?:one|letter|reply|agency|department)\b",
    re.I,
)
_QWORDS_ZH = re.compile(
    r"请问|有哪些|哪些部门|哪些单位|哪个部门|哪个单位|哪些|哪个|哪家|哪一?天|什么时候|什么|怎么样|怎样"
    r"|怎么|如何|是否|有没有|多少|是谁|谁|为什么|[呢吗吧啊]|[?？!！。.,，、：:；;\s]"
)
_STOP_EN = frozenset(
    "what whats what's which who whom when where how why does do did is are was were be the a an of"
    " on about for to in please tell me say said any there and it its".split()
)
_WORD_EN = re.compile(r"[A-Za-z][A-Za-z'-]*")
_VERB_END_EN = re.compile(r"(?:signed|issued|replied|answered|handled|approved|sent|wrote)$", re.I)


def _merge(first: Filters, then: Filters) -> Filters:
    """`first`'s values win; `then` fills the gaps."""
    names = [f.name for f in fields(Filters)]
    return Filters(
        **{n: getattr(then, n) if getattr(first, n) is None else getattr(first, n) for n in names}
    )


def _letters(answer: Answer | None) -> list[Citation]:
    """The first citation of each distinct letter, in citation order."""
    seen: dict[str, Citation] = {}
    for c in answer.citations if answer else ():
        seen.setdefault(c.letter_id, c)
    return list(seen.values())


def _latest(conv: Conversation, n: int = 1) -> list[Citation]:
    """The letters of the most recent answer that cites at least `n` of them."""
    for turn in reversed(conv.turns):
        if len(cited := _letters(turn.answer)) >= n:
            return cited
    return []


def _label(c: Citation, english: bool) -> str:
    """Name a letter by its title and 文号, else by its sender; its file name only when the
    letter states neither (a file name means nothing to the person asking)."""
    title, doc = c.title, c.doc_number
    if english:
        if title or doc:
            return f'"{title}" ({doc})' if title and doc else f'"{title or doc}"'
        return f"the reply from {c.agency}" if c.agency else f'"{c.source}"'
    if title or doc:
        return f"{title}（{doc}）" if title and doc else title or doc or ""
    return f"{c.agency}的复函" if c.agency else f"《{c.source}》"


def _labels(cited: list[Citation], english: bool) -> str:
    return (", " if english else "、").join(_label(c, english) for c in cited)


def _subject(text: str) -> Filters:
    """The agency (core) and place of the one agency a question names, if exactly one."""
    names = {text[s:e] for s, e in mentions_zh(text)}
    if len({agency_core(n) for n in names}) == 1:
        name = names.pop()
        return Filters(agency=agency_core(name), place=place_of(canonical_agency(name) or name))
    pattern, cores = en_agencies()
    found = {cores[m.group().lower()] for m in pattern.finditer(text)}
    return Filters(agency=found.pop()) if len(found) == 1 else Filters()


def _carried(conv: Conversation, keep_agency: bool = True) -> Filters:
    """Filters of a follow-up on the same subject: explicit, then carried, then inferred."""
    carried = conv.filters if keep_agency else replace(conv.filters, agency=None)
    if keep_agency and carried.agency is None:
        carried = _merge(carried, _subject(conv.turns[-1].rewritten))
    return _merge(conv.explicit, carried)


def _content(text: str, english: bool) -> str:
    """`text` minus question words and punctuation: the topic it names."""
    if english:
        return " ".join(w for w in _WORD_EN.findall(text) if w.lower() not in _STOP_EN)
    return re.sub(r"^那么?|[的了是有]+$", "", _QWORDS_ZH.sub("", text))


def _bare(question: str) -> str:
    """The follow-up without its lead-in (那, what about …) and its tail (呢, ?)."""
    text = _TAIL_ZH.sub("", _END.sub("", question.strip()))
    return _LEAD_EN.sub("", _LEAD_ZH.sub("", text)).strip()


def _position(m: re.Match[str]) -> int:
    """1-based position named by an ordinal match; 0 for 最后/last."""
    raw = (m.group("zh") or m.group("en") or "last").lower()
    return _ORDINALS[raw] if raw in _ORDINALS else int(re.sub(r"\D", "", raw))


def _about(label: str, prev: str, prev_cited: list[Citation], english: bool) -> str:
    """The previous question asked of another letter, or what that letter says."""
    for c in prev_cited:
        if (old := _label(c, english)) in prev:
            return prev.replace(old, label)
    return f"What does {label} say?" if english else f"{label}的主要答复内容是什么？"


def _with_letter(question: str, label: str, english: bool) -> str:
    """A short field question about named letters (文号呢 → X的文号是什么？)."""
    text = _END.sub("", question.strip())
    if english:
        return f"{text} {label}?" if _VERB_END_EN.search(text) else f"{text} of {label}?"
    text = _LEAD_ZH.sub("", re.sub(r"呢$", "", text))
    if re.match(r"谁|什么时候|何时|哪|由|在", text):
        return f"{label}是{text}？"
    asks = _QWORDS_ZH.search(re.sub(r"[呢吗?？\s]", "", text))
    return f"{label}{'' if text.startswith('是') else '的'}{text}{'' if asks else '是什么'}？"


def rewrite(question: str, conv: Conversation | None, today: date | None = None) -> Rewrite:
    """Make `question` self-contained given the conversation so far (rules in the module doc).

    Args:
        question: The follow-up as the user typed it.
        conv: The conversation, or None for a one-off question.
        today: What 今年 / 去年 / last year count from (default: the system date).

    Returns:
        The question to run, its filters, the letters it is about or must skip, and the rule.
    """
    explicit = conv.explicit if conv else Filters()
    if conv is None or not conv.turns:
        return Rewrite(question, explicit)
    info = analyze(question)
    english, prev, typed, bare = info.english, conv.turns[-1], question.strip(), _bare(question)
    if more := _MORE.fullmatch(_END.sub("", typed)):
        same = [t for t in conv.turns if t.rewritten == prev.rewritten]
        exclude = tuple(dict.fromkeys(c.letter_id for t in same for c in _letters(t.answer)))
        keep_agency = not (more.group("other") or more.group("other_en"))
        return Rewrite(prev.rewritten, _carried(conv, keep_agency), (), exclude, "more")
    if (m := _ORDINAL.search(question)) and not info.identifies_letter:
        n = _position(m)
        cited = _latest(conv, n or 2) or (_latest(conv) if n == 0 else [])
        if not cited:
            return Rewrite(question, _carried(conv), reason="ordinal_missing")
        letter = cited[n - 1]  # n == 0 (最后/last) picks the last one
        label = _label(letter, english)
        if _content(question[: m.start()] + question[m.end() :], english):
            text = question[: m.start()] + label + question[m.end() :]
        else:
            text = _about(label, prev.rewritten, _letters(prev.answer), english)
        return Rewrite(text, _carried(conv), (letter.letter_id,), reason="ordinal")
    a = (_ANAPHOR_EN if english else _ANAPHOR_ZH).search(question)
    if a and (cited := _latest(conv)):
        cited = cited if a.group("many") or a.group("many2") else cited[:1]
        label = _labels(cited, english) + ("'s" if a.group().lower() == "its" else "")
        text = question[: a.start()] + label + question[a.end() :]
        return Rewrite(text, _carried(conv), tuple(c.letter_id for c in cited), (), "this_letter")
    this_year = (today or date.today()).year
    if bare and (swapped := swap(prev.rewritten, bare, conv.filters.place, this_year)):
        base, new = _carried(conv), swapped.filters
        if not swapped.binding:  # free words: a filter of that field in force follows them
            place = new.place if base.place is not None else base.place
            return Rewrite(
                swapped.text,
                _merge(conv.explicit, replace(base, place=place)),
                reason=swapped.reason,
            )
        place = new.place or base.place if swapped.reason == "agency_swap" else new.place
        swapped_filters = replace(base, agency=new.agency or base.agency, place=place)
        return Rewrite(swapped.text, _merge(conv.explicit, swapped_filters), reason=swapped.reason)
    if info.identifies_letter or mentions_zh(question) or en_agencies()[0].search(question):
        return Rewrite(question, explicit)  # names its own subject
    content = _content(question, english)
    size = len(content.split()) if english else len(content)
    if info.intents and size <= (3 if english else 6) and (cited := _latest(conv)):
        text = _with_letter(question, _labels(cited, english), english)
        focus = tuple(c.letter_id for c in cited)
        return Rewrite(text, _carried(conv), focus, reason="field_followup")
    if english:
        elliptical = bool(_LEAD_EN.match(typed))
    else:
        elliptical = bool(re.match(r"那", typed) or re.search(r"呢$", _END.sub("", typed)))
    if elliptical and 0 < size <= (5 if english else 8):
        topic = _content(prev.rewritten, english)
        text = f"{topic}: {typed}" if english else f"{topic}，{_LEAD_ZH.sub('', typed)}"
        return Rewrite(text, _carried(conv), reason="topic_carry")
    return Rewrite(question, explicit)


def record(conv: Conversation, question: str, rewrite: Rewrite, answer: Answer) -> None:
    """Append the turn, keep its filters in force, and forget turns beyond `max_turns`."""
    conv.turns.append(Turn(question, rewrite.question, answer, rewrite.filters))
    conv.filters = rewrite.filters
    del conv.turns[: max(0, len(conv.turns) - max(1, conv.max_turns))]

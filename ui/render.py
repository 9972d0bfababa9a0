"""Words and HTML for the chat: the answer first, its sources folded under it, the letter view.

Everything typed or read from a letter is untrusted (letters are scraped from web pages),
so every piece of it goes through `html.escape` here and nowhere else builds markup from
it — the agent's own question included, which is shown as typed, never as HTML. The
output is one line of HTML per message: gradio's chatbot renders messages as markdown, and
an HTML block with no blank line inside passes through markdown untouched.

An answer message reads top down: the answer's first block (the direct answer), the rest
with "- " / "1. " rows as real lists and anything long folded under "展开全部", a note when
nothing was found under active filters, then one collapsed card per cited letter (title ·
sender · date; open it for the quotes in context and "查看全文"). The chat's own words
follow the page language (`UI`); an answer's words follow the question's (`LABELS`).

Buttons carry what a click needs in `value` (gradio's sanitizer drops `data-*`): a card's
"查看全文" (`rq-view`) carries `letter_id:start:end` for the letter view; a follow-up chip
(`rq-follow`) its question; "search without filters" (`rq-unfilter`) the question; a
filter chip's × (`rq-chip-x`) the filter's name. `ui.chat` wires the clicks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape

from rag.search.query import Filters
from rag.types import Answer, Citation, Letter

#: Characters of letter text shown on each side of a quote in a citation card.
CONTEXT_CHARS = 80
#: The id of the cited span in the letter view, which the page scrolls into view.
CITED_ID = "rq-cited"
#: An answer longer than this (characters of text) shows its first blocks and folds the
#: rest under "展开全部": an agent reads the direct answer, then opens the rest if needed.
FOLD_CHARS = 360
#: List rows always shown before a fold (a count line and a few rows tell the list's shape).
FOLD_MIN_ROWS = 3

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "sources": "引用来源",
        "letters": "封复函",
        "doc_number": "文号",
        "agency": "答复单位",
        "date": "日期",
        "view": "查看全文",
        "close": "关闭",
        "suggest": "可能相关的答复函：",
        "addressee": "答复对象",
        "number": "提案/建议编号",
        "session": "会议",
        "cohandlers": "会办单位",
        "signer": "签发人",
        "index_number": "索引号",
        "source": "来源文件",
        "missing": "未找到该答复函。",
        "untitled": "（无标题）",
        "more": "展开全部（还有 {n} 项）",
        "rewritten": "按上文理解为：",
        "filtered": "已启用筛选（{filters}），筛选范围内没有找到。",
        "unfilter": "不带筛选重新搜索",
        "place": "地区",
        "year": "年份",
        "kind": "类别",
        "category": "办理类别",
    },
    "en": {
        "sources": "Sources",
        "letters": "letters",
        "doc_number": "Doc. no.",
        "agency": "Agency",
        "date": "Date",
        "view": "View letter",
        "close": "Close",
        "suggest": "Letters that may be related:",
        "addressee": "Addressee",
        "number": "Proposal no.",
        "session": "Session",
        "cohandlers": "Co-handled by",
        "signer": "Signer",
        "index_number": "Index no.",
        "source": "Source file",
        "missing": "Letter not found.",
        "untitled": "(untitled)",
        "more": "Show all ({n} more)",
        "rewritten": "Understood as: ",
        "filtered": "Filters are on ({filters}); nothing was found within them.",
        "unfilter": "Search without filters",
        "place": "Place",
        "year": "Year",
        "kind": "Kind",
        "category": "Category",
    },
}

#: The page's own words (the letters' words are never translated).
UI: dict[str, dict[str, str]] = {
    "zh": {
        "title": "建议提案复函问答",
        "header": "## 建议提案复函问答\n回答均摘自答复函原文，[n] 对应下方的引用来源，可点击“查看全文”核对。",
        "chat": "对话",
        "placeholder": "请输入问题，例如：老旧小区加装电梯有什么补贴？",
        "send": "发送",
        "clear": "新对话",
        "filters": "筛选",
        "agency": "答复单位",
        "place": "地区",
        "year": "年份",
        "active": "筛选：",
        "clear_filters": "清除筛选",
        "remove": "移除",
        "follow": "接着问：",
        "voted_like": "已记录您的反馈：有用。谢谢！",
        "voted_dislike": "已记录您的反馈：没有帮助。谢谢！",
        "voted_retract": "已撤回您的反馈。",
        "vote_failed": "反馈未能保存：{error}",
        "vote_none": "这条消息不是回答，反馈未记录。",
    },
    "en": {
        "title": "Reply-letter Q&A",
        "header": "## Reply-letter Q&A\nAnswers quote the reply letters; [n] points to a source below — open it with “View letter”.",
        "chat": "Chat",
        "placeholder": "Ask a question, e.g. How much is the subsidy for adding elevators?",
        "send": "Send",
        "clear": "New chat",
        "filters": "Filters",
        "agency": "Agency",
        "place": "Place",
        "year": "Year",
        "active": "Filters:",
        "clear_filters": "Clear filters",
        "remove": "Remove",
        "follow": "Ask next:",
        "voted_like": "Feedback recorded: helpful. Thank you!",
        "voted_dislike": "Feedback recorded: not helpful. Thank you!",
        "voted_retract": "Your feedback was withdrawn.",
        "vote_failed": "Feedback could not be saved: {error}",
        "vote_none": "That message is not an answer; no feedback was recorded.",
    },
}
EXAMPLES = (
    "哪些部门支持人才政策？",
    "第0123号提案是谁答复的？",
    "老旧小区加装电梯有什么补贴？",
    "How much is the subsidy for adding elevators?",
)
#: Follow-ups offered under an answer, by (language, letters cited: one or several). Each
#: is a pattern `rag.answer.conversation` resolves against the answer just given (an
#: anaphor, an ordinal, "more"), so a click asks about these letters, not a new topic.
FOLLOW_UPS: dict[tuple[str, bool], tuple[str, ...]] = {
    ("zh", False): ("这份复函是谁签发的？", "这份复函的文号是什么？", "还有其他单位答复吗？"),
    ("zh", True): ("第一封复函是谁签发的？", "这些复函的文号是什么？", "还有别的吗？"),
    ("en", False): (
        "Who signed this letter?",
        "What is its document number?",
        "Any other agencies?",
    ),
    ("en", True): (
        "Who signed the first letter?",
        "What are their document numbers?",
        "Anything else?",
    ),
}
_MARKER = re.compile(r"\[(\d{1,3})\]")
# A list row as answers write them: "- …", "• …", "1. …", "1、…", "(1) …".
_BULLET = re.compile(r"^\s*[-•*·]\s+")
_NUMBERED = re.compile(r"^\s*(\d{1,3})(?:[.、．)]|\s*）)\s*")
_FILTER_FIELDS = ("agency", "place", "year", "kind", "category")


def _t(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


def ui_words(lang: str) -> dict[str, str]:
    """The page's words in `lang` (Chinese for anything else)."""
    return UI.get(lang, UI["zh"])


def _text(s: str) -> str:
    """Escaped text with its line breaks kept (a newline would end the markdown HTML block)."""
    return escape(s).replace("\r", "").replace("\n", "<br>")


def _inline(s: str) -> str:
    """Escaped text on one line: a card shows a passage, not the letter's layout."""
    return escape(re.sub(r"\s+", " ", s))


def _refs(escaped: str) -> str:
    """[n] markers as superscripts (clicking one opens its source card, see page.js)."""
    return _MARKER.sub(r'<sup class="rq-ref">[\1]</sup>', escaped)


def question_html(question: str) -> str:
    """The agent's question for its chat bubble: escaped, shown exactly as typed."""
    return f'<div class="rq-question">{_text(question)}</div>'


def notice(message: str) -> str:
    """A one-line notice under the input (an over-long question, a recorded vote)."""
    return f'<div class="rq-notice" role="status">{escape(message)}</div>' if message else ""


# -- the answer's text ----------------------------------------------------------------------------
def _row_kind(line: str) -> tuple[str, re.Match[str] | None]:
    """("ul" | "ol" | "p", the marker's match) of one line of answer text."""
    if m := _BULLET.match(line):
        return "ul", m
    if m := _NUMBERED.match(line):
        return "ol", m
    return "p", None


def _blocks(text: str) -> list[tuple[str, list[str], int]]:
    """Answer text as blocks: ("p", [line], 0), ("ul", rows, 0) or ("ol", rows, first number).

    A row runs until the next row of its list: a quote inside a row may carry the letter's
    own numbered items ("1.研究制定…" / "2. 2024年底…") or lines, and those stay in the row
    (a line of the other list's kind, or a plain line with a row of this list after it).
    """
    lines = [line for line in text.replace("\r", "").split("\n") if line.strip()]
    kinds = [_row_kind(line) for line in lines]
    blocks: list[tuple[str, list[str], int]] = []
    for n, (line, (kind, marker)) in enumerate(zip(lines, kinds, strict=True)):
        current = blocks[-1][0] if blocks else "p"
        if current != "p" and kind != current:
            more_rows = any(k == current for k, _ in kinds[n + 1 :])
            if kind != "p" or more_rows:
                blocks[-1][1][-1] += "\n" + line.strip()
                continue
        row = line[marker.end() :] if marker else line.strip()
        if kind != "p" and kind == current:
            blocks[-1][1].append(row)
        else:
            start = int(marker.group(1)) if kind == "ol" and marker else 0
            blocks.append((kind, [row], start))
    return blocks


def _block_html(kind: str, rows: Sequence[str], start: int, first: bool = False) -> str:
    if kind == "p":
        # The first block is the direct answer; a short one (one or two lines) stands out.
        cls = "rq-p" if not first else "rq-direct rq-short" if len(rows[0]) <= 120 else "rq-direct"
        return f'<p class="{cls}">{_refs(_text(rows[0]))}</p>'
    items = "".join(f"<li>{_refs(_text(r))}</li>" for r in rows)
    attr = f' start="{start}"' if kind == "ol" and start not in (0, 1) else ""
    return f"<{kind}{attr}>{items}</{kind}>"


def answer_body(text: str, lang: str = "zh", fold: bool = True) -> str:
    """The answer's text as HTML: the first block as the direct answer, list rows as lists,
    and past `FOLD_CHARS` the rest inside a closed `<details>` ("展开全部")."""
    shown: list[str] = []
    hidden: list[str] = []
    budget, hidden_items = FOLD_CHARS if fold else float("inf"), 0
    for i, (kind, rows, start) in enumerate(_blocks(text)):
        if hidden:  # once folding starts, everything after it is folded
            hidden.append(_block_html(kind, rows, start))
            hidden_items += len(rows)
        elif kind == "p" and i > 0 and budget <= 0:
            hidden.append(_block_html(kind, rows, start))
            hidden_items += 1
        elif kind == "p":  # the first block is always shown: it is the direct answer
            shown.append(_block_html(kind, rows, start, first=i == 0))
            budget -= len(rows[0])
        else:  # a list: rows while the budget lasts (at least FOLD_MIN_ROWS), then fold
            keep = 0
            while keep < len(rows) and (keep < FOLD_MIN_ROWS or budget >= len(rows[keep])):
                budget -= len(rows[keep])
                keep += 1
            shown.append(_block_html(kind, rows[:keep], start))
            if keep < len(rows):
                rest_start = (start or 1) + keep if kind == "ol" else 0
                hidden.append(_block_html(kind, rows[keep:], rest_start))
                hidden_items += len(rows) - keep
    html = "".join(shown)
    if hidden:
        summary = _t(lang)["more"].format(n=hidden_items)
        html += f'<details class="rq-more"><summary>{summary}</summary>{"".join(hidden)}</details>'
    return html


def answer_text(text: str, lang: str = "zh", final: bool = False) -> str:
    """An answer's text alone (while streaming, or an error line), escaped, [n] superscripted."""
    state = "rq-final" if final else "rq-partial"
    return f'<div class="rq-msg {state}"><div class="rq-answer">{answer_body(text, lang, fold=final)}</div></div>'


# -- sources ------------------------------------------------------------------------------------
def passage(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> str:
    """`text[start:end]` marked inside up to `context` characters of the text around it."""
    lo, hi = max(0, start - context), min(len(text), end + context)
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    return (
        ("…" if lo > 0 else "")
        + _inline(before)
        + f"<mark>{_inline(quote)}</mark>"
        + _inline(after)
        + ("…" if hi < len(text) else "")
    )


def cite_ref(letter_id: str, start: int, end: int) -> str:
    """The `value` a card's button carries to the letter view."""
    return f"{letter_id}:{start}:{end}"


def parse_cite(ref: str) -> tuple[str, int, int] | None:
    """Inverse of `cite_ref`; None for anything malformed (it comes from the browser)."""
    m = re.fullmatch(r"([\w.-]{1,128}):(\d{1,9}):(\d{1,9})", ref or "")
    return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def letter_name(title: str | None, agency: str | None, lang: str = "zh") -> str:
    """How the chat names a letter: its title, else its sender — never its file name."""
    if title:
        return title
    if agency:
        return f"{agency}的复函" if lang != "en" else f"Reply from {agency}"
    return _t(lang)["untitled"]


def _view_button(letter_id: str, start: int, end: int, lang: str) -> str:
    ref = escape(cite_ref(letter_id, start, end))
    return f'<button class="rq-view" type="button" value="{ref}">{_t(lang)["view"]}</button>'


def letter_card(citations: Sequence[Citation], letter: Letter | None, lang: str = "zh") -> str:
    """One collapsed card per cited letter: its keys, name, sender and date; opened, its 文号
    and each quote marked in its passage with a "查看全文" that opens the letter there."""
    t, first = _t(lang), citations[0]
    keys = "".join(f"[{c.key}]" for c in citations)
    meta = " · ".join(escape(v) for v in (first.agency, first.date) if v)
    quotes = []
    for c in citations:
        if letter is not None and letter.text[c.start : c.end] == c.quote:
            body = passage(letter.text, c.start, c.end)
        else:  # the index changed under the answer: still show the checked quote itself
            body = f"<mark>{_inline(c.quote)}</mark>"
        quotes.append(
            f'<blockquote class="rq-passage"><span class="rq-key">[{c.key}]</span> {body}</blockquote>'
            + _view_button(c.letter_id, c.start, c.end, lang)
        )
    doc = (
        f'<div class="rq-meta">{t["doc_number"]}：{escape(first.doc_number)}</div>'
        if first.doc_number
        else ""
    )
    classes = " ".join(f"rq-k-{c.key}" for c in citations)
    return (
        f'<details class="rq-card {classes}"><summary>'
        f'<span class="rq-key">{keys}</span> '
        f'<span class="rq-card-title">{escape(letter_name(first.title, first.agency, lang))}</span>'
        f'<span class="rq-meta">{meta}</span></summary>'
        f'<div class="rq-card-body">{doc}{"".join(quotes)}</div></details>'
    )


def citation_cards(answer: Answer, letters: Mapping[str, Letter], lang: str = "zh") -> str:
    """The sources under an answer: one collapsed card per letter, in citation order."""
    by_letter: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_letter.setdefault(c.letter_id, []).append(c)
    if not by_letter:
        return ""
    t = _t(lang)
    count = (
        f"（{len(by_letter)} {t['letters']}）"
        if lang != "en"
        else f" ({len(by_letter)} {t['letters']})"
    )
    cards = "".join(letter_card(cs, letters.get(lid), lang) for lid, cs in by_letter.items())
    return (
        f'<div class="rq-cards"><div class="rq-cards-head">{t["sources"]}{count}</div>{cards}</div>'
    )


def suggestions(answer: Answer, lang: str = "zh") -> str:
    """The nearest letters offered with an abstention, each openable in the letter view."""
    if not answer.suggestions:
        return ""
    t = _t(lang)
    items = []
    for s in answer.suggestions:
        title, agency = s.get("title"), s.get("agency")
        label = escape(
            letter_name(str(title) if title else None, str(agency) if agency else None, lang)
        )
        sender = f" · {escape(str(agency))}" if title and agency else ""
        items.append(
            f'<li><span class="rq-card-title">{label}</span><span class="rq-meta">{sender}</span> '
            f"{_view_button(str(s.get('letter_id', '')), 0, 0, lang)}</li>"
        )
    return f'<div class="rq-suggest"><div>{t["suggest"]}</div><ul>{"".join(items)}</ul></div>'


# -- filters, follow-ups ------------------------------------------------------------------------
def filter_items(filters: Filters | None, lang: str = "zh") -> list[tuple[str, str, str]]:
    """(field, label, value) of each active filter, in a fixed order."""
    if filters is None:
        return []
    t = _t(lang)
    return [
        (name, t[name], str(getattr(filters, name)))
        for name in _FILTER_FIELDS
        if getattr(filters, name) is not None
    ]


def filter_note(question: str, filters: Filters | None, lang: str = "zh") -> str:
    """Under a not-found answer: which filters were on, and a button to ask without them."""
    items = filter_items(filters, lang)
    if not items:
        return ""
    sep, colon = ("; ", ": ") if lang == "en" else ("；", "：")
    listed = sep.join(f"{label}{colon}{escape(value)}" for _, label, value in items)
    t = _t(lang)
    return (
        f'<div class="rq-filter-note">{t["filtered"].format(filters=listed)} '
        f'<button class="rq-unfilter" type="button" value="{escape(question)}">{t["unfilter"]}</button></div>'
    )


def follow_ups(answer: Answer, lang: str = "zh", typed: str = "") -> tuple[str, ...]:
    """Follow-up questions to offer as chips (none unless the answer cites letters), less
    the one just asked."""
    if not answer.answered or not answer.citations:
        return ()
    several = len({c.letter_id for c in answer.citations}) > 1
    asked = {answer.question.strip(), typed.strip()}
    return tuple(q for q in FOLLOW_UPS[("en" if lang == "en" else "zh", several)] if q not in asked)


def chip_bar(
    filters: Filters | None, questions: Sequence[str], lang: str = "zh", asked_lang: str = ""
) -> str:
    """Above the input: the active filters as removable chips (in the page language), then
    follow-up chips (labelled in the language of the question they follow, `asked_lang`)."""
    w, rows = ui_words(lang), []
    items = filter_items(filters, lang)
    if items:
        colon = ": " if lang == "en" else "："
        chips = "".join(
            f'<span class="rq-chip rq-filter-chip">{label}{colon}{escape(value)}'
            f'<button class="rq-chip-x" type="button" value="{name}" aria-label="{w["remove"]} {label}"'
            f' title="{w["remove"]}">×</button></span>'
            for name, label, value in items
        )
        clear = f'<button class="rq-chip rq-clear-filters" type="button" value="all">{w["clear_filters"]}</button>'
        rows.append(
            f'<div class="rq-bar-row"><span class="rq-bar-label">{w["active"]}</span>{chips}{clear}</div>'
        )
    if questions:
        follow = ui_words(asked_lang or lang)["follow"]
        chips = "".join(
            f'<button class="rq-chip rq-follow" type="button" value="{escape(q)}">{escape(q)}</button>'
            for q in questions
        )
        rows.append(
            f'<div class="rq-bar-row"><span class="rq-bar-label">{follow}</span>{chips}</div>'
        )
    return f'<div class="rq-bar">{"".join(rows)}</div>' if rows else ""


def answer_message(
    answer: Answer,
    letters: Mapping[str, Letter],
    lang: str = "zh",
    filters: Filters | None = None,
    typed: str | None = None,
) -> str:
    """The final chat message: how a follow-up was understood (if rewritten), the answer
    (folded when long), a note when nothing was found under filters, then its sources.

    Args:
        answer: The answer; `answer.question` is the question as run (after rewriting).
        letters: The index's letters, for the quotes' surrounding passages.
        lang: The question's language: every word this function adds is in it.
        filters: The filters the question ran under (for the not-found note).
        typed: The question as the agent typed it.
    """
    t = _t(lang)
    parts = []
    if typed is not None and answer.question.strip() and answer.question.strip() != typed.strip():
        parts.append(
            f'<div class="rq-rewrite">{t["rewritten"]}{escape(answer.question.strip())}</div>'
        )
    parts.append(f'<div class="rq-answer">{answer_body(answer.text, lang)}</div>')
    if not answer.answered:
        parts.append(filter_note(typed or answer.question, filters, lang))
        parts.append(suggestions(answer, lang))
    parts.append(citation_cards(answer, letters, lang))
    return f'<div class="rq-msg rq-final">{"".join(parts)}</div>'


# -- the letter view ----------------------------------------------------------------------------
#: What the letter view shows before a letter is opened.
LETTER_HINT = (
    '<div class="rq-letter-hint">点击引用卡片中的“查看全文”，在此核对答复函原文。<br>'
    "Click “View letter” on a source card to read the letter here.</div>"
)


def letter_view(letter: Letter | None, start: int = 0, end: int = 0, lang: str = "zh") -> str:
    """The whole letter with its fields, the cited span marked with id `CITED_ID`."""
    t = _t(lang)
    close = f'<button class="rq-close" type="button">{t["close"]}</button>'
    if letter is None:
        return f'<div class="rq-letter">{close}<p>{t["missing"]}</p></div>'
    f = letter.fields
    number = " ".join(x for x in (f.session, f.kind, f.number and f"第{f.number}号") if x)
    rows = (
        ("doc_number", f.doc_number),
        ("agency", f.agency),
        ("date", f.date),
        ("addressee", f.addressee),
        ("number", number),
        ("cohandlers", "、".join(f.cohandlers)),
        ("signer", f.signer),
        ("index_number", f.index_number),
        ("source", letter.source),
    )
    table = "".join(f"<tr><th>{t[k]}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
    text = letter.text
    if 0 <= start < end <= len(text):
        body = (
            _text(text[:start])
            + f'<mark id="{CITED_ID}">{_text(text[start:end])}</mark>'
            + _text(text[end:])
        )
    else:  # opened from a suggestion: nothing is cited
        body = _text(text)
    return (
        f'<div class="rq-letter" data-letter="{escape(letter.id)}">{close}'
        f"<h3>{escape(letter_name(f.title, f.agency, lang))}</h3>"
        f'<table class="rq-fields">{table}</table>'
        f'<div class="rq-letter-text">{body}</div></div>'
    )

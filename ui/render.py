"""Words and HTML for the chat: answers with [n] markers, citation cards, the letter view.

Letter text is untrusted input (it is scraped from web pages), so every piece of it goes
through `html.escape` here and nowhere else builds markup from it. The output is one line
of HTML per block: gradio's chatbot renders messages as markdown, and an HTML block with
no blank line inside passes through markdown untouched. Clicking an element with class
`rq-view` opens the letter view (see `ui.chat`); its `value` is `letter_id:start:end`
(gradio's chatbot sanitizer drops `data-*` attributes but keeps `value`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from rag.types import Answer, Citation, Letter

#: Characters of letter text shown on each side of a quote in a citation card.
CONTEXT_CHARS = 80
#: The id of the cited span in the letter view, which the page scrolls into view.
CITED_ID = "rq-cited"

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "sources": "引用来源",
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
    },
    "en": {
        "sources": "Sources",
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
    },
}

#: The page's own words (the letters' words are never translated).
UI: dict[str, dict[str, str]] = {
    "zh": {
        "header": "## 建议提案复函问答\n回答均摘自答复函原文，[n] 对应下方的引用来源，可点击“查看全文”核对。",
        "chat": "对话",
        "placeholder": "请输入问题，例如：老旧小区加装电梯有什么补贴？",
        "send": "发送",
        "clear": "新对话",
        "filters": "筛选",
        "agency": "答复单位",
        "place": "地区",
        "year": "年份",
    },
    "en": {
        "header": "## Reply-letter Q&A\nAnswers quote the reply letters; [n] points to a source below — open it with “View letter”.",
        "chat": "Chat",
        "placeholder": "Ask a question, e.g. How much is the subsidy for adding elevators?",
        "send": "Send",
        "clear": "New chat",
        "filters": "Filters",
        "agency": "Agency",
        "place": "Place",
        "year": "Year",
    },
}
EXAMPLES = (
    "哪些部门支持人才政策？",
    "第0123号提案是谁答复的？",
    "老旧小区加装电梯有什么补贴？",
    "How much is the subsidy for adding elevators?",
)
_MARKER = re.compile(r"\[(\d{1,3})\]")


def _t(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["zh"])


def _text(s: str) -> str:
    """Escaped text with its line breaks kept (a newline would end the markdown HTML block)."""
    return escape(s).replace("\r", "").replace("\n", "<br>")


def _inline(s: str) -> str:
    """Escaped text on one line: a card shows a passage, not the letter's layout."""
    return escape(re.sub(r"\s+", " ", s))


def answer_text(text: str) -> str:
    """The answer (possibly partial while streaming), escaped, with [n] as superscripts."""
    body = _MARKER.sub(r'<sup class="rq-ref">[\1]</sup>', _text(text))
    return f'<div class="rq-answer">{body}</div>'


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


def citation_card(c: Citation, letter: Letter | None, lang: str = "zh") -> str:
    """One card: title, number, agency, date, and the quote marked in its passage."""
    t = _t(lang)
    meta = " · ".join(
        f"{t[k]}：{escape(v)}"
        for k, v in (("doc_number", c.doc_number), ("agency", c.agency), ("date", c.date))
        if v
    )
    if letter is not None and letter.text[c.start : c.end] == c.quote:
        body = passage(letter.text, c.start, c.end)
    else:  # the index changed under the answer: still show the checked quote itself
        body = f"<mark>{_inline(c.quote)}</mark>"
    return (
        f'<div class="rq-card" data-key="{c.key}">'
        f'<div class="rq-card-title"><span class="rq-key">[{c.key}]</span> '
        f"{escape(c.title or c.source or t['untitled'])}</div>"
        f'<div class="rq-meta">{meta}</div>'
        f'<blockquote class="rq-passage">{body}</blockquote>'
        f'<button class="rq-view" type="button" value="{escape(cite_ref(c.letter_id, c.start, c.end))}">'
        f"{t['view']}</button></div>"
    )


def suggestions(answer: Answer, lang: str = "zh") -> str:
    """The nearest letters offered with an abstention, each openable in the letter view."""
    if not answer.suggestions:
        return ""
    t = _t(lang)
    items = []
    for s in answer.suggestions:
        label = escape(str(s.get("title") or s.get("source") or t["untitled"]))
        agency = f"（{escape(str(s['agency']))}）" if s.get("agency") else ""
        ref = escape(cite_ref(str(s.get("letter_id", "")), 0, 0))
        items.append(
            f'<li>{label}{agency} <button class="rq-view" type="button" value="{ref}">'
            f"{t['view']}</button></li>"
        )
    return f'<div class="rq-suggest"><div>{t["suggest"]}</div><ul>{"".join(items)}</ul></div>'


def answer_message(answer: Answer, letters: Mapping[str, Letter], lang: str = "zh") -> str:
    """The final chat message: the answer, then its citation cards or suggestions."""
    parts = [answer_text(answer.text)]
    if answer.citations:
        cards = "".join(citation_card(c, letters.get(c.letter_id), lang) for c in answer.citations)
        parts.append(
            f'<div class="rq-cards"><div class="rq-cards-head">{_t(lang)["sources"]}</div>{cards}</div>'
        )
    parts.append(suggestions(answer, lang))
    return "".join(parts)


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
        f"<h3>{escape(f.title or letter.source)}</h3>"
        f'<table class="rq-fields">{table}</table>'
        f'<div class="rq-letter-text">{body}</div></div>'
    )

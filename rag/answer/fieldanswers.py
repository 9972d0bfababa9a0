"""Field answers: 文号, 索引号, 审签人, 日期, 答复单位, 会同单位, 答复对象, 类别, 编号, 联系人.

A field question is answered from the letter record, and each value is cited at the
line where the letter writes it (the parser kept that span). A field the letter does
not state is said to be unstated — never guessed. Labels come in Chinese and English.
"""

from __future__ import annotations

from rag.letters.values import field_value
from rag.types import Letter

# (Chinese label, English label) per field.
LABELS: dict[str, tuple[str, str]] = {
    "agency": ("答复单位", "Replying agency"),
    "doc_number": ("发文字号", "Document number"),
    "index_number": ("索引号", "Index number"),
    "signer": ("审签人", "Signed off by"),
    "date": ("日期", "Date"),
    "addressee": ("答复对象", "Addressed to"),
    "cohandlers": ("会同办理单位", "Co-handling agencies"),
    "category": ("办理类别", "Category"),
    "number": ("提案/建议编号", "Proposal/suggestion number"),
    "contact": ("联系人/联系电话", "Contact"),
    "cc": ("抄送单位", "Copied to"),
    "subject": ("所答复的建议/提案", "Suggestion/proposal answered"),
    "session": ("提出的会议", "Session"),
    "title": ("标题", "Title"),
}


# What an English sentence says a letter leaves out, field by field.
_UNSTATED_EN = {
    "agency": "which agency replied",
    "signer": "who signed it off",
    "date": "its date",
    "addressee": "whom it is addressed to",
    "cohandlers": "any co-handling agency",
    "cc": "whom it was copied to",
    "contact": "a contact person or telephone number",
    "number": "the proposal or suggestion number",
    "subject": "which suggestion or proposal it answers",
    "session": "at which session it was raised",
}


def unstated(name: str, english: bool) -> str:
    """The sentence saying a letter does not state a field."""
    zh, en = LABELS[name]
    if english:
        return f"The letter does not state {_UNSTATED_EN.get(name, 'the ' + en.lower())}."
    return f"该复函未写明{zh}。"


def letter_name(letter: Letter, english: bool) -> str:
    """How an answer names a letter: its title (or, untitled, the suggestion it answers),
    sender and document number."""
    f = letter.fields
    subject = None if f.title else field_value(letter, "subject").value
    title = " ".join((f.title or (subject or "").strip("《》") or letter.source).split())
    bits = [b for b in (f.agency, f.doc_number) if b]
    if english:
        return f"“{title}”" + (f" ({', '.join(bits)})" if bits else "")
    return f"《{title}》" + (f"（{'，'.join(bits)}）" if bits else "")

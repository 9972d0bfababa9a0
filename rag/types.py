"""Core records: a reply letter, its parsed fields, its chunks and search hits.

Plain frozen dataclasses shared by every layer. A `Letter` owns the exact text that
all offsets index into; a `Chunk` is a `[start, end)` span of that text, never a copy
that could drift from it. Serialisation to and from JSON lives here too, so the index
and the CLI agree on one shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: The fields a reply letter carries, in the order the CLI prints them.
FIELD_NAMES: tuple[str, ...] = (
    "title",
    "doc_number",
    "index_number",
    "agency",
    "date",
    "addressee",
    "kind",
    "number",
    "session",
    "cohandlers",
    "signer",
    "category",
)


@dataclass(frozen=True)
class LetterFields:
    """The structured fields of one letter, parsed deterministically from its text.

    Every string (except the ISO `date`) is written in the letter exactly as given;
    a field the letter does not state is None (or an empty tuple for `cohandlers`).
    `spans` maps a field name to the `(start, end)` of the text it was read from.
    """

    title: str | None = None
    doc_number: str | None = None
    index_number: str | None = None
    agency: str | None = None
    date: str | None = None
    addressee: str | None = None
    kind: str | None = None
    number: str | None = None
    session: str | None = None
    cohandlers: tuple[str, ...] = ()
    signer: str | None = None
    category: str | None = None
    # Other spellings the letter uses for its own sender (发布机构 short form, old name).
    agency_aliases: tuple[str, ...] = ()
    # The sender's canonical name for matching (see rag.letters.agencies); None if unknown.
    agency_canonical: str | None = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The public fields as JSON-ready values (lists, not tuples)."""
        out: dict[str, Any] = {}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Letter:
    """One reply letter: its text, where it came from, and its fields."""

    id: str
    source: str  # path relative to the folder given to `build`
    text: str
    fields: LetterFields
    format: str = "txt"  # txt | html | pdf | docx
    sha256: str = ""  # of the source file's bytes
    # (start, end) spans of site chrome (navigation, "扫一扫…") kept in `text`, not indexed.
    boilerplate: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Serialise for the index store (text and spans included)."""
        return {
            "letter_id": self.id,
            "source": self.source,
            "format": self.format,
            "sha256": self.sha256,
            **self.fields.as_dict(),
            "agency_aliases": list(self.fields.agency_aliases),
            "agency_canonical": self.fields.agency_canonical,
            "spans": {k: list(v) for k, v in self.fields.spans.items()},
            "boilerplate": [list(s) for s in self.boilerplate],
            "text": self.text,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Letter:
        """Inverse of `to_json`."""
        kw = {f.name: d.get(f.name) for f in fields(LetterFields) if f.name in FIELD_NAMES}
        kw["cohandlers"] = tuple(d.get("cohandlers") or ())
        letter_fields = LetterFields(
            **kw,
            agency_aliases=tuple(d.get("agency_aliases") or ()),
            agency_canonical=d.get("agency_canonical"),
            spans={k: (int(v[0]), int(v[1])) for k, v in (d.get("spans") or {}).items()},
        )
        return cls(
            id=d["letter_id"],
            source=d["source"],
            text=d["text"],
            fields=letter_fields,
            format=d.get("format", "txt"),
            sha256=d.get("sha256", ""),
            boilerplate=tuple((int(a), int(b)) for a, b in d.get("boilerplate") or ()),
        )

    def record(self) -> dict[str, Any]:
        """The public record printed by `replyqa letters --json` (no text)."""
        return {"letter_id": self.id, "source": self.source, **self.fields.as_dict()}


@dataclass(frozen=True)
class Chunk:
    """A span of a letter: `letter.text[start:end] == text` always holds."""

    id: str
    letter_id: str
    text: str
    start: int
    end: int
    section: str = ""  # heading path, e.g. "二、提案办理情况 > （三）关于完善人力资源保障"
    ordinal: int = 0  # position within the letter

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Chunk:
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score and 1-based rank."""

    chunk: Chunk
    letter: Letter
    score: float
    rank: int

    def to_json(self) -> dict[str, Any]:
        """The hit shape of `replyqa search --json`."""
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "letter_id": self.letter.id,
            "source": self.letter.source,
            "chunk_id": self.chunk.id,
            "start": self.chunk.start,
            "end": self.chunk.end,
            "section": self.chunk.section,
            "text": self.chunk.text,
        }


@dataclass(frozen=True)
class Citation:
    """An exact quote from a letter: `letter.text[start:end] == quote`, checked before use."""

    key: int  # the [n] marker in the answer text
    letter_id: str
    source: str
    start: int
    end: int
    quote: str
    title: str | None = None
    doc_number: str | None = None
    agency: str | None = None
    date: str | None = None

    @classmethod
    def of(cls, key: int, letter: Letter, start: int, end: int) -> Citation:
        """Cite `letter.text[start:end]` with the letter's identifying fields."""
        f = letter.fields
        return cls(
            key,
            letter.id,
            letter.source,
            start,
            end,
            letter.text[start:end],
            f.title,
            f.doc_number,
            f.agency,
            f.date,
        )

    def to_json(self) -> dict[str, Any]:
        """The citation shape of `replyqa ask --json` and the HTTP API."""
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An answer whose every claim carries a [n] citation, or an abstention."""

    question: str
    text: str
    citations: tuple[Citation, ...] = ()
    answered: bool = True
    # When abstaining: letters the reader may want to look at (letter_id, source, title).
    suggestions: tuple[dict[str, Any], ...] = ()
    route: str = "lookup"  # field | enumeration | lookup | abstain | llm

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
            "suggestions": list(self.suggestions),
            "route": self.route,
        }


def search_result(id: str, question: str, hits: Sequence[Hit]) -> dict[str, Any]:
    """One question's hits as `replyqa search --json` prints them (also GET /api/v1/search)."""
    return {"id": id, "question": question, "hits": [h.to_json() for h in hits]}

"""Loaders: turn one letter file (.txt, .html, .pdf, .docx) into the text every offset indexes.

`load_document` checks the path, reads the bytes once, picks a loader by suffix and returns a
`Document`. Every failure a user can act on (missing file, unsupported format, binary or
undecodable bytes, corrupt PDF, scanned PDF without OCR) is a `LoaderError` whose `reason` is a
short phrase for build summaries. A .txt letter's text is its decoded bytes with only three
changes (line endings unified, a leading BOM and NUL bytes dropped), so offsets computed on the
text match the file a user opens. OCR lives in `rag.letters.ocr`; pypdfium2, python-docx, trafilatura and
rapidocr are imported only when a file needs them.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import LoaderError
from rag.letters.decoding import decode_bytes, decode_html, normalize_text

log = logging.getLogger(__name__)


#: The file suffixes `load_document` accepts (compared in lower case).
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".html", ".htm", ".pdf", ".docx"})
#: Files larger than this are refused; a reply letter is rarely over a few megabytes.
MAX_BYTES: int = 50 * 1024 * 1024

# Suffixes that are letters in a format we cannot read, with the fix to suggest.
_CONVERT_HINTS = dict.fromkeys((".doc", ".wps", ".rtf"), "convert to .docx")
# A pdf page with fewer visible characters than this is treated as scanned.
_MIN_PAGE_CHARS = 10
# CJK radicals and compatibility ideographs that PDF fonts map glyphs to; NFKC folds each to
# the unified ideograph a reader sees. Only these ranges: NFKC on the whole text would also
# turn full-width punctuation (，：（）) into ASCII.
_CJK_FOLD_RANGES = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF))
_CJK_FOLD = {
    cp: folded
    for start, end in _CJK_FOLD_RANGES
    for cp in range(start, end + 1)
    if len(folded := unicodedata.normalize("NFKC", chr(cp))) == 1 and folded != chr(cp)
}


@dataclass(frozen=True)
class Document:
    """The text of one file and how it was obtained.

    Attributes:
        text: The text every offset indexes into.
        format: "txt", "html", "pdf" or "docx".
        sha256: Hex digest of the raw file bytes.
        encoding: The encoding the bytes were decoded with (txt and html only).
        ocr_pages: 0-based pdf pages whose text came from OCR.
    """

    text: str
    format: str
    sha256: str
    encoding: str | None = None
    ocr_pages: tuple[int, ...] = ()


def load_document(path: Path, *, ocr: bool = True, max_bytes: int = MAX_BYTES) -> Document:
    """Read one letter file and return its text.

    Args:
        path: The file; symlinks are followed.
        ocr: Whether to OCR pdf pages that have no text layer.
        max_bytes: Files larger than this are refused.

    Returns:
        The document's text and provenance.

    Raises:
        LoaderError: The file is missing, unreadable, unsupported, empty or cannot be decoded;
            `reason` says which, `path` names the file.

    Example:
        >>> load_document(Path("letters/0310.txt")).text[:6]  # doctest: +SKIP
        '关于市政协五'
    """
    path = Path(path)
    try:
        data = _read_bytes(path, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        suffix = path.suffix.lower()
        if suffix == ".txt":
            text, encoding = decode_bytes(data)
            _require_text(text, "empty file")
            return Document(text, "txt", digest, encoding=encoding)
        if suffix in (".html", ".htm"):
            if not data.strip():
                raise LoaderError("empty file")
            markup, encoding = decode_html(data)
            from rag.letters.html_text import html_to_text

            text = html_to_text(markup)
            _require_text(text, "no text extracted")
            return Document(text, "html", digest, encoding=encoding)
        if suffix == ".pdf":
            text, ocr_pages = _pdf_text(data, ocr=ocr)
            return Document(text, "pdf", digest, ocr_pages=ocr_pages)
        text = _docx_text(data)
        return Document(text, "docx", digest)
    except LoaderError as exc:
        if exc.path:
            raise
        raise LoaderError(exc.reason, str(path)) from exc.__cause__


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """Check that `path` is a readable regular file of a supported kind and read it."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP) and path.is_symlink():
            raise LoaderError("broken symlink") from exc
        raise _os_error(exc) from exc
    if not stat.S_ISREG(info.st_mode):
        raise LoaderError("not a regular file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = _CONVERT_HINTS.get(suffix)
        raise LoaderError(
            f"unsupported format {suffix or '(no suffix)'}" + (f" ({hint})" if hint else "")
        )
    if info.st_size > max_bytes:
        raise LoaderError(f"file too large ({_size(info.st_size)} > {_size(max_bytes)})")
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit: the file may have grown since stat().
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _os_error(exc) from exc
    if len(data) > max_bytes:
        raise LoaderError(f"file too large (> {_size(max_bytes)})")
    return data


def _os_error(exc: OSError) -> LoaderError:
    if isinstance(exc, FileNotFoundError):
        return LoaderError("file not found")
    if isinstance(exc, PermissionError):
        return LoaderError("unreadable: permission denied")
    if isinstance(exc, IsADirectoryError):
        return LoaderError("not a regular file")
    return LoaderError(f"unreadable: {(exc.strerror or str(exc)).lower()}")


def _size(n_bytes: int) -> str:
    """Megabytes as people read them (1 MB = 2**20 bytes); bytes below 0.1 MB."""
    if n_bytes < 2**20 // 10:
        return f"{n_bytes} bytes"
    return f"{n_bytes / 2**20:.1f}".removesuffix(".0") + " MB"


def _require_text(text: str, reason: str) -> None:
    if not text.strip():
        raise LoaderError(reason)


def _pdf_text(data: bytes, *, ocr: bool) -> tuple[str, tuple[int, ...]]:
    """Extract each page's text layer with pdfium, OCR'ing pages that have none."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise LoaderError("pdf: pypdfium2 not installed (pip install pypdfium2)") from exc
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise LoaderError("pdf: encrypted (password required)") from exc
        raise LoaderError(f"pdf: cannot open ({_pdfium_reason(exc)})") from exc
    try:
        if len(pdf) == 0:
            raise LoaderError("pdf: no pages")
        return _pdf_pages(pdf, ocr=ocr)
    finally:
        pdf.close()


def _pdf_pages(pdf: Any, *, ocr: bool) -> tuple[str, tuple[int, ...]]:
    import pypdfium2 as pdfium

    from rag.letters import ocr as ocr_module

    texts: list[str] = []
    ocr_pages: list[int] = []
    scanned: list[int] = []
    ocr_missing: LoaderError | None = None
    damaged: list[int] = []
    for index in range(len(pdf)):
        try:
            page = pdf[index]
            text = _normalize_pdf_text(page.get_textpage().get_text_bounded())
        except pdfium.PdfiumError:
            damaged.append(index)  # one broken page must not lose the others
            continue
        if len("".join(text.split())) < _MIN_PAGE_CHARS:
            scanned.append(index)
            if ocr and ocr_missing is None:
                try:
                    recognised = _normalize_pdf_text(ocr_module.ocr_page(page))
                except LoaderError as exc:  # rapidocr missing: keep the text layers we have
                    ocr_missing = exc
                else:
                    if recognised.strip():
                        text = recognised
                        ocr_pages.append(index)
        if text.strip():
            texts.append(text)
    if not texts:
        if damaged and len(damaged) == len(pdf):
            raise LoaderError(f"pdf: damaged (page {damaged[0] + 1} cannot be loaded)")
        if ocr_missing is not None:
            raise ocr_missing
        if scanned and not ocr:
            raise LoaderError("scanned pdf: no text layer and OCR is off")
        raise LoaderError("scanned pdf: OCR found no text" if scanned else "no text extracted")
    if ocr_missing is not None:
        log.warning("pdf pages %s have no text layer and were skipped: %s", scanned, ocr_missing)
    return "\n\n".join(texts), tuple(ocr_pages)


def _pdfium_reason(exc: Exception) -> str:
    """pdfium's own words for a load failure, e.g. 'Data format error'."""
    match = re.search(r"PDFium: ([^)]+)", str(exc))
    return (match.group(1) if match else str(exc)).strip().rstrip(".").lower()


def _normalize_pdf_text(text: str) -> str:
    """Clean pdfium output: LF line ends, no form feeds, radicals folded, no trailing spaces."""
    text = normalize_text(text).replace("\f", "").translate(_CJK_FOLD)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _docx_text(data: bytes) -> str:
    """Body paragraphs and tables in document order; a table row per line, cells joined by ' | '."""
    try:
        import docx
        from docx.opc.exceptions import OpcError
        from lxml.etree import XMLSyntaxError
    except ImportError as exc:
        raise LoaderError("docx: python-docx not installed (pip install python-docx)") from exc
    import zlib
    from zipfile import BadZipFile

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoaderError("docx: cannot open (legacy .doc file; convert to .docx)")
    try:
        document = docx.Document(io.BytesIO(data))
    except BadZipFile as exc:
        what = "not a zip file" if "not a zip file" in str(exc) else f"damaged zip: {exc}"
        raise LoaderError(f"docx: cannot open ({what})") from exc
    except (
        OpcError,
        KeyError,
        ValueError,
        XMLSyntaxError,
        OSError,
        zlib.error,
        NotImplementedError,
        EOFError,
    ) as exc:
        raise LoaderError(f"docx: cannot open ({type(exc).__name__}: {exc})") from exc

    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            lines.extend(_docx_table_rows(block))
        else:
            lines.append(block.text)
    text = normalize_text("\n".join(line.rstrip() for line in lines))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    _require_text(text, "no text extracted")
    return text


def _docx_table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[Any] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; keep it once.
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        rows.append(" | ".join(cells))
    return rows

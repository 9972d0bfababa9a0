"""Loaders: turn one letter file (.txt, .html, .pdf, .docx) into the text every offset indexes.

`load_document` checks the path, reads the bytes once, picks a loader by suffix and returns a
`Document`. Every failure a user can act on (missing file, unsupported format, binary or
undecodable bytes, corrupt PDF, scanned PDF without OCR) is a `LoaderError` whose `reason` is a
short phrase for build summaries. A .txt letter's text is its decoded bytes with only three
changes (line endings unified, a leading BOM and NUL bytes dropped), so offsets computed on the
text match the file a user opens. OCR lives in `rag.ocr`; pypdfium2, python-docx, trafilatura and
rapidocr are imported only when a file needs them.
"""

from __future__ import annotations

import codecs
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

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: The file suffixes `load_document` accepts (compared in lower case).
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".html", ".htm", ".pdf", ".docx"})
#: Files larger than this are refused; a reply letter is rarely over a few megabytes.
MAX_BYTES: int = 50 * 1024 * 1024

# Suffixes that are letters in a format we cannot read, with the fix to suggest.
_CONVERT_HINTS = dict.fromkeys((".doc", ".wps", ".rtf"), "convert to .docx")
# Signatures of common binary files that sometimes arrive renamed as .txt.
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF file"),
    (b"PK\x03\x04", "zip archive"),
    (b"\xd0\xcf\x11\xe0", "legacy Office file"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!", "rar archive"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"\x7fELF", "executable"),
)
# C0 control bytes that never occur in UTF-8 or GB18030 text, nor inside their multibyte
# sequences; tab, newlines, form feed, SUB (an old DOS end-of-file mark) and ESC are allowed.
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\v\f\r\x1a\x1b")
# Random bytes hold about 10% control bytes; text holds almost none.
_MAX_CONTROL_RATIO = 0.05
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
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
# <meta charset=...>, <meta http-equiv content="...; charset=..."> or an XML declaration.
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Encodings whose byte patterns charset-normalizer can tell apart reliably.
_DETECTABLE = _words(
    "big5 big5hkscs cp950 gb18030 gbk gb2312 hz euc_jp shift_jis cp932 iso2022_jp euc_kr "
    "cp949 utf_16 utf_16_be utf_16_le utf_32 utf_32_be utf_32_le"
)
# Pages that say gb2312 or gbk routinely use characters only GBK or GB18030 has.
# Lead bytes of GB2312's rows of symbols and hanzi (0xAA-0xAF and 0xF8-0xFE are user-defined).
_GB2312_LEADS = frozenset(range(0xA1, 0xAA)) | frozenset(range(0xB0, 0xF8))
_GB_NAMES = frozenset({"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "csgb2312"})
# Characters lxml refuses in a str (XML 1.0 forbids them); they carry no letter text.


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
            markup, encoding = _decode_html(data)
            from rag.html_text import html_to_text

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


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode text bytes and normalise line endings, a leading BOM and NUL bytes.

    UTF-8/16/32 with a byte-order mark are taken at their word; otherwise UTF-8, then GB18030
    (a superset of GBK and GB2312) when the result reads as Chinese, then charset-normalizer's
    best guess. Nothing is decoded with replacement characters.

    Args:
        data: The raw bytes of a text file.

    Returns:
        The text and the name of the encoding used.

    Raises:
        LoaderError: The bytes are binary or fit no encoding.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            codec = "utf-8" if name == "utf-8-sig" else name  # drop exactly one BOM
            try:
                return normalize_text(data[len(bom) :].decode(codec)), name
            except UnicodeDecodeError as exc:
                raise LoaderError(f"undecodable text (invalid {name} after its BOM)") from exc
    _reject_binary(data)
    try:
        return normalize_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _reads_as_chinese(text):
        return normalize_text(text), "gb18030"
    guess = _detect_encoding(data)
    if guess is not None:
        return normalize_text(data.decode(guess)), guess
    raise LoaderError("undecodable text (tried utf-8, gb18030)")


def normalize_text(text: str) -> str:
    """Unify line endings to LF and drop a leading BOM and NUL characters; nothing else."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\0", "")


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


def _reject_binary(data: bytes) -> None:
    """Raise if the bytes are plainly not text: a known binary signature or many control bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise LoaderError(f"not text: binary content ({kind})")
    # Trailing NUL padding (left by some export tools) is dropped later, so it does not count.
    body = data.rstrip(b"\0")
    controls = len(body) - len(body.translate(None, _CONTROL_BYTES))
    if body and controls / len(body) > _MAX_CONTROL_RATIO:
        raise LoaderError("not text: binary content")


def _reads_as_chinese(text: str) -> bool:
    """Whether GB18030-decoded text looks like real Chinese rather than mojibake.

    Real GBK letters use the GB2312 core (two bytes, each 0xA1-0xFE) for nearly every character;
    Latin-1 or Big5 bytes decoded as GBK land mostly in the GBK extension and user-defined areas.
    """
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return True
    core = 0
    for ch in wide:
        encoded = ch.encode("gb18030")
        lead = encoded[0]
        core += len(encoded) == 2 and encoded[1] >= 0xA1 and lead in _GB2312_LEADS
    return core >= 0.9 * len(wide)


def _detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, when it is a multibyte CJK or UTF-16/32 encoding.

    Single-byte guesses are refused: for short Latin text charset-normalizer picks among a
    dozen code pages almost at random (cp1257 for French), and a wrong one is mojibake.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding not in _DETECTABLE:
        return None
    try:
        data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return best.encoding


def _decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page: BOM, then valid UTF-8, then the declared charset, then detection."""
    declared = None
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        match = _DECLARED_CHARSET.search(data[:4096])
        if match:
            declared = (match.group(1) or match.group(2)).decode("ascii").lower()
            declared = "gb18030" if declared in _GB_NAMES else declared
    if declared and not declared.startswith(("utf-8", "utf8", "utf-16", "utf-32")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            # Bytes that are not UTF-8 are very likely in the charset the page declares.
            try:
                return normalize_text(data.decode(declared)), declared
            except (UnicodeError, LookupError):  # unknown or bogus charset name: detect instead
                pass
    return decode_bytes(data)


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

    from rag import ocr as ocr_module

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

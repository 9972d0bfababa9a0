"""Bytes to text: encodings, byte-order marks, binary detection, line endings.

A letter file arrives as UTF-8, GBK / GB18030 (with or without a correct declaration), or
UTF-16/32 with a BOM. `decode_bytes` picks the encoding without ever decoding with
replacement characters; `decode_html` honours a page's declared charset first; both return
text changed in only three ways (`normalize_text`), so offsets match the file a user opens.
"""

from __future__ import annotations

import codecs
import re

from rag.errors import LoaderError


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


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


def decode_html(data: bytes) -> tuple[str, str]:
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

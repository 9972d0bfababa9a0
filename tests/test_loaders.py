"""Tests for rag.letters.loaders and rag.letters.ocr: encodings, HTML chrome, DOCX order, PDF text and OCR, errors.

Every fixture is built under tmp_path from made-up text (no real letter is copied here, and no
binary file is committed). The OCR test renders made-up Chinese text with a system CJK font
(Debian: fonts-wqy-microhei) and is skipped, saying why, when rapidocr or such a font is missing.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import socket
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import pdf_bytes, unavailable

from rag.errors import LoaderError
from rag.letters import decoding, ocr
from rag.letters.decoding import decode_bytes
from rag.letters.loaders import MAX_BYTES, SUPPORTED_SUFFIXES, Document, load_document

# --- made-up letter text and builders -------------------------------------------------------

# All Chinese text in this file is invented for the tests; it is not from any real letter.
MADE_UP_LETTER = (
    "关于虚构会议第9999号建议办理情况的答复函\n"
    "\n"
    "张三代表：\n"
    "您提出的《关于加强虚构事项管理的建议》收悉。经与示例市另一局共同研究办理，现答复如下。\n"
    "一、基本情况。本段文字为测试而虚构，用于检查正文能否完整保留（含全角标点：，；）。\n"
    "示例市测试局\n"
    "2099年1月2日"
)

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def cjk_font() -> str | None:
    """A font file that can draw Chinese, or None."""
    return next((path for path in CJK_FONT_CANDIDATES if Path(path).is_file()), None)


def rapidocr_importable() -> bool:
    try:
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason(path: Path, **kwargs: object) -> str:
    """The LoaderError reason for loading `path`."""
    with pytest.raises(LoaderError) as info:
        load_document(path, **kwargs)  # type: ignore[arg-type]
    assert info.value.path == str(path)
    return info.value.reason


def make_text_pdf(pages: list[list[str]], *, encrypt: bool = False) -> bytes:
    """A minimal PDF whose text layer holds `pages` (lists of lines), built by hand.

    The font is a non-embedded CID font with a ToUnicode map (code i -> i-th character), so
    text extraction works without any font file; glyphs would not render, which is fine here.
    With `encrypt`, the trailer carries a standard security handler whose empty user password
    does not match, so a reader must ask for a password.
    """
    chars = sorted({ch for page in pages for line in page for ch in line})
    code = {ch: i + 1 for i, ch in enumerate(chars)}
    bfchar: list[str] = []
    for start in range(0, len(chars), 100):  # a bfchar block holds at most 100 entries
        block = chars[start : start + 100]
        bfchar.append(f"{len(block)} beginbfchar")
        bfchar += [f"<{code[ch]:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for ch in block]
        bfchar.append("endbfchar")
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + "\n".join(bfchar)
        + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )
    first_page = 7
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /MadeUpSong /Encoding /Identity-H "
        "/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MadeUpSong /CIDSystemInfo "
        "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 "
        "/FontDescriptor 6 0 R >>",
        cmap,
        "<< /Type /FontDescriptor /FontName /MadeUpSong /Flags 4 /FontBBox [0 -200 1000 900] "
        "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    for i, page in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "16 TL", "72 770 Td"]
        ops += ["<" + "".join(f"{code[ch]:04X}" for ch in line) + "> Tj T*" for line in page]
        ops.append("ET")
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {first_page + 2 * i + 1} 0 R >>"
        )
        objects.append("\n".join(ops))
    trailer = ""
    if encrypt:
        objects.append(f"<< /Filter /Standard /V 1 /R 2 /P -4 /O <{'11' * 32}> /U <{'22' * 32}> >>")
        trailer = f" /Encrypt {len(objects)} 0 R /ID [<{'33' * 16}> <{'33' * 16}>]"
    return pdf_bytes(objects, trailer)


def make_scanned_pdf(
    path: Path, lines: list[str], font_path: str | None, size: tuple[int, int] = (1240, 1754)
) -> Path:
    """An image-only PDF page (no text layer): `lines` drawn at 150 dpi (A4 by default)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 255)
    if lines and font_path:
        font = ImageFont.truetype(font_path, 36)
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((120, 120 + 64 * i), line, font=font, fill=0)
    image.save(path, "PDF", resolution=150)
    return path


GOV_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}">
<title>关于虚构会议第9999号建议办理情况的答复函_示例市测试局</title>
<script>var note = "脚本里的字不应出现";</script><style>.x {{ color: red }}</style></head>
<body>
<div class="top-bar"><a href="#">设为首页</a> <a href="#">加入收藏</a></div>
<div class="nav"><ul><li><a href="#">首页</a></li><li><a href="#">机构概况</a></li>
<li><a href="#">政务公开</a></li><li><a href="#">互动交流</a></li></ul></div>
<div class="position">您当前的位置: <a href="#">首页</a> &gt; 建议提案复函公开</div>
<div class="main">
<table class="xxgk">
<tr><td>索引号</td><td>00000000TEST/2099-00001</td><td>发文字号</td><td>示测复函〔2099〕1号</td></tr>
<tr><td>发布机构</td><td>示例市测试局</td><td>成文日期</td><td>2099-01-02</td></tr>
</table>
<h1 class="title">关于虚构会议第9999号建议办理情况的答复函</h1>
<div class="content" id="zoom">
<p>张三代表：</p>
<p>　　您提出的《关于加强虚构事项管理的建议》收悉。经与示例市另一局共同研究办理，现答复如下。</p>
<p>　　一、基本情况。本段文字为测试而虚构，用于检查正文能否完整保留。</p>
<p>　　二、下一步工作。我们将继续完善虚构机制，
确保虚构事项落到实处。</p>
<p style="text-align:right">示例市测试局</p>
<p style="text-align:right">2099年1月2日</p>
</div>
<div class="share">分享到：微信 微博</div>
<div class="ewm">扫一扫在手机打开当前页</div>
<div><a href="#">【打印本页】</a> <a href="#">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关文章</h3><ul><li><a href="#">另一篇虚构文章</a></li></ul></div>
<div class="footer"><p><a href="#">网站地图</a> | <a href="#">联系我们</a></p>
<p>版权所有：示例市测试局 网站标识码：0000000000</p><p>示ICP备00000000号</p></div>
</body></html>
"""

GOV_PAGE_TEXT = (
    "索引号 | 00000000TEST/2099-00001 | 发文字号 | 示测复函〔2099〕1号\n"
    "发布机构 | 示例市测试局 | 成文日期 | 2099-01-02\n"
    "关于虚构会议第9999号建议办理情况的答复函\n"
    "张三代表：\n"
    "您提出的《关于加强虚构事项管理的建议》收悉。经与示例市另一局共同研究办理，现答复如下。\n"
    "一、基本情况。本段文字为测试而虚构，用于检查正文能否完整保留。\n"
    "二、下一步工作。我们将继续完善虚构机制，确保虚构事项落到实处。\n"
    "示例市测试局\n"
    "2099年1月2日"
)
CHROME = (
    "网站地图",
    "版权所有",
    "您当前的位置",
    "扫一扫",
    "设为首页",
    "打印本页",
    "分享到",
    "脚本",
)


# --- public API -----------------------------------------------------------------------------


def test_public_constants() -> None:
    assert sorted(SUPPORTED_SUFFIXES) == [".docx", ".htm", ".html", ".pdf", ".txt"]
    assert MAX_BYTES // 2**20 == 50


# --- plain text and encodings ---------------------------------------------------------------


def test_utf8_text_is_exact(tmp_path: Path) -> None:
    data = MADE_UP_LETTER.encode("utf-8")
    doc = load_document(write(tmp_path, "a.txt", data))
    assert doc == Document(
        MADE_UP_LETTER, "txt", hashlib.sha256(data).hexdigest(), encoding="utf-8"
    )


def test_utf8_bom_crlf_cr_and_nul_are_normalised(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + "甲行\r\n乙行\r丙\x00行\n\n\t丁 行  ".encode()
    doc = load_document(write(tmp_path, "a.txt", data))
    # Only line endings, the BOM and NULs change; tabs and trailing spaces stay.
    assert doc.text == "甲行\n乙行\n丙行\n\n\t丁 行  "
    assert doc.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["gbk", "gb2312", "gb18030"])
def test_gb_family_decodes_to_the_right_chinese(tmp_path: Path, codec: str) -> None:
    text = MADE_UP_LETTER.replace("\n", "\r\n") + "\r\n“引号”《书名》〔2099〕①…"
    if codec != "gb2312":  # Python's gb2312 codec maps these two to other code points
        text += "——·"
    doc = load_document(write(tmp_path, "a.txt", text.encode(codec)))
    assert doc.text == text.replace("\r\n", "\n")
    assert doc.encoding == "gb18030"


def test_gb18030_only_characters(tmp_path: Path) -> None:
    # 㐀 (CJK Ext. A), 𠀀 (Ext. B) and 镕 (GBK, not GB2312) need GBK or GB18030's four-byte codes.
    text = "虚构的人名：王㐀、李𠀀、朱镕。\n" + MADE_UP_LETTER
    doc = load_document(write(tmp_path, "a.txt", text.encode("gb18030")))
    assert doc.text == text
    assert doc.encoding == "gb18030"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path: Path, codec: str) -> None:
    text = MADE_UP_LETTER.replace("\n", "\r\n")
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    doc = load_document(write(tmp_path, "a.txt", data))
    assert doc.text == MADE_UP_LETTER
    assert doc.encoding is not None and doc.encoding.startswith(codec[:6])


def test_decode_bytes_directly() -> None:
    assert decode_bytes("示例\r\n".encode("gbk")) == ("示例\n", "gb18030")
    assert decode_bytes(b"plain ascii") == ("plain ascii", "utf-8")


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Café résumé naïve déjà vu, façade, jalapeño señor. " * 3, "latin-1"),
        ("這是虛構的繁體中文測試文字，說明臺灣與香港的寫法。" * 3, "big5"),
    ],
)
def test_non_gbk_bytes_never_become_gbk_mojibake(tmp_path: Path, text: str, codec: str) -> None:
    path = write(tmp_path, "a.txt", text.encode(codec))
    try:
        doc = load_document(path)
    except LoaderError as exc:
        assert exc.reason.startswith(("undecodable text", "not text"))
    else:
        assert doc.text == text


def test_undecodable_names_what_was_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoding, "_detect_encoding", lambda data: None)
    with pytest.raises(LoaderError, match=r"undecodable text \(tried utf-8, gb18030\)"):
        decode_bytes(b"abc \x80\x81 def \xff")


def test_random_bytes_are_binary(tmp_path: Path) -> None:
    data = random.Random(7).randbytes(4096)
    assert reason(write(tmp_path, "noise.txt", data)) == "not text: binary content"


def test_png_renamed_txt(tmp_path: Path) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    assert reason(write(tmp_path, "pic.txt", buffer.getvalue())) == (
        "not text: binary content (PNG image)"
    )


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", "\u3000\n".encode(), b"\xef\xbb\xbf\n"])
def test_empty_and_whitespace_only(tmp_path: Path, data: bytes) -> None:
    assert reason(write(tmp_path, "empty.txt", data)) == "empty file"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"), min_size=1
    ).filter(lambda t: t.strip()),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_utf8_round_trip_property(tmp_path: Path, text: str, bom: bool, crlf: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + (
        text.replace("\n", "\r\n") if crlf else text
    ).encode("utf-8")
    doc = load_document(write(tmp_path, "prop.txt", data))
    assert doc.text == text.removeprefix("\ufeff")


# --- HTML -----------------------------------------------------------------------------------


def test_gov_page_keeps_the_letter_and_drops_chrome(tmp_path: Path) -> None:
    page = GOV_PAGE.format(charset="utf-8").encode("utf-8")
    doc = load_document(write(tmp_path, "page.html", page))
    assert doc.format == "html" and doc.encoding == "utf-8"
    assert doc.text == GOV_PAGE_TEXT
    for chrome in CHROME:
        assert chrome not in doc.text


def test_gbk_page_with_meta_charset(tmp_path: Path) -> None:
    page = GOV_PAGE.format(charset="gbk").encode("gbk")
    doc = load_document(write(tmp_path, "page.htm", page))
    assert doc.text == GOV_PAGE_TEXT
    assert doc.encoding == "gb18030"


def test_page_that_declares_gbk_but_is_utf8(tmp_path: Path) -> None:
    page = GOV_PAGE.format(charset="gb2312").encode("utf-8")
    assert load_document(write(tmp_path, "page.html", page)).text == GOV_PAGE_TEXT


def test_letter_in_a_layout_table_with_br_lines(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        '<body><table><tr><td class="menu">首页<br>政务公开</td><td>'
        "<div>关于虚构会议第9999号建议办理情况的答复函</div>张三代表：<br>　　第一段虚构文字。"
        "<br><br><br><br>　　第二段虚构文字。<br>示例市测试局<br>2099年1月2日</td></tr></table>"
        "<!-- 注释不应出现 --></body></html>"
    )
    doc = load_document(write(tmp_path, "layout.html", page.encode("utf-8")))
    assert doc.text == (
        "关于虚构会议第9999号建议办理情况的答复函\n张三代表：\n第一段虚构文字。\n\n"
        "第二段虚构文字。\n示例市测试局\n2099年1月2日"
    )


def test_article_page_without_chrome(tmp_path: Path) -> None:
    paragraphs = [
        f"第{i}段：这是一段为测试而虚构的较长文字，讲述虚构事项的办理情况。" for i in range(8)
    ]
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
    doc = load_document(write(tmp_path, "article.html", (page + "</body></html>").encode()))
    assert doc.text.split("\n") == paragraphs


def test_unknown_chrome_classes_are_left_to_trafilatura(tmp_path: Path) -> None:
    body = [
        f"第{i}段：这是为测试而虚构的较长文字，讲述虚构事项的办理情况和下一步打算。"
        for i in range(6)
    ]
    page = (
        '<html><head><meta charset="utf-8"></head><body>'
        '<div class="wzdh"><a href="#">首页</a> <a href="#">政务公开</a> <a href="#">互动交流</a></div>'
        '<div class="xgwz"><ul><li><a href="#">另一篇虚构文章的标题甲</a></li>'
        '<li><a href="#">另一篇虚构文章的标题乙</a></li></ul></div>'
        '<div class="article"><h1>关于虚构会议第9999号建议办理情况的答复函</h1>'
        '<div class="con"><p>张三代表：</p>'
        + "".join(f"<p>　　{p}</p>" for p in body)
        + "<p>示例市测试局</p><p>2099年1月2日</p></div></div>"
        '<div class="dbxx"><p>主办：示例市测试局 地址：虚构路1号</p></div></body></html>'
    )
    doc = load_document(write(tmp_path, "page.html", page.encode()))
    assert doc.text.split("\n") == [
        "关于虚构会议第9999号建议办理情况的答复函",
        "张三代表：",
        *body,
        "示例市测试局",
        "2099年1月2日",
    ]


def test_page_with_only_chrome_has_no_text(tmp_path: Path) -> None:
    page = '<html><body><div class="footer">版权所有：示例</div><script>x=1</script></body></html>'
    assert reason(write(tmp_path, "chrome.html", page.encode())) == "no text extracted"


# --- DOCX -----------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_body_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "页眉不应出现"
    document.sections[0].footer.paragraphs[0].text = "页脚不应出现"
    document.add_paragraph("关于虚构会议第9999号建议办理情况的答复函")
    document.add_paragraph("张三代表：")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("项目", "数量", "备注"), ("虚构甲", "12", "")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合并单元格"
    merged.cell(0, 2).text = "右"
    document.add_paragraph("")
    document.add_paragraph("")
    document.add_paragraph("示例市测试局\t2099年1月2日")
    path = tmp_path / "letter.docx"
    document.save(str(path))

    doc = load_document(path)
    assert doc.format == "docx" and doc.encoding is None
    assert doc.text == (
        "关于虚构会议第9999号建议办理情况的答复函\n张三代表：\n"
        "项目 | 数量 | 备注\n虚构甲 | 12 |\n合并单元格 | 右\n\n示例市测试局\t2099年1月2日"
    )


def test_corrupt_docx(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "bad.docx", b"not a zip at all")) == (
        "docx: cannot open (not a zip file)"
    )
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as archive:
        archive.writestr("hello.txt", "no word parts here")
    assert reason(tmp_path / "empty.docx").startswith("docx: cannot open (")


def test_legacy_doc(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    assert reason(write(tmp_path, "old.doc", ole)) == "unsupported format .doc (convert to .docx)"
    assert reason(write(tmp_path, "old.docx", ole)) == (
        "docx: cannot open (legacy .doc file; convert to .docx)"
    )


# --- PDF ------------------------------------------------------------------------------------


def test_text_pdf_pages_and_radical_folding(tmp_path: Path) -> None:
    # U+2F08 and U+2F00 are Kangxi radicals some PDF fonts map 人 and 一 to; U+F9D1 is the
    # compatibility ideograph for 六. Full-width punctuation must survive untouched.
    pages = [
        ["关于虚构事项的答复函", "张三代表：", "\u2f08民至上，\u2f00心一意（虚构）。第\uf9d1条"],
        ["示例市测试局", "2099年1月2日"],
    ]
    doc = load_document(write(tmp_path, "letter.pdf", make_text_pdf(pages)))
    assert doc.format == "pdf" and doc.ocr_pages == ()
    assert doc.text == (
        "关于虚构事项的答复函\n张三代表：\n人民至上，一心一意（虚构）。第六条\n\n"
        "示例市测试局\n2099年1月2日"
    )


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf(tmp_path: Path, cut: float) -> None:
    data = make_text_pdf([["虚构的文字内容用于截断测试"]])
    got = reason(write(tmp_path, "cut.pdf", data[: int(len(data) * cut)]))
    assert got.startswith("pdf: cannot open (")


def test_not_a_pdf(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "x.pdf", b"%PDF-1.4\nnot really")) == (
        "pdf: cannot open (data format error)"
    )


def test_encrypted_pdf(tmp_path: Path) -> None:
    data = make_text_pdf([["虚构的加密文字"]], encrypt=True)
    assert reason(write(tmp_path, "locked.pdf", data)) == "pdf: encrypted (password required)"


def test_scanned_pdf_with_ocr_off(tmp_path: Path) -> None:
    path = make_scanned_pdf(tmp_path / "scan.pdf", [], None)
    assert reason(path, ocr=False) == "scanned pdf: no text layer and OCR is off"


@pytest.mark.skipif(not rapidocr_importable(), reason="rapidocr not installed (replyqa[ocr])")
def test_blank_scan_has_no_text(tmp_path: Path) -> None:
    path = make_scanned_pdf(tmp_path / "scan.pdf", [], None, size=(300, 200))
    assert reason(path) == "scanned pdf: OCR found no text"


def pdf_with_pages(*parts: bytes | Path) -> bytes:
    """Concatenate PDFs (bytes or paths) page by page with pdfium."""
    import pypdfium2 as pdfium

    merged = pdfium.PdfDocument.new()
    for part in parts:
        merged.import_pages(pdfium.PdfDocument(part))
    buffer = io.BytesIO()
    merged.save(buffer)
    return buffer.getvalue()


def test_mixed_pdf_keeps_text_pages_when_rapidocr_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "rapidocr", None)
    ocr._engine.cache_clear()
    try:
        blank = make_scanned_pdf(tmp_path / "blank.pdf", [], None)
        data = pdf_with_pages(make_text_pdf([["第一页虚构的文字内容"]]), blank)
        doc = load_document(write(tmp_path, "mixed.pdf", data))
        assert doc.text == "第一页虚构的文字内容" and doc.ocr_pages == ()
    finally:
        ocr._engine.cache_clear()


def test_scanned_pdf_without_rapidocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "rapidocr", None)  # makes `import rapidocr` fail
    ocr._engine.cache_clear()
    try:
        blank = make_scanned_pdf(tmp_path / "scan.pdf", [], None)
        assert reason(blank) == "scanned pdf: OCR not installed (pip install 'replyqa[ocr]')"
        assert not ocr.ocr_available()
    finally:
        ocr._engine.cache_clear()


def test_scanned_pdf_is_ocred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # OCR must be exercised in CI: there a missing engine or font is a failure, not a skip.
    for missing, why in (
        (not rapidocr_importable(), "rapidocr not installed (replyqa[ocr])"),
        (cjk_font() is None, "no CJK font (apt-get install fonts-wqy-microhei)"),
    ):
        if missing:
            unavailable(why)
    lines = [
        "关于虚构事项第9999号建议的答复函",
        "",
        "张三代表：",
        "　　您提出的关于加强虚构管理的建议收悉。现答复如下。",
        "　　一、我局高度重视虚构工作，已经制定测试方案。",
        "示例市测试局",
        "2099年1月2日",
    ]
    path = make_scanned_pdf(tmp_path / "scan.pdf", lines, cjk_font())
    blank = make_scanned_pdf(tmp_path / "blank.pdf", [], None)
    path.write_bytes(pdf_with_pages(path, blank, make_text_pdf([["末页虚构的文字内容"]])))

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR tried to reach the network (models must ship in the wheel)")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    ocr._engine.cache_clear()  # build the engine under the guard
    started = time.perf_counter()
    doc = load_document(path)
    elapsed = time.perf_counter() - started
    print(f"OCR of two scanned A4 pages (one blank), engine start included: {elapsed:.2f} s")
    assert doc.ocr_pages == (0,)  # the blank page yields nothing and is left out
    assert doc.text.endswith("\n\n末页虚构的文字内容")
    for word in ("答复函", "张三代表", "虚构管理", "测试方案", "示例市测试局", "2099年1月2日"):
        assert word in doc.text
    # One paragraph a line, top to bottom.
    assert doc.text.index("答复函") < doc.text.index("张三代表") < doc.text.index("2099年")


def test_reflow_orders_boxes_and_joins_wrapped_lines() -> None:
    box = ocr.TextBox
    boxes = [
        box("第二行接着写完。", 100, 160, 400, 190),  # wraps on from the line above
        box("示例市测试局", 100, 260, 300, 290),
        box("第一段很长的一行，写到右边", 140, 110, 1000, 140),
        box("标题", 100, 20, 200, 50),
        box("Page", 100, 310, 160, 340),
        box("one", 170, 312, 220, 338),
    ]
    assert ocr.reflow(boxes) == (
        "标题\n第一段很长的一行，写到右边第二行接着写完。\n示例市测试局\nPage one"
    )
    assert ocr.reflow([]) == ""


def test_ocr_punctuation_becomes_full_width_next_to_chinese() -> None:
    assert ocr.cjk_punctuation("张三代表:收悉,现答复(第12号)如下? at 10:30, 1,000 (ok)") == (
        "张三代表：收悉，现答复（第12号）如下？ at 10:30, 1,000 (ok)"
    )


# --- the real letters ---------------------------------------------------------------------


def test_every_corpus_letter_loads_verbatim(corpus_dir: Path) -> None:
    letters = sorted(corpus_dir.glob("*.txt"))
    assert letters
    for path in letters:
        doc = load_document(path)
        expected = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        assert doc.text == expected.replace("\0", ""), path.name


# --- paths and sizes ------------------------------------------------------------------------


def test_unsupported_suffixes(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "a.xyz", b"text")) == "unsupported format .xyz"
    assert reason(write(tmp_path, "README", b"text")) == "unsupported format (no suffix)"
    assert load_document(write(tmp_path, "UPPER.TXT", "示例".encode())).text == "示例"


def test_missing_directory_and_symlinks(tmp_path: Path) -> None:
    assert reason(tmp_path / "missing.txt") == "file not found"
    (tmp_path / "folder.txt").mkdir()
    assert reason(tmp_path / "folder.txt") == "not a regular file"
    target = write(tmp_path, "target.txt", "示例文字".encode())
    (tmp_path / "link.txt").symlink_to(target)
    assert load_document(tmp_path / "link.txt").text == "示例文字"
    (tmp_path / "broken.txt").symlink_to(tmp_path / "gone.txt")
    assert reason(tmp_path / "broken.txt") == "broken symlink"
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    assert reason(tmp_path / "loop1.txt") == "broken symlink"


def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", "示例".encode())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: mode 000 does not stop root from reading the file")
        assert reason(path) == "unreadable: permission denied"
    finally:
        path.chmod(0o600)


def test_permission_error_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Covers the mapping even as root, where mode 000 would not stop the read.
    path = write(tmp_path, "secret.txt", "示例".encode())

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert reason(path) == "unreadable: permission denied"


def test_too_large(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "a.txt", b"0123456789x"), max_bytes=10) == (
        "file too large (11 bytes > 10 bytes)"
    )
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: takes no disk space
        handle.truncate(51 * 1024 * 1024)
    assert reason(big) == "file too large (51 MB > 50 MB)"

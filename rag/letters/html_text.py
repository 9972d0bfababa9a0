"""HTML to letter text: the main content of a government web page, chrome removed.

A reply letter published on a gov site sits between navigation, breadcrumbs, share
bars and footers. The page is rendered to text with lxml (blocks become lines, table
rows become "a | b" lines, chrome elements dropped by tag and class words), then
trafilatura's main-content choice is used only to pick which of those lines to keep,
and only when it keeps every landmark of a letter (header table rows, title,
salutation, closing date); otherwise the whole rendered text is kept.
"""

from __future__ import annotations

import re
from typing import Any

from rag.errors import LoaderError
from rag.letters.decoding import normalize_text


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DROP_TAGS = _words(
    "head script style noscript template iframe object embed svg canvas select button input "
    "textarea map audio video"
)
_BLOCK_TAGS = _words(
    "html body p div section article main h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead "
    "tbody tfoot caption blockquote pre address figure figcaption form fieldset hr center"
)
# Site chrome, by tag or by a word of its class or id: navigation, breadcrumbs ("position" on
# many gov sites), share/print/QR-code bars, related links, footers.
_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside"})
_CHROME_WORDS = _words(
    "nav navbar navigation menu mainnav subnav topnav header footer foot bottom breadcrumb "
    "breadcrumbs crumb crumbs position location share bdshare fenxiang print ewm qrcode "
    "erweima sidebar related copyright banner toolbar topbar search login skip friendlink "
    "links"
)
# Short lines that are chrome wherever they sit; a letter body line is never this short and
# never says these things.
_CHROME_LINE = re.compile(
    r"您当前的位置|当前位置[:：]|扫一扫在手机|网站地图|版权所有|ICP备|网站标识码|公网安备|"
    r"^主办[:：]|主办单位[:：]|技术支持[:：]|^联系我们$|打印本页|关闭窗口|^【?打印】?$|"
    r"分享到|返回顶部|设为首页|加入收藏|^无障碍|^【?字[体号][:：]?\s*【?[大中小]"
)
_CHROME_LINE_MAX = 120
_META_LABELS = ("索引号", "发文字号", "发布机构", "成文日期", "主题分类", "发布日期")
_SALUTATION = re.compile(r"^[^\s:：|]{2,30}[:：]$")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_TITLE_WORDS = re.compile(r"(复函|答复|回复|意见|的函)")
_SOFT_BREAK = "\x01"
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_WRAP_BETWEEN_WIDE = re.compile(f"(?<=[{_WIDE}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_WIDE}])")


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# Deeper than this, rendering (recursive) would exhaust the stack; real letters nest a few dozen.
_MAX_DEPTH = 300


def html_to_text(markup: str) -> str:
    """The letter in a web page: trafilatura's main text if it kept every part, else all text."""
    try:
        import lxml.html
        import trafilatura
    except ImportError as exc:
        raise LoaderError("html: trafilatura not installed (pip install trafilatura)") from exc
    # XHTML pages open with an XML declaration, which lxml refuses in a str.
    markup = _XML_DECL.sub("", _XML_INVALID.sub("", markup), count=1)
    try:
        # huge_tree: without it lxml silently drops everything below 255 levels of nesting.
        root = lxml.html.document_fromstring(markup, parser=lxml.html.HTMLParser(huge_tree=True))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise LoaderError(f"html: cannot parse ({exc})") from exc
    depth = _depth(root)
    if depth > _MAX_DEPTH:
        raise LoaderError(f"html: nesting too deep ({depth} levels > {_MAX_DEPTH})")
    full = _tidy(_render(root))
    headings = (_squash(h.text_content()) for h in root.iter("h1", "h2"))
    title = next((h for h in headings if len(h) >= 6 and h in _squash(full)), None)
    try:
        main = trafilatura.extract(
            markup,
            output_format="txt",
            include_tables=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            favor_recall=True,
            deduplicate=False,
        )
    except (RecursionError, ValueError):  # trafilatura on a pathological page: keep our text
        main = None
    if main:
        main = _main_lines(full, _tidy(main), title)
        if _covers(main, full, title):
            return main
    return full


def _depth(root: Any) -> int:
    """Nesting depth of the tree, measured without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in element)
    return deepest


def _render(element: Any, preformatted: bool = False) -> str:
    """All visible text under `element` except chrome; blocks end with soft breaks."""
    tag = element.tag if isinstance(element.tag, str) else ""  # comments have no str tag
    parts: list[str] = []
    if tag and tag not in _DROP_TAGS and not _is_chrome(element):
        preformatted = preformatted or tag == "pre"
        if tag == "br":
            parts.append("\n")
        elif tag == "tr":
            parts += [_SOFT_BREAK, _row_text(element), _SOFT_BREAK]
        else:
            block = tag in _BLOCK_TAGS
            parts.append(_SOFT_BREAK if block else "")
            parts.append(_spaces(element.text or "", preformatted))
            parts += [_render(child, preformatted) for child in element]
            parts.append(_SOFT_BREAK if block else "")
    parts.append(_spaces(element.tail or "", preformatted))
    return "".join(parts)


def _row_text(row: Any) -> str:
    """A table row: short cells on one line joined by ' | '; a layout row's cells as blocks."""
    cells = [_tidy(_render(cell)) for cell in row if cell.tag in ("td", "th")]
    cells = [cell for cell in cells if cell]
    if all("\n" not in cell for cell in cells):
        return " | ".join(cells)
    return _SOFT_BREAK.join(cells)


def _spaces(text: str, preformatted: bool) -> str:
    """HTML whitespace rules outside <pre>: a run of ASCII whitespace is one space, except that
    a source line break between two Chinese characters vanishes (CSS Text's segment-break rule
    for wide characters), so a hard-wrapped paragraph does not gain stray spaces."""
    if preformatted:
        return text
    return re.sub(r"[ \t\n\r\f]+", " ", _WRAP_BETWEEN_WIDE.sub("", text))


def _is_chrome(element: Any) -> bool:
    """Site chrome or hidden, unless it holds the letter's header table or title."""
    words = set(re.split(r"[\s_-]+", f"{element.get('class', '')} {element.get('id', '')}".lower()))
    style = (element.get("style") or "").replace(" ", "").lower()
    if not (
        element.tag in _CHROME_TAGS
        or words & _CHROME_WORDS
        or "display:none" in style
        or element.get("hidden") is not None
    ):
        return False
    text = element.text_content()
    if sum(label in text for label in _META_LABELS) >= 2:
        return False
    return not any(_TITLE_WORDS.search(h.text_content()) for h in element.iter("h1", "h2", "h3"))


def _tidy(text: str) -> str:
    """Breaks collapsed, lines stripped, chrome lines dropped, at most one blank line in a row."""
    text = re.sub(
        r"[\x01\n][\x01\n \t]*",
        lambda m: "\n\n" if m.group().count("\n") >= 2 else "\n",
        normalize_text(text),
    )
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        # trafilatura writes table rows as "| a | b |"; the fallback writes "a | b".
        line = re.sub(r"^\|\s*(.*?)\s*\|$", r"\1", line)
        if len(line) <= _CHROME_LINE_MAX and _CHROME_LINE.search(line):
            continue
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _main_lines(full: str, main: str, title: str | None) -> str:
    """The fallback's lines that trafilatura also kept, plus the letter header above them.

    Using trafilatura only to choose lines keeps one line format (the fallback's) whichever
    extraction wins. A short line must be a whole line of trafilatura's text, so that a nav
    item like 政务公开 is not kept for appearing inside a sentence.
    """
    main_lines = {_squash(line) for line in main.split("\n")}
    main_all = _squash(main)
    lines = full.split("\n")
    squashed = [_squash(line) for line in lines]
    keep = [s in main_lines or (len(s) >= 8 and s in main_all) for s in squashed]
    if True not in keep:
        return ""
    first = keep.index(True)
    heads = [i for i, s in enumerate(squashed) if s == title or any(k in s for k in _META_LABELS)]
    if heads and heads[0] < first:  # trafilatura drops the title and moves the header table
        keep[heads[0] : first] = [True] * (first - heads[0])
    return _tidy(
        "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept or not line)
    )


def _covers(main: str, full: str, title: str | None) -> bool:
    """Whether `main` keeps half the text and every landmark of the letter that `full` has.

    The landmarks are the header table rows, the title, the salutation and the closing date.
    """
    if len(_squash(main)) < 0.5 * len(_squash(full)):
        return False
    lines = [_squash(line) for line in full.split("\n")]
    wanted = {line for line in lines if any(k in line for k in _META_LABELS)}
    wanted |= {line for line in lines if line == title}
    salutations = [line for line in lines if _SALUTATION.match(line) and line not in wanted]
    dates = [line for line in lines if _DATE_LINE.match(line)]
    wanted |= set(salutations[:1] + dates[-1:])
    return wanted <= {_squash(line) for line in main.split("\n")}


def _squash(text: str) -> str:
    return re.sub(r"[\s|]+", "", text)

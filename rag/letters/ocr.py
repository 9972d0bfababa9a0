"""OCR for scanned PDF pages: render a page with pdfium, read it with rapidocr, reflow the lines.

`rag.letters.loaders` calls `ocr_page` for a page whose text layer is empty. rapidocr's detection and
recognition models ship inside its wheel, so nothing is downloaded at run time; the engine is
built once per process and reused. Recognised boxes come back in no reliable order, so they are
grouped into visual lines top to bottom, left to right, and visual lines are rejoined into
paragraphs the way a Chinese letter wraps: a line that runs to the right margin continues on the
next one unless that one is indented.
"""

from __future__ import annotations

import functools
import re
import statistics
from dataclasses import dataclass
from typing import Any

from rag.errors import LoaderError

#: Shown when a scanned page needs OCR and rapidocr is missing.
OCR_INSTALL_HINT = "OCR not installed (pip install 'replyqa[ocr]')"

# Scale 2 renders an A4 page at about 1190 x 1684 px (144 dpi): large enough for 10.5 pt CJK
# text, and inside rapidocr's default 2000 px side limit, so the image is not shrunk again.
RENDER_SCALE = 2.0


_CJK = "\u3400-\u9fff\uf900-\ufaff"
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
# An ASCII mark with a Chinese character on either side; digits around a colon (10:30) or a
# comma (1,000) keep their ASCII forms.
_ASCII_PUNCT_NEAR_CJK = re.compile(f"(?<=[{_CJK}])[,:;?!()]|[,:;?!()](?=[{_CJK}])")


@dataclass(frozen=True)
class TextBox:
    """One recognised text run and its axis-aligned bounds in pixels."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def ocr_available() -> bool:
    """Whether rapidocr and its runtime can be imported."""
    try:
        _engine()
    except LoaderError:
        return False
    return True


@functools.cache
def _engine() -> Any:
    """Build the rapidocr engine once; the models load from the installed wheel."""
    try:
        # rapidocr loads its onnxruntime models lazily, on the first page; import the runtime
        # now so that a missing one is reported like a missing rapidocr.
        import onnxruntime  # noqa: F401
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise LoaderError(f"scanned pdf: {OCR_INSTALL_HINT}") from exc
    return RapidOCR(params={"Global.log_level": "error"})


def ocr_page(page: Any, scale: float = RENDER_SCALE) -> str:
    """Render one pypdfium2 page and return its text, one paragraph a line.

    Args:
        page: A `pypdfium2.PdfPage`.
        scale: Pixels per PDF point for rendering.

    Returns:
        The recognised text; empty if nothing was found on the page.

    Raises:
        LoaderError: rapidocr is not installed, or the recogniser failed on this page.
    """
    engine = _engine()
    image = page.render(scale=scale, grayscale=True).to_pil()
    try:
        return ocr_image(image, engine)
    except (RuntimeError, ValueError, OSError) as exc:  # onnxruntime errors are RuntimeErrors
        raise LoaderError(f"scanned pdf: OCR failed ({type(exc).__name__}: {exc})") from exc


def ocr_image(image: Any, engine: Any | None = None) -> str:
    """Recognise the text in one PIL image and reflow it into paragraphs.

    Args:
        image: A PIL image of a page.
        engine: A rapidocr engine; the shared one when None.

    Returns:
        The recognised text; empty if nothing was found.
    """
    result = (engine or _engine())(image)
    if result.boxes is None or result.txts is None:
        return ""
    boxes = [
        TextBox(
            text=text.strip(),
            left=float(min(x for x, _ in quad)),
            top=float(min(y for _, y in quad)),
            right=float(max(x for x, _ in quad)),
            bottom=float(max(y for _, y in quad)),
        )
        for quad, text in zip(result.boxes.tolist(), result.txts, strict=True)
        if text.strip()
    ]
    return cjk_punctuation(reflow(boxes))


def reflow(boxes: list[TextBox]) -> str:
    """Order boxes into visual lines and join the lines into paragraphs.

    Args:
        boxes: Recognised text runs in any order.

    Returns:
        Paragraphs separated by single newlines.
    """
    if not boxes:
        return ""
    lines = _group_lines(boxes)
    height = statistics.median(b.height for b in boxes)
    left_margin = min(line[0].left for line in lines)
    right_margin = max(line[-1].right for line in lines)

    paragraphs: list[str] = []
    current = ""
    previous: list[TextBox] | None = None
    for line in lines:
        text = _join_runs(line)
        if previous is not None and _continues(previous, line, height, left_margin, right_margin):
            current = _join_text(current, text)
            previous = line
            continue
        if current:
            paragraphs.append(current)
        current = text
        previous = line
    paragraphs.append(current)
    return "\n".join(paragraphs)


def cjk_punctuation(text: str) -> str:
    """Turn ASCII , : ; ? ! ( ) next to a Chinese character into the full-width forms.

    The recogniser often reads 代表： as 代表: ; letters typed in Chinese use the full-width
    forms, and the field parsers and quotes downstream expect them.
    """
    return _ASCII_PUNCT_NEAR_CJK.sub(lambda m: _FULL_WIDTH[m.group()], text)


def _group_lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Cluster boxes whose vertical middles fall inside one another's band."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: (b.middle, b.left)):
        if lines:
            last = lines[-1]
            top = min(b.top for b in last)
            bottom = max(b.bottom for b in last)
            # Same line when the middle of the new box lies inside the current line's band.
            if top <= box.middle <= bottom:
                last.append(box)
                continue
        lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def _continues(
    previous: list[TextBox], line: list[TextBox], height: float, left: float, right: float
) -> bool:
    """Whether `line` wraps on from `previous` rather than starting a new paragraph."""
    gap = min(b.top for b in line) - max(b.bottom for b in previous)
    reaches_margin = right - previous[-1].right < 1.5 * height
    flush_left = line[0].left - left < 0.8 * height
    return gap < height and reaches_margin and flush_left


def _join_runs(line: list[TextBox]) -> str:
    """Join the runs of one visual line, with a space only between Latin words."""
    text = ""
    for box in line:
        text = _join_text(text, box.text)
    return text


def _join_text(left: str, right: str) -> str:
    """Concatenate two pieces, inserting a space only where two Latin words would touch."""
    if left and right and _latin(left[-1]) and _latin(right[0]):
        return f"{left} {right}"
    return left + right


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()

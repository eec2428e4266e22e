"""One PDF page -> its text lines (with position and font) and its ruled lines, read with pypdfium2.

Lines come in PDFium's order, which is the order the page's content draws them (for the payer and
CMS documents measured, it keeps two-column lists column by column, where a top-to-bottom visual
order interleaves them). Coordinates are PDF points with the origin at the bottom left of the page.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# Font name parts and the weight from which a run of text reads as bold.
_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demi")
_BOLD_WEIGHT = 600
# A drawn segment no thicker than this (points) is a rule; longer than _MIN_RULE it can bound a cell.
_MAX_RULE_THICKNESS = 2.5
_MIN_RULE = 4.0
_MAX_FORM_DEPTH = 4


@dataclass(frozen=True)
class Line:
    """A line of text as the page draws it: text, box (``left, bottom, right, top``), font size, bold."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    size: float
    bold: bool

    @property
    def middle(self) -> tuple[float, float]:
        """The centre of the line's box."""
        return (self.left + self.right) / 2, (self.bottom + self.top) / 2


@dataclass(frozen=True)
class Rule:
    """A horizontal (``top == bottom``) or vertical (``left == right``) ruled line, in page points."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def horizontal(self) -> bool:
        """True for a horizontal rule."""
        return self.right - self.left >= self.top - self.bottom


@dataclass(frozen=True)
class PageLayout:
    """What one page holds: its size, text lines in drawing order and ruled lines."""

    number: int
    width: float
    height: float
    lines: tuple[Line, ...]
    rules: tuple[Rule, ...]


def read_layout(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, number: int) -> PageLayout:
    """The lines and rules of ``page`` (page ``number``, 1-based)."""
    width, height = page.get_size()
    return PageLayout(number, width, height, tuple(_lines(textpage)), tuple(_rules(page)))


def _lines(textpage: pdfium.PdfTextPage) -> Iterator[Line]:
    count = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) != count:  # PDFium's text and its character indices disagree: read it char by char
        text = "".join(_char(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
    start = 0
    for raw_line in text.split("\n"):
        end = start + len(raw_line)
        content = raw_line.rstrip("\r")
        first = start + (len(content) - len(content.lstrip()))
        last = start + len(content.rstrip()) - 1
        if first <= last:
            yield _line(textpage, content.strip(), first, last)
        start = end + 1


def _line(textpage: pdfium.PdfTextPage, text: str, first: int, last: int) -> Line:
    l1, b1, r1, t1 = textpage.get_charbox(first)
    l2, b2, r2, t2 = textpage.get_charbox(last)
    # The loose box is as tall as the font is set (FPDFText_GetFontSize ignores the text matrix).
    size = max(_height(textpage, first), _height(textpage, last))
    bold = _bold(textpage, first) and _bold(textpage, last)
    return Line(text, min(l1, l2), min(b1, b2), max(r1, r2), max(t1, t2), round(size, 1), bold)


def _height(textpage: pdfium.PdfTextPage, index: int) -> float:
    _, bottom, _, top = textpage.get_charbox(index, loose=True)
    return float(top - bottom)


def _bold(textpage: pdfium.PdfTextPage, index: int) -> bool:
    if pdfium_c.FPDFText_GetFontWeight(textpage.raw, index) >= _BOLD_WEIGHT:
        return True
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, buffer, 128, ctypes.byref(flags))
    name = buffer.value.decode("latin-1").lower()
    return any(part in name for part in _BOLD_NAMES) or bool(flags.value & (1 << 18))  # ForceBold


def _char(code: int) -> str:
    try:
        return chr(code) if code else "\ufffd"
    except ValueError:
        return "\ufffd"


def _rules(page: pdfium.PdfPage) -> Iterator[Rule]:
    """Straight horizontal and vertical segments of every path drawn on the page (forms included)."""
    for obj, matrices in _paths(page, None, (), 0):
        for (x0, y0), (x1, y1) in _segments(obj):
            for matrix in matrices:
                x0, y0 = matrix.on_point(x0, y0)
                x1, y1 = matrix.on_point(x1, y1)
            left, right, bottom, top = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            if top - bottom <= _MAX_RULE_THICKNESS and right - left >= _MIN_RULE:
                middle = (top + bottom) / 2
                yield Rule(left, middle, right, middle)
            elif right - left <= _MAX_RULE_THICKNESS and top - bottom >= _MIN_RULE:
                middle = (left + right) / 2
                yield Rule(middle, bottom, middle, top)


def _paths(
    page: pdfium.PdfPage, form: pdfium.PdfObject | None, outer: tuple[pdfium.PdfMatrix, ...], depth: int
) -> Iterator[tuple[pdfium.PdfObject, tuple[pdfium.PdfMatrix, ...]]]:
    """Each path object with the matrices (innermost first) that take its points to page space."""
    for obj in page.get_objects(max_depth=0, form=form):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield obj, (obj.get_matrix(), *outer)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _MAX_FORM_DEPTH:
            yield from _paths(page, obj, (obj.get_matrix(), *outer), depth + 1)


def _segments(obj: pdfium.PdfObject) -> Iterator[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight pieces of a path (curves are skipped), closing sub-paths that say so.

    The drawn outline of a rectangle gives its four sides; a filled thin rectangle (a rule drawn
    as a box) gives two long sides, which both land on the same rule.
    """
    x, y = ctypes.c_float(), ctypes.c_float()
    start: tuple[float, float] | None = None
    previous: tuple[float, float] | None = None
    for index in range(pdfium_c.FPDFPath_CountSegments(obj.raw)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, index)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (x.value, y.value)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or previous is None:
            start = point
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
            yield previous, point
        previous = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None and start != point:
            yield point, start
            previous = start

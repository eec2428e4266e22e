"""Ruled tables on a PDF page -> rows of cell texts (written as lines by ``tables.table_lines``).

The grid is found by pdfplumber's table finder (the Nurminen/Tabula method) from the page's ruled
lines as pypdfium2 reads them (its "explicit lines" strategy), so pdfplumber never parses the page's
characters, which is what makes it slow (about 0.25 s a page); each cell's text is then read by
PDFium from inside the cell's box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pdfplumber.page
import pypdfium2 as pdfium

from assistant.ingest.normalize import normalize_lines
from assistant.ingest.pdf_layout import PageLayout, Rule

# A number of three digits or more reads as data ("90791", "06302"); a year ("2024-2025") can head a column.
_LONG_NUMBER_RE = re.compile(r"(?<!\d)(?!(?:19|20)\d\d(?!\d))\d{3,}")
_NUMBERS_ONLY_RE = re.compile(r"[\d/ .,:–-]*\d[\d/ .,:–-]*")  # a cell that is only a year or a date is data
_MAX_HEADER_WORDS = 12  # "Count Physician/NPP Time Spent Within This Time Period (Surveyed Timeframe)"
# A grid needs at least this many rules each way to be worth asking the table finder about.
_MIN_RULES = 2


@dataclass(frozen=True)
class Table:
    """A table found on a page: its box (PDF points, origin bottom left) and its rows of cell texts."""

    left: float
    bottom: float
    right: float
    top: float
    rows: tuple[tuple[str, ...], ...]

    def holds(self, x: float, y: float) -> bool:
        """Whether the point lies inside the table's box."""
        return self.left <= x <= self.right and self.bottom <= y <= self.top


def has_grid(layout: PageLayout) -> bool:
    """Whether the page has enough ruled lines both ways to hold a table."""
    horizontal = sum(1 for rule in layout.rules if rule.horizontal)
    return horizontal >= _MIN_RULES and len(layout.rules) - horizontal >= _MIN_RULES


def find_tables(plumber_page: pdfplumber.page.Page, layout: PageLayout, textpage: pdfium.PdfTextPage) -> list[Table]:
    """The ruled tables of the page, each with two columns or more (a ruled box is not a table)."""
    height = layout.height
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": [_edge(rule, height) for rule in layout.rules if not rule.horizontal],
        "explicit_horizontal_lines": [_edge(rule, height) for rule in layout.rules if rule.horizontal],
    }
    tables: list[Table] = []
    for found in plumber_page.find_tables(settings):
        rows = []
        for row in found.rows:
            cells = [_cell_text(textpage, cell, height) if cell else "" for cell in row.cells]
            if any(cells):
                rows.append(cells)
        columns = [i for i in range(max((len(r) for r in rows), default=0)) if any(i < len(r) and r[i] for r in rows)]
        if len(columns) < 2:
            continue
        x0, top, x1, bottom = found.bbox
        kept = [tuple(r[i] if i < len(r) else "" for i in columns) for r in rows]
        tables.append(Table(x0, height - bottom, x1, height - top, tuple(merge_offset_header(kept))))
    return tables


def merge_offset_header(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Rows with each header cell moved over the column its data sits in, where the grid put the
    header one column off (a header cell spanning two grid columns: "CPT Code" in column 2 above
    codes in column 1). Two neighbouring columns are one when one of them holds text only in the
    first row and the other holds none there."""
    if len(rows) < 2:
        return rows
    # A header printed over two rows ("May Be" over "Reported With") is header in both.
    depth = 2 if len(rows) > 2 and _finishes_header(rows[1]) else 1
    columns = [list(column) for column in zip(*rows, strict=True)]
    merged = [columns[0]]
    for column in columns[1:]:
        left = merged[-1]
        header_only = [c for c in (left, column) if any(c[:depth]) and not any(c[depth:])]
        data_only = [c for c in (left, column) if not any(c[:depth]) and any(c[depth:])]
        if header_only and data_only:
            merged[-1] = [a or b for a, b in zip(left, column, strict=True)]
        else:
            merged.append(column)
    return [tuple(row) for row in zip(*merged, strict=True)]


def header_of(rows: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...] | None, tuple[tuple[str, ...], ...]]:
    """A table's header and its data rows. The first row is the header (unless it reads as data: a
    number of three digits or more, a sentence, a long cell, as in a two-column "label | value"
    table, which then has no header); a second row with an empty
    first cell and no digit finishes a header printed over two rows ("May Be" over "Reported With",
    beside "CPT Code" in a cell spanning both). A table of one row has no header."""
    if len(rows) < 2 or not _looks_like_header(rows[0]):
        return None, rows
    header, body = rows[0], rows[1:]
    second = body[0]
    if len(body) > 1 and _finishes_header(second):
        header = tuple(" ".join(part for part in (top, below) if part) for top, below in zip(header, second, strict=True))
        body = body[1:]
    return header, body


def _finishes_header(row: tuple[str, ...]) -> bool:
    """Whether ``row``, second in its table, finishes a header printed over two rows: an empty
    first cell (beside a cell spanning both rows), some text and no digit."""
    return not row[0] and any(row) and not any(ch.isdigit() for cell in row for ch in cell)


def continues_table(previous_header: tuple[str, ...] | None, rows: tuple[tuple[str, ...], ...], *, adjacent: bool) -> bool:
    """Whether a table goes on with the table before it (header ``previous_header``): it has the same
    number of columns and either its first row repeats that header, or nothing stands between the two
    tables (``adjacent``: the table right above it, or the end of the previous page)."""
    if previous_header is None or not rows or len(rows[0]) != len(previous_header):
        return False
    return _same(rows[0], previous_header) or adjacent


def _looks_like_header(row: tuple[str, ...]) -> bool:
    return not any(
        _LONG_NUMBER_RE.search(cell)
        or _NUMBERS_ONLY_RE.fullmatch(cell)
        or cell.endswith(".")
        or len(cell.split()) > _MAX_HEADER_WORDS
        for cell in row
    )


def _same(row: tuple[str, ...], header: tuple[str, ...]) -> bool:
    """Whether two rows read the same (case and spacing aside)."""
    return [" ".join(c.lower().split()) for c in row] == [" ".join(c.lower().split()) for c in header]


def _edge(rule: Rule, height: float) -> dict[str, Any]:
    """A rule as pdfplumber's edge dictionary (origin top left)."""
    return {
        "object_type": "rule_edge",
        "orientation": "h" if rule.horizontal else "v",
        "x0": rule.left,
        "x1": rule.right,
        "top": height - rule.top,
        "bottom": height - rule.bottom,
        "width": rule.right - rule.left,
        "height": rule.top - rule.bottom,
    }


def _cell_text(textpage: pdfium.PdfTextPage, cell: tuple[float, float, float, float], height: float) -> str:
    x0, top, x1, bottom = cell
    text = textpage.get_text_bounded(left=x0, bottom=height - bottom, right=x1, top=height - top)
    return " ".join(normalize_lines(text.replace("\r", "")).split())

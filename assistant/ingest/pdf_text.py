"""A PDF -> its stored text: body lines, ``## Heading`` lines and table rows, with a page offset map.

pypdfium2 reads each page's lines with their position and font (``pdf_layout``); running headers,
footers and other page furniture are left out (``furniture``); ruled tables become one
``Header: cell; ...`` line per row (``pdf_tables``); a line in a larger or bold font standing on its
own becomes a Markdown heading; the rest is normalised text with wrapped lines joined. Pages are
joined so that a sentence running over a page break is one span, and ``page_starts`` records where
each page begins in the text. Pages without a text layer are listed (and read by OCR when asked).
"""

from __future__ import annotations

import importlib.metadata
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from assistant.errors import CorruptPdfError, EncryptedPdfError, ScannedPdfError
from assistant.ingest.chunking import escape_headings
from assistant.ingest.furniture import furniture
from assistant.ingest.normalize import continues, normalize_chars, normalize_lines
from assistant.ingest.ocr import ocr_page
from assistant.ingest.pdf_layout import Line, PageLayout, read_layout
from assistant.ingest.pdf_tables import Table, continues_table, find_tables, has_grid, header_of
from assistant.ingest.plain_text import metadata_text
from assistant.ingest.tables import table_lines

# A line is a heading when its font is this much larger than the body's, or bold in a body that is not.
_HEADING_SIZE_RATIO = 1.15
_HEADING_MAX_WORDS = 14
_NOT_HEADING_END = (".", ",", ";", ":")
# Bullet glyphs, and the letter "o" that Courier/Wingdings sub-bullets read as ("o Class III obesity").
_BULLET_START_RE = re.compile(r"^([-–•●○◦▪■\uf0b7\uf0a7]|o\s)")
_ITEM_START_RE = re.compile(r"^([-–•●○◦▪■\uf0b7\uf0a7]|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_SENTENCE_END = (".", ":", ";", "!", "?")
_TOC_ENTRY_RE = re.compile(r"(\.\s*){3,}\d+$")  # "Critical Care Services ........ 6"
# A line reaching this share of the text's width was wrapped by the layout, not ended by the writer.
_FULL_LINE = 0.8


@dataclass
class _Block:
    """A run of one kind on a page: text lines, a heading, or a table's row lines."""

    kind: str
    lines: list[str] = field(default_factory=list)
    font: tuple[float, bool] | None = None


@dataclass(frozen=True)
class PdfText:
    """What a PDF gave: its stored text, page offsets, pages read without a text layer, metadata."""

    text: str
    title: str | None
    author: str | None
    pages: int
    page_starts: tuple[int, ...]
    pages_without_text: tuple[int, ...]
    ocr_pages: tuple[int, ...]
    table_rows: int
    note: str


def extract_pdf(path: Path, data: bytes, *, ocr: bool = False) -> PdfText:
    """The stored text of the PDF ``data`` read from ``path``, its page map and its metadata.

    ``page_starts[i]`` is the offset in ``text`` where page ``i + 1`` begins (a page with no text
    starts where the next one does). ``pages_without_text`` lists the 1-based pages that have no
    text layer and were not read by OCR; with ``ocr`` those pages are read by tesseract instead.

    Raises:
        EncryptedPdfError: the PDF needs a password to open.
        CorruptPdfError: the bytes cannot be parsed as a PDF.
        ScannedPdfError: no page has extractable text (scanned images) and ``ocr`` is off.
        OcrError: ``ocr`` is on and tesseract is missing or fails.
    """
    document = _open(path, data)
    try:
        pages = [document[i] for i in range(len(document))]
        textpages = [page.get_textpage() for page in pages]
        layouts = [read_layout(page, tp, number) for number, (page, tp) in enumerate(zip(pages, textpages, strict=True), start=1)]
        without_text = [layout.number for layout in layouts if not layout.lines]
        if len(without_text) == len(layouts) and not ocr:
            raise ScannedPdfError(
                f"{path}: none of its {len(layouts)} page(s) has extractable text; it looks like a scanned image. "
                "Read it by OCR with `assistant ingest --ocr` (needs the tesseract-ocr package), or get a text PDF."
            )
        tables = _tables(data, layouts, textpages)
        blocks = _blocks(layouts, tables, furniture(layouts))
        ocr_read: list[int] = []
        if ocr:
            for number in without_text:
                text = normalize_lines(ocr_page(path, pages[number - 1], number))
                if text.strip():
                    blocks[number - 1] = [_Block("text", text.split("\n"))]
                    ocr_read.append(number)
        metadata = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    text, starts = _join_pages(blocks)
    if not text.strip():
        raise ScannedPdfError(
            f"{path}: no text was found on its {len(layouts)} page(s), even with OCR; get a text PDF and ingest that."
        )
    unread = tuple(n for n in without_text if n not in ocr_read)
    rows = sum(len(b.lines) for page in blocks for b in page if b.kind == "table")
    return PdfText(
        text=text,
        title=metadata_text(metadata.get("Title")),
        author=metadata_text(metadata.get("Author")),
        pages=len(layouts),
        page_starts=starts,
        pages_without_text=unread,
        ocr_pages=tuple(ocr_read),
        table_rows=rows,
        note=_note(len(layouts), rows, unread, ocr_read),
    )


def _open(path: Path, data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise EncryptedPdfError(
                f"{path}: the PDF is password-protected; it cannot be read without its password. Save an "
                "unprotected copy (print to PDF, or remove the password in your PDF tool) and ingest that."
            ) from exc
        raise CorruptPdfError(
            f"{path}: cannot be read as a PDF ({exc}); the file is damaged or not a PDF. "
            "Download or export it again and retry."
        ) from exc


def _tables(data: bytes, layouts: list[PageLayout], textpages: list[pdfium.PdfTextPage]) -> dict[int, list[Table]]:
    """The ruled tables of each page that has a grid of rules (pdfplumber opened only then)."""
    ruled = [layout for layout in layouts if has_grid(layout)]
    if not ruled:
        return {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            return {
                layout.number: find_tables(plumber.pages[layout.number - 1], layout, textpages[layout.number - 1])
                for layout in ruled
            }
    except (PSException, PDFSyntaxError, ValueError, KeyError, TypeError, IndexError):
        # PDFium read the file but pdfminer cannot: keep the table cells as plain lines.
        return {}


def _blocks(layouts: list[PageLayout], tables: dict[int, list[Table]], dropped: set[tuple[int, int]]) -> list[list[_Block]]:
    """Each page as blocks of text lines, headings and tables, furniture left out."""
    body_size, bold_body = _body_font(layouts)
    pages: list[list[_Block]] = []
    header: tuple[str, ...] | None = None
    for layout in layouts:
        page_tables = tables.get(layout.number, [])
        placed: set[int] = set()
        blocks: list[_Block] = []
        previous: Line | None = None
        for index, line in enumerate(layout.lines):
            if (layout.number, index) in dropped:
                continue
            inside = next((i for i, t in enumerate(page_tables) if t.holds(*line.middle)), None)
            if inside is not None:
                if inside not in placed:
                    placed.add(inside)
                    before = blocks[-1] if blocks else pages[-1][-1] if pages and pages[-1] else None
                    adjacent = before is not None and before.kind == "table"
                    rows = page_tables[inside].rows
                    if not continues_table(header, rows, adjacent=adjacent):
                        header, rows = header_of(rows)
                    blocks.append(_Block("table", table_lines(rows, header)))
                continue
            kind = "heading" if _is_heading(line, body_size, bold_body) else "text"
            last = blocks[-1] if blocks else None
            if last and last.kind == kind == "text" and previous and _wrapped(previous, line, layout):
                # A hyphen at the end stays before a line break, where normalize_lines decides on it.
                last.lines[-1] += ("\n" if last.lines[-1].endswith("-") else " ") + line.text
            elif last and last.kind == kind and (kind == "text" or _same_font(last, line)):
                last.lines.append(line.text)
            else:
                blocks.append(_Block(kind, [line.text], (line.size, line.bold) if kind == "heading" else None))
            previous = line
        pages.append([b for b in blocks if b.lines])
    return pages


def _join_pages(pages: list[list[_Block]]) -> tuple[str, tuple[int, ...]]:
    """The document text and each page's start offset; a sentence cut by a page break is rejoined."""
    text = ""
    starts: list[int | None] = []
    last_kind = ""
    for blocks in pages:
        rendered = [(b.kind, _render(b)) for b in blocks]
        rendered = [(kind, body) for kind, body in rendered if body]
        if not rendered:
            starts.append(None)
            continue
        first_kind, first = rendered[0]
        if text and last_kind == first_kind == "text" and continues(text.rsplit("\n", 1)[-1], first):
            separator = "" if text.endswith("-") else " "
        else:
            separator = "\n\n" if text else ""
        text += separator
        starts.append(len(text))
        text += "\n\n".join(body for _, body in rendered)
        last_kind = rendered[-1][0]
    filled: list[int] = []
    following = len(text)
    for start in reversed(starts):
        following = start if start is not None else following
        filled.append(following)
    return text, tuple(reversed(filled))


def _render(block: _Block) -> str:
    if block.kind == "heading":
        return "## " + " ".join(normalize_chars(" ".join(block.lines)).split())
    if block.kind == "table":
        return "\n".join(block.lines)
    return escape_headings(normalize_lines("\n".join(block.lines)))


def _body_font(layouts: list[PageLayout]) -> tuple[float, bool]:
    """The font size most of the text is set in, and whether most of it is bold."""
    sizes: Counter[float] = Counter()
    bold = 0
    total = 0
    for layout in layouts:
        for line in layout.lines:
            sizes[line.size] += len(line.text)
            bold += len(line.text) if line.bold else 0
            total += len(line.text)
    return (sizes.most_common(1)[0][0] if sizes else 0.0), bold * 2 > total


def _is_heading(line: Line, body_size: float, bold_body: bool) -> bool:
    text = line.text.strip()
    if (
        not any(ch.isalpha() for ch in text)
        or len(text.split()) > _HEADING_MAX_WORDS
        or text.endswith(_NOT_HEADING_END)
        or _BULLET_START_RE.match(text)
    ):
        return False
    return line.size >= body_size * _HEADING_SIZE_RATIO or (line.bold and not bold_body and line.size >= body_size)


def _wrapped(previous: Line, line: Line, layout: PageLayout) -> bool:
    """Whether ``line`` goes on with the sentence of ``previous``: that line ran to the right edge of
    the text (it was wrapped, not ended), ends no sentence, and ``line`` starts no list item."""
    right = max(other.right for other in layout.lines)
    left = min(other.left for other in layout.lines)
    full = previous.right >= left + _FULL_LINE * (right - left)
    ended = previous.text.endswith(_SENTENCE_END) or _TOC_ENTRY_RE.search(previous.text)
    return full and not ended and not _ITEM_START_RE.match(line.text)


def _same_font(block: _Block, line: Line) -> bool:
    """Whether ``line`` continues the heading ``block`` (a title wrapped over two lines)."""
    return block.font == (line.size, line.bold)


def _note(pages: int, rows: int, unread: tuple[int, ...], ocr_read: list[int]) -> str:
    version = importlib.metadata.version("pypdfium2")
    note = f"text of {pages} page(s) extracted by pypdfium2 {version}, {rows} table row(s)"
    if ocr_read:
        note += f"; page(s) {', '.join(map(str, ocr_read))} read by OCR (tesseract)"
    if unread:
        note += f"; page(s) {', '.join(map(str, unread))} have no text layer and were not read"
    return note

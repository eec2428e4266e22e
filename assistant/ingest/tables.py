"""Table rows -> stored lines that keep their header: ``Code: 64617; Prior authorization: No``.

The same form for every source format (the ingest -> reader contract): one line per row, each
non-empty cell after its column's header, cells whitespace-collapsed; a table without a header row
has its cells joined by ``; ``. Markdown pipe tables are rewritten into that form here.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt


def table_lines(rows: Sequence[Sequence[str]], header: Sequence[str] | None) -> list[str]:
    """The stored lines of ``rows`` under ``header`` (None: no header row).

    Each row becomes ``Header A: cell; Header B: cell`` with empty cells left out; a cell under an
    empty header is written bare. A first row equal to ``header`` (a header repeated on a new page)
    is not a row.
    """
    cleaned = [[" ".join(cell.split()) for cell in row] for row in rows]
    names = [" ".join(cell.split()) for cell in header] if header is not None else None
    if names is not None and cleaned and [c.lower() for c in cleaned[0]] == [n.lower() for n in names]:
        cleaned = cleaned[1:]
    lines = []
    for row in cleaned:
        if names is None:
            line = "; ".join(cell for cell in row if cell)
        else:
            line = "; ".join(f"{name}: {cell}" if name else cell for name, cell in zip(names, row, strict=False) if cell)
        if line:
            lines.append(line)
    return lines


def markdown_tables(text: str) -> str:
    """``text`` (Markdown) with each pipe table replaced by its row lines, a blank line either side.

    A pipe table always has a header row (its first row, above the ``|---|`` line).
    """
    lines = text.split("\n")
    replacements: list[tuple[int, int, list[str]]] = []
    rows: list[list[str]] = []
    span: tuple[int, int] | None = None
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open" and token.map:
            span, rows = (token.map[0], token.map[1]), []
        elif span is not None and token.type == "tr_open":
            rows.append([])
        elif span is not None and token.type == "inline" and rows:
            rows[-1].append(token.content)
        elif span is not None and token.type == "table_close":
            if rows:
                replacements.append((span[0], span[1], ["", *table_lines(rows[1:], rows[0]), ""]))
            span = None
    for start, end, new in reversed(replacements):
        lines[start:end] = new
    return "\n".join(lines)

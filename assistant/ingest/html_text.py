"""An HTML page -> its main text as Markdown sections, plus the title, site and URL it declares.

trafilatura finds the main text (menus, headers, footers, scripts and styles dropped). Its
headings become Markdown headings so a citation names the section; a table becomes one
``Header: cell; ...`` line per row (``tables.table_lines``; header cells are those trafilatura marks
as ``<th>``); a list one ``- `` line per item; every other block one plain line, with anything that
would read as a heading escaped.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trafilatura

from assistant.errors import NoMainTextError
from assistant.ingest.chunking import escape_headings
from assistant.ingest.plain_text import metadata_text, tidy_text
from assistant.ingest.tables import table_lines


@dataclass(frozen=True)
class HtmlText:
    """What an HTML page gave: its main text (Markdown) and the metadata it declares."""

    text: str
    title: str | None
    publisher: str | None
    source_url: str | None
    note: str


def extract_html(path: Path, html: str, *, min_main_chars: int) -> HtmlText:
    """The main text of the page ``html`` read from ``path``, and its title, site and canonical URL.

    Raises:
        NoMainTextError: the page's main text is shorter than ``min_main_chars`` (a page that is
            mostly navigation, a login wall, a script-only page).
    """
    found = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    body = getattr(found, "body", None)
    text = tidy_text("\n\n".join(_blocks(body))) if body is not None else ""
    if len(text) < min_main_chars:
        visible = len(" ".join(trafilatura.html2txt(html).split()))
        raise NoMainTextError(
            f"{path}: only {len(text)} characters of main text were found among {visible} characters on the page "
            f"(at least {min_main_chars} are needed); it looks like mostly navigation, menus or boilerplate. Save "
            "the article itself (or its print view) as HTML, PDF or text and ingest that."
        )
    return HtmlText(
        text=text,
        title=metadata_text(getattr(found, "title", None)),
        publisher=metadata_text(getattr(found, "sitename", None)) or metadata_text(getattr(found, "author", None)),
        source_url=metadata_text(getattr(found, "url", None)),
        note=f"main text extracted by trafilatura {importlib.metadata.version('trafilatura')}",
    )


def _blocks(body: Any) -> list[str]:
    """One Markdown block per element of trafilatura's output tree (head, p, list, table, ...)."""
    blocks: list[str] = []
    for element in body:
        if element.tag == "head":
            level = str(element.get("rend", "h2")).removeprefix("h")
            hashes = "#" * (int(level) if level.isdigit() and 1 <= int(level) <= 6 else 2)
            title = _line(element)
            if title:
                blocks.append(f"{hashes} {title}")
        elif element.tag == "list":
            items = "\n".join(f"- {item}" for item in (_line(i) for i in element.findall("item")) if item)
            if blocks and blocks[-1].endswith(":"):  # the lead-in line stays just before its items
                blocks[-1] += "\n" + items
            else:
                blocks.append(items)
        elif element.tag == "table":
            rows = [row.findall("cell") for row in element.findall("row")]
            texts = [[_line(cell) for cell in row] for row in rows if row]
            headed = bool(rows) and bool(rows[0]) and all(cell.get("role") == "head" for cell in rows[0])
            blocks.append("\n".join(table_lines(texts[1:], texts[0]) if headed else table_lines(texts, None)))
        else:
            line = _line(element)
            if line:
                blocks.append(escape_headings(line))
    return [block for block in blocks if block.strip()]


def _line(element: Any) -> str:
    """The element's text on one line, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())

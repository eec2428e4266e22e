"""A source file (.md, .txt, .html/.htm, .pdf) -> clean text and the metadata it carries.

The text is the Markdown body of the corpus document that will be written: Markdown stays
Markdown, plain text stays plain (lines that would read as headings escaped), HTML keeps its main
text and headings, a PDF its text with tables as rows and page furniture left out, with the offset
where each page starts. Every format's characters are normalised (NFKC, no soft hyphens).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import frontmatter
import yaml

from assistant.errors import EmptySourceError, SourceError, SourceTooLargeError, UnsupportedSourceError
from assistant.ingest.chunking import escape_headings, split_sections
from assistant.ingest.documents import SourceFormat
from assistant.ingest.html_text import extract_html
from assistant.ingest.normalize import normalize_chars
from assistant.ingest.pdf_text import extract_pdf
from assistant.ingest.plain_text import decode_text, metadata_text, tidy_text
from assistant.ingest.tables import markdown_tables

FORMATS: dict[str, SourceFormat] = {
    ".md": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}


@dataclass(frozen=True)
class Extracted:
    """A source file's text (the document body) and what the file says about itself."""

    path: Path
    source_format: SourceFormat
    text: str
    title: str | None
    publisher: str | None
    source_url: str | None
    note: str
    page_starts: tuple[int, ...] = ()
    pages_without_text: tuple[int, ...] = ()


def source_files(paths: Iterable[Path]) -> list[Path | SourceError]:
    """Each file named, and the supported files found under each folder named (recursively, sorted).

    A named file of another type, or a missing path, is returned as its error so the caller can
    report it and go on with the others.
    """
    found: list[Path | SourceError] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)
            found.extend(inside or [SourceError(f"{path}: the folder holds no .md, .txt, .html, .htm or .pdf files.")])
        elif not path.exists():
            found.append(SourceError(f"{path}: no such file or folder."))
        elif path.suffix.lower() not in FORMATS:
            found.append(_unsupported(path))
        else:
            found.append(path)
    return found


def extract_source(
    path: Path, *, encoding: str | None, max_bytes: int, min_main_chars: int, ocr: bool = False
) -> Extracted:
    """Read ``path`` and extract its text and metadata according to its extension.

    With ``ocr``, a PDF's pages without a text layer are read by tesseract.

    Raises:
        UnsupportedSourceError: the extension is not .md, .txt, .html, .htm or .pdf.
        SourceTooLargeError: the file is over ``max_bytes``.
        EmptySourceError: the file is empty or holds no text.
        SourceEncodingError: a text file is not UTF-8 (or not ``encoding``).
        NoMainTextError, ScannedPdfError, EncryptedPdfError, CorruptPdfError, OcrError: see their modules.
        SourceError: the file cannot be read.
    """
    extracted = _extract(path, encoding=encoding, max_bytes=max_bytes, min_main_chars=min_main_chars, ocr=ocr)
    if extracted.publisher is None:
        extracted = replace(extracted, publisher=labelled_publisher(extracted.text))
    return extracted


# A publisher a document states in a field of its own: "Contractor Name: Novitas Solutions, Inc."
# (every Medicare LCD and billing article), "Publisher: ...", "Published by ...".
_PUBLISHER_FIELD = re.compile(
    r"^[ \t]*(?:(?:Contractor Name|Publisher)[ \t]*:|Published by:?)[ \t]*([^;|\n]{3,80}?)[ \t]*(?:[;|\n]|$)",
    re.IGNORECASE | re.MULTILINE,
)
_PUBLISHER_SEARCHED = 20_000  # characters: the field sits on the first pages


def labelled_publisher(text: str) -> str | None:
    """The publisher ``text`` names in a field of its own near its start ("Contractor Name:
    Novitas Solutions, Inc." -> "Novitas Solutions, Inc."), or None when it names none."""
    match = _PUBLISHER_FIELD.search(text[:_PUBLISHER_SEARCHED])
    return match.group(1).strip() if match else None


def _extract(path: Path, *, encoding: str | None, max_bytes: int, min_main_chars: int, ocr: bool) -> Extracted:
    """``extract_source`` before a publisher is looked for in the text."""
    source_format = FORMATS.get(path.suffix.lower())
    if source_format is None:
        raise _unsupported(path)
    data = _read_bytes(path, max_bytes)
    if source_format == "pdf":
        pdf = extract_pdf(path, data, ocr=ocr)
        return Extracted(
            path, "pdf", pdf.text, pdf.title, pdf.author, None, pdf.note, pdf.page_starts, pdf.pages_without_text
        )
    text = decode_text(path, data, encoding)
    if source_format == "html":
        html = extract_html(path, text, min_main_chars=min_main_chars)
        return Extracted(path, "html", normalize_chars(html.text), html.title, html.publisher, html.source_url, html.note)
    if source_format == "markdown":
        return _markdown(path, text)
    body = _non_empty(path, escape_headings(tidy_text(normalize_chars(text))))
    return Extracted(path, "text", body, None, None, None, "plain text")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceTooLargeError(
                f"{path}: the file is {size:,} bytes, over the {max_bytes:,}-byte limit for a source "
                "(setting ASSISTANT_MAX_SOURCE_BYTES). Split it, or raise the limit if you trust the file."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if not data:
        raise EmptySourceError(f"{path}: the file is empty (0 bytes); there is nothing to ingest.")
    return data


def _markdown(path: Path, text: str) -> Extracted:
    """Markdown as written; front matter, when present, lends its title, publisher and URL."""
    metadata: dict[str, object] = {}
    if text.lstrip("\ufeff").startswith("---"):
        try:
            post = frontmatter.loads(text)
        except yaml.YAMLError as exc:
            raise SourceError(f"{path}: its front matter is not valid YAML ({exc}); fix or remove it.") from exc
        metadata, text = dict(post.metadata), post.content
    body = _non_empty(path, tidy_text(markdown_tables(normalize_chars(text))))
    headings = [s.title for s in split_sections(body) if s.title]
    return Extracted(
        path,
        "markdown",
        body,
        metadata_text(metadata.get("title")) or (headings[0] if headings else None),
        metadata_text(metadata.get("publisher")),
        metadata_text(metadata.get("source_url")),
        "Markdown read as written",
    )


def _non_empty(path: Path, text: str) -> str:
    if not text.strip():
        raise EmptySourceError(f"{path}: the file has no text (only whitespace or front matter); there is nothing to ingest.")
    return text


def _unsupported(path: Path) -> UnsupportedSourceError:
    suffix = path.suffix or "(no extension)"
    return UnsupportedSourceError(
        f"{path}: unsupported file type {suffix}; ingest reads .md, .txt, .html, .htm and .pdf files. "
        "Save it in one of those formats first."
    )

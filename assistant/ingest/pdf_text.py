"""A PDF -> its text page by page, each page under a ``## Page N`` heading so citations name it."""

from __future__ import annotations

import importlib.metadata
import io
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from assistant.errors import CorruptPdfError, EncryptedPdfError, ScannedPdfError
from assistant.ingest.chunking import escape_headings
from assistant.ingest.plain_text import metadata_text, tidy_text


@dataclass(frozen=True)
class PdfText:
    """What a PDF gave: its pages' text as Markdown sections and its /Title and /Author."""

    text: str
    title: str | None
    author: str | None
    pages: int
    note: str


def extract_pdf(path: Path, data: bytes) -> PdfText:
    """The text of every page of the PDF ``data`` read from ``path``, with its metadata.

    Raises:
        EncryptedPdfError: the PDF needs a password to open.
        CorruptPdfError: the bytes cannot be parsed as a PDF.
        ScannedPdfError: no page has extractable text (scanned images).
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedPdfError(_password_message(path))
        pages = [join_wrapped_lines(tidy_text(page.extract_text())) for page in reader.pages]
        metadata = reader.metadata
        title = metadata_text(metadata.title) if metadata else None
        author = metadata_text(metadata.author) if metadata else None
    except EncryptedPdfError:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedPdfError(_password_message(path)) from exc
    # pypdf raises many exception types on malformed files, not only its own PyPdfError.
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise CorruptPdfError(
            f"{path}: cannot be read as a PDF ({type(exc).__name__}: {exc}); the file is damaged or not a PDF. "
            "Download or export it again and retry."
        ) from exc
    sections = [f"## Page {number}\n\n{escape_headings(text)}" for number, text in enumerate(pages, start=1) if text]
    if not sections:
        raise ScannedPdfError(
            f"{path}: none of its {len(pages)} page(s) has extractable text; it looks like a scanned image. "
            "Run OCR on it (for example with ocrmypdf) or get a text PDF, then ingest that."
        )
    return PdfText(
        text="\n\n".join(sections),
        title=title,
        author=author,
        pages=len(pages),
        note=f"text of {len(pages)} page(s) extracted by pypdf {importlib.metadata.version('pypdf')}",
    )


def join_wrapped_lines(text: str) -> str:
    """``text`` with the PDF's line wraps inside sentences undone: a line break after a word that ends
    no sentence, before a lower-case word, becomes a space ("written for\nautomated tests.")."""
    return _WRAPPED.sub(" ", text)


_WRAPPED = re.compile(r"(?<=[^\s.:;!?])[ \t]*\n[ \t]*(?=[a-z(])")


def _password_message(path: Path) -> str:
    return (
        f"{path}: the PDF is password-protected; it cannot be read without its password. "
        "Save an unprotected copy (print to PDF, or remove the password in your PDF tool) and ingest that."
    )

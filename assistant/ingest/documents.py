"""Read corpus documents: Markdown files with YAML front matter describing their provenance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from assistant.errors import CorpusError
from assistant.ingest.injection import flagged_spans
from assistant.models import UNKNOWN_PUBLISHER, Document, MetadataField

DOC_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
SourceFormat = Literal["markdown", "text", "html", "pdf"]


class FrontMatter(BaseModel):
    """The provenance header every corpus document carries."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=DOC_ID_PATTERN, description="Stable URL-safe slug, no slash.")
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    source_url: HttpUrl | None = None
    codes: list[str] = Field(default_factory=list, description="The codes the document is about.")
    added: dt.date
    provenance: str | None = None
    # Set by `assistant ingest` (absent on curated documents such as the seed publication).
    updated: dt.date | None = Field(None, description="When the latest version was ingested.")
    version: int | None = Field(None, ge=1, description="1 when first ingested, +1 for each changed text.")
    effective: dt.date | None = Field(None, description="From when the source says it applies.")
    content_hash: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="sha256 of the text below.")
    source_file: str | None = Field(None, min_length=1, description="Name of the file the text was taken from.")
    source_format: SourceFormat | None = None
    from_file: list[MetadataField] | None = Field(
        None,
        description="Which of title, publisher, source_url were read from the file itself, not given with flags "
        "or a manifest ([] when all were given); absent on curated documents.",
    )
    pages: list[int] | None = Field(None, description="A PDF's page starts: offset in the text of pages 1..n.")
    pages_without_text: list[int] | None = Field(None, description="Pages with no text layer, not read (1-based).")
    # Versions under different ids (`assistant ingest --replaces OLD`): the new document names the old
    # one, the old one names its successor and stays on disk for its history, out of the index.
    supersedes: str | None = Field(None, pattern=DOC_ID_PATTERN, description="Id of the document this one replaced.")
    superseded_by: str | None = Field(
        None, pattern=DOC_ID_PATTERN, description="Id of the document that replaced this one (then left out of the index)."
    )
    superseded_on: dt.date | None = Field(None, description="When this document was superseded.")

    @property
    def ingested(self) -> bool:
        """True for a document written by `assistant ingest`, False for a curated one."""
        return self.content_hash is not None


def front_matter_data(header: FrontMatter) -> dict[str, object]:
    """The header as YAML-ready values, unset fields left out (dates stay dates, the URL a string)."""
    data = header.model_dump(exclude_none=True)
    if header.source_url is not None:
        data["source_url"] = str(header.source_url)
    return data


def read_document(path: Path) -> Document:
    """Parse one Markdown document; its text (front matter excluded) is what citations index into.

    Raises:
        CorpusError: the file is unreadable or its front matter is missing or invalid.
    """
    header, content = read_document_parts(path)
    return document_from(header, content, path)


def document_from(header: FrontMatter, content: str, path: Path) -> Document:
    """The :class:`Document` of a parsed file (its front matter and text)."""
    return Document(
        doc_id=header.id,
        title=header.title,
        publisher=header.publisher,
        source_url=str(header.source_url) if header.source_url else None,
        codes=tuple(header.codes),
        added=header.added.isoformat(),
        text=content,
        path=str(path),
        page_starts=tuple(header.pages or ()),
        pages_without_text=tuple(header.pages_without_text or ()),
        ingested=header.ingested,
        from_file=metadata_from_file(header),
        flagged=flagged_spans(content),
    )


def metadata_from_file(header: FrontMatter) -> tuple[MetadataField, ...]:
    """The metadata fields of a document that its file claimed rather than a person gave.

    A document ingested before provenance was recorded (no ``from_file``) is not vouched for: its
    title, URL and publisher (unless ``unknown``) count as the file's; ingest it again with flags
    to record what was given. Curated documents are the project's own: nothing is from a file.
    """
    if header.from_file is not None:
        return tuple(header.from_file)
    if not header.ingested:
        return ()
    fields: list[MetadataField] = ["title"]
    if header.publisher != UNKNOWN_PUBLISHER:
        fields.append("publisher")
    if header.source_url is not None:
        fields.append("source_url")
    return tuple(fields)


def read_document_parts(path: Path) -> tuple[FrontMatter, str]:
    """The validated front matter of one document and its text.

    Raises:
        CorpusError: the file is unreadable or its front matter is missing or invalid.
    """
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read as UTF-8 text ({exc}).") from exc
    if not raw.startswith("---"):
        raise CorpusError(f"{path}: no YAML front matter; the file must start with a '---' line.")
    try:
        post = frontmatter.loads(raw)
        header = FrontMatter.model_validate(post.metadata)
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: front matter is not valid YAML ({exc}).") from exc
    except ValidationError as exc:
        raise CorpusError(f"{path}: invalid front matter: {_first_errors(exc)}") from exc
    if not post.content.strip():
        raise CorpusError(f"{path}: the document has front matter but no text.")
    starts = header.pages or []
    if starts != sorted(starts) or any(not 0 <= start <= len(post.content) for start in starts):
        raise CorpusError(
            f"{path}: front matter 'pages' must be page start offsets in increasing order within the text "
            f"(0..{len(post.content)}); got {starts[:5]}{'...' if len(starts) > 5 else ''}."
        )
    return header, post.content


def read_documents(folder: Path, *, current_only: bool = False) -> list[Document]:
    """Read every ``*.md`` document under ``folder``, sorted by path; ids must be unique.

    Args:
        folder: the corpus's documents folder.
        current_only: leave out superseded documents (front matter ``superseded_by``), as the
            index does: their text is history, never quoted as current.

    Raises:
        CorpusError: the folder is missing, empty, or two documents share an id.
    """
    if not folder.is_dir():
        raise CorpusError(f"{folder}: documents folder not found.")
    parsed = [(path, *read_document_parts(path)) for path in sorted(folder.glob("*.md"))]
    if not parsed:
        raise CorpusError(f"{folder}: no *.md documents found.")
    seen: dict[str, Path] = {}
    for path, header, _ in parsed:
        if header.id in seen:
            raise CorpusError(f"{path}: id {header.id!r} is already used by {seen[header.id]}.")
        seen[header.id] = path
    return [
        document_from(header, content, path)
        for path, header, content in parsed
        if not (current_only and header.superseded_by)
    ]


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    """Summarise pydantic errors as 'field: message' pairs."""
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:limit]
    ]
    return "; ".join(parts)

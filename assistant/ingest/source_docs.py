"""Extracted source text -> the corpus document to write: id, front matter, version, or nothing to do.

Metadata comes from the command's flags, else from the file itself, else from the previous version
of the document, else from defaults (title from the file name, publisher ``unknown``). What the file
claimed about itself (or its name gave) is recorded in ``from_file``: a file that says it is from CMS
is not vouched for by the person who ingested it. The codes are those the text names (the project's
own code recognition), outside the lines that address a model, unless ``--codes`` lists them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import frontmatter
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter, ValidationError
from slugify import slugify

from assistant.codes import SUBJECT_CODE_KINDS, code_value, find_codes
from assistant.errors import SourceError
from assistant.ingest.catalog import StoredDocument
from assistant.ingest.documents import DOC_ID_PATTERN, FrontMatter, front_matter_data
from assistant.ingest.extract import Extracted
from assistant.ingest.injection import flagged_spans, unflagged_text
from assistant.models import UNKNOWN_PUBLISHER, MetadataField

Action = Literal["added", "new version", "metadata updated", "unchanged"]
_URL = TypeAdapter(HttpUrl)


class Overrides(BaseModel):
    """Metadata given on the command line; None (or empty) leaves it to the file or defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str | None = Field(None, pattern=DOC_ID_PATTERN)
    title: str | None = Field(None, min_length=1)
    publisher: str | None = Field(None, min_length=1)
    source_url: HttpUrl | None = None
    codes: tuple[str, ...] | None = None
    effective: dt.date | None = None
    replaces: str | None = Field(None, pattern=DOC_ID_PATTERN)


@dataclass(frozen=True)
class PlannedDocument:
    """What ingesting one file does to the corpus: the document file and its content."""

    action: Action
    path: Path
    header: FrontMatter
    text: str

    def render(self) -> str:
        """The document file: YAML front matter (safely dumped) then the text, verbatim."""
        post = frontmatter.Post(self.text)
        post.metadata.update(front_matter_data(self.header))
        return frontmatter.dumps(post, sort_keys=False) + "\n"


def document_id(path: Path, overrides: Overrides) -> str:
    """The id a file is ingested as: ``--id``, else the slug of its file name.

    Raises:
        SourceError: the file name has no letters or digits to make an id from.
    """
    if overrides.doc_id:
        return overrides.doc_id
    slug = slugify(path.stem, max_length=128)
    if not slug:
        raise SourceError(f"{path}: cannot make an id from the file name; pass --id.")
    return slug


def subject_codes(text: str) -> list[str]:
    """The CPT, HCPCS, ICD-10-CM and NUCC codes ``text`` names, in order of first mention."""
    codes: list[str] = []
    for match in find_codes(text):
        value = code_value(match.key)
        if match.key.split(":", 1)[0] in SUBJECT_CODE_KINDS and value not in codes:
            codes.append(value)
    return codes


def plan_document(
    extracted: Extracted,
    overrides: Overrides,
    *,
    doc_id: str,
    target: Path,
    existing: StoredDocument | None,
    today: dt.date,
) -> PlannedDocument:
    """Decide what ingesting ``extracted`` as ``doc_id`` does: add it, version it, or nothing.

    An unchanged text with unchanged metadata is ``unchanged``; the same text with new metadata
    is ``metadata updated`` (same version); a changed text is a ``new version`` (version + 1,
    ``added`` kept, ``updated`` set). ``overrides.replaces`` is recorded as ``supersedes`` (the
    caller marks the replaced document); ``superseded_by`` of an existing document is kept.

    Raises:
        SourceError: ``doc_id`` belongs to a curated document that ``assistant ingest`` did not write.
    """
    previous = existing.header if existing else None
    if existing is not None and previous is not None and not previous.ingested:
        raise SourceError(
            f"{extracted.path}: id {doc_id!r} is already used by {existing.path}, a curated document not added "
            "by `assistant ingest`; pass --id to ingest this file under another id."
        )
    content_hash = hashlib.sha256(extracted.text.encode("utf-8")).hexdigest()
    described = {
        "title": overrides.title or _claim(extracted.title) or (previous.title if previous else None) or _title_from(extracted.path),
        "publisher": overrides.publisher or _claim(extracted.publisher) or (previous.publisher if previous else UNKNOWN_PUBLISHER),
        "source_url": overrides.source_url or _url(extracted.source_url) or (previous.source_url if previous else None),
        "codes": list(overrides.codes) if overrides.codes else subject_codes(
            unflagged_text(extracted.text, flagged_spans(extracted.text))
        ),
        "effective": overrides.effective or (previous.effective if previous else None),
        "supersedes": overrides.replaces or (previous.supersedes if previous else None),
        "from_file": _from_file(extracted, overrides, previous),
    }
    provenance = f"Ingested with `assistant ingest` from {extracted.path.name} ({extracted.note})."
    common = {"id": doc_id, **described, "content_hash": content_hash, "source_file": extracted.path.name,
              "source_format": extracted.source_format, "provenance": provenance,
              "pages": list(extracted.page_starts) or None,
              "pages_without_text": list(extracted.pages_without_text) or None}
    if previous is not None:  # being superseded is the corpus's doing, not the file's: kept across versions
        common |= {"superseded_by": previous.superseded_by, "superseded_on": previous.superseded_on}
    if previous is None:
        header = FrontMatter.model_validate({**common, "added": today, "version": 1})
        return PlannedDocument("added", target, header, extracted.text)
    if previous.content_hash == content_hash:
        if all(getattr(previous, name) == value for name, value in described.items()):
            return PlannedDocument("unchanged", target, previous, extracted.text)
        header = FrontMatter.model_validate(
            {**common, "added": previous.added, "updated": today, "version": previous.version or 1}
        )
        return PlannedDocument("metadata updated", target, header, extracted.text)
    header = FrontMatter.model_validate(
        {**common, "added": previous.added, "updated": today, "version": (previous.version or 1) + 1}
    )
    return PlannedDocument("new version", target, header, extracted.text)


def _from_file(extracted: Extracted, overrides: Overrides, previous: FrontMatter | None) -> list[MetadataField]:
    """Which of title, publisher and source_url the planned header takes from the file (its contents
    or its name) rather than from the flags; a value kept from the previous version keeps its origin."""
    before = set(previous.from_file if previous and previous.from_file is not None else ("title", "publisher", "source_url"))
    origins: dict[MetadataField, bool] = {
        "title": not overrides.title and (bool(_claim(extracted.title)) or previous is None or "title" in before),
        "publisher": not overrides.publisher and (
            bool(_claim(extracted.publisher)) or (previous is not None and previous.publisher != UNKNOWN_PUBLISHER and "publisher" in before)
        ),
        "source_url": not overrides.source_url and (
            _url(extracted.source_url) is not None or (previous is not None and previous.source_url is not None and "source_url" in before)
        ),
    }
    return [name for name, from_file in origins.items() if from_file]


def _claim(value: str | None) -> str | None:
    """A title or publisher the file gives, unless it reads as a line addressed to a model."""
    return None if value is None or flagged_spans(value) else value


def _title_from(path: Path) -> str:
    """A readable title from a file name: ``payer_policy-64615.pdf`` -> ``payer policy 64615``."""
    return " ".join(path.stem.replace("_", " ").replace("-", " ").split()) or path.name


def _url(value: str | None) -> HttpUrl | None:
    """``value`` as an http(s) URL, or None when it is missing or not one (a relative link)."""
    if not value:
        return None
    try:
        return _URL.validate_python(value)
    except ValidationError:
        return None

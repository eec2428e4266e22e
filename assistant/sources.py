"""The corpus's own sources: ingest files, list, show and remove documents, then rebuild the index.

Every change to corpus/ is one ``ChangeSet``: when the rebuild that follows fails (a fact no longer
finds its quote in a new version, an id clashes ...) the files are put back as they were, so the
corpus and the index never disagree and nothing is left half-written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.errors import NotFoundError, SourceError, SourceRemovalError
from assistant.fileio import ChangeSet
from assistant.ingest.catalog import StoredDocument, drop_facts, facts_citing, stored_documents
from assistant.ingest.corpus import load_corpus
from assistant.ingest.documents import FrontMatter
from assistant.ingest.extract import extract_source
from assistant.ingest.references import read_references
from assistant.ingest.source_docs import Overrides, PlannedDocument, document_id, plan_document
from assistant.models import DocumentKind
from assistant.pipeline import BuildReport, build_index


@dataclass(frozen=True)
class SourceSummary:
    """One document of the corpus as `assistant sources` shows it."""

    doc_id: str
    title: str
    publisher: str
    kind: DocumentKind
    origin: str
    version: int | None
    chunks: int
    facts: int
    path: str
    header: FrontMatter | None


@dataclass(frozen=True)
class Removal:
    """What removing a source changes: the files touched and the facts removed with it."""

    doc_id: str
    changes: ChangeSet
    facts: dict[Path, list[str]] = field(default_factory=dict)


class IngestRun:
    """One ``assistant ingest`` call: files are ingested one at a time into one undoable change."""

    def __init__(
        self, settings: Settings, overrides: Overrides, *, encoding: str | None, today: dt.date, ocr: bool = False
    ) -> None:
        """Read the documents already in the corpus (a CorpusError if one is invalid); with ``ocr``,
        PDF pages without a text layer are read by tesseract."""
        self.settings = settings
        self.ocr = ocr
        self.overrides = overrides
        self.encoding = encoding
        self.today = today
        self.changes = ChangeSet()
        self._folder = settings.corpus_dir / "documents"
        self._documents = stored_documents(self._folder)
        self._ingested: dict[str, Path] = {}

    def ingest(self, path: Path) -> PlannedDocument:
        """Extract ``path`` and write it as a corpus document (nothing is written when unchanged).

        Raises:
            SourceError: the file cannot be ingested; the message names it and says why.
        """
        doc_id = document_id(path, self.overrides)
        if doc_id in self._ingested:
            raise SourceError(
                f"{path}: its id {doc_id!r} is also the id of {self._ingested[doc_id]} in this run; "
                "ingest it on its own with --id."
            )
        extracted = extract_source(
            path,
            encoding=self.encoding,
            max_bytes=self.settings.max_source_bytes,
            min_main_chars=self.settings.min_main_text_chars,
            ocr=self.ocr,
        )
        existing = self._documents.get(doc_id)
        plan = plan_document(
            extracted,
            self.overrides,
            doc_id=doc_id,
            target=existing.path if existing else self._folder / f"{doc_id}.md",
            existing=existing,
            today=self.today,
        )
        self._ingested[doc_id] = path
        if plan.action != "unchanged":
            self.changes.write_text(plan.path, plan.render())
            self._documents[doc_id] = StoredDocument(plan.path, plan.header, plan.text)
        return plan


def remove_source(settings: Settings, doc_id: str, *, force: bool) -> Removal:
    """Delete an ingested document (and, with ``force``, the quoted facts citing it).

    Raises:
        NotFoundError: no document has this id.
        SourceRemovalError: the document is curated (the seed publication) or a generated reference
            document, or quoted facts cite it and ``force`` is false (the message names them).
    """
    stored = stored_documents(settings.corpus_dir / "documents").get(doc_id)
    if stored is None:
        references, _ = read_references(settings.corpus_dir / "references")
        generated = next((d for d in references if d.doc_id == doc_id), None)
        if generated is not None:
            raise SourceRemovalError(
                f"{doc_id!r} is a reference document generated from {generated.path} at build time, not a file "
                "in corpus/documents; it is not removed. Edit that references file to change it."
            )
        raise NotFoundError(f"No source with id {doc_id!r}; `assistant sources list` shows the ids.")
    if not stored.header.ingested:
        raise SourceRemovalError(
            f"{doc_id!r} ({stored.path}) is a curated publication (the project's seed), not a source added with "
            "`assistant ingest`; it is not removed."
        )
    citing = facts_citing(settings.corpus_dir / "facts", doc_id)
    if citing and not force:
        named = "; ".join(f"{path}: {', '.join(ids)}" for path, ids in citing.items())
        raise SourceRemovalError(
            f"{doc_id!r} is quoted by facts in corpus/facts ({named}); nothing was removed. Remove those facts "
            "first, or pass --force to remove them together with the document."
        )
    changes = ChangeSet()
    for path in citing:
        drop_facts(path, doc_id, changes)
    changes.delete(stored.path)
    return Removal(doc_id, changes, citing)


def rebuild_or_undo(settings: Settings, changes: ChangeSet, embedder: Callable[[], Embedder]) -> BuildReport:
    """Rebuild the index after ``changes``; if that fails, undo the changes and re-raise.

    Raises:
        AssistantError: whatever the rebuild raised (the corpus files are already restored).
    """
    try:
        return build_index(settings, embedder(), show_progress=False)
    except BaseException:
        changes.undo()
        raise


def list_sources(settings: Settings) -> list[SourceSummary]:
    """Every document the index is built from (files and generated references) with its counts.

    Raises:
        CorpusError: the corpus is invalid.
    """
    corpus = load_corpus(settings.corpus_dir, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    stored = stored_documents(settings.corpus_dir / "documents")
    chunks = Counter(p.doc_id for p in corpus.passages if p.kind == "chunk")
    facts = Counter(f.doc_id for f in corpus.facts)
    summaries = []
    for document in corpus.documents:
        header = stored[document.doc_id].header if document.doc_id in stored else None
        if header is None:
            origin = "generated"
        elif header.ingested:
            origin = f"ingested {header.source_format}"
        else:
            origin = "curated"
        summaries.append(
            SourceSummary(
                doc_id=document.doc_id,
                title=document.title,
                publisher=document.publisher,
                kind=document.kind,
                origin=origin,
                version=header.version if header else None,
                chunks=chunks[document.doc_id],
                facts=facts[document.doc_id],
                path=document.path,
                header=header,
            )
        )
    return summaries


def show_source(settings: Settings, doc_id: str) -> SourceSummary:
    """One document's summary and front matter.

    Raises:
        NotFoundError: no document has this id.
        CorpusError: the corpus is invalid.
    """
    for summary in list_sources(settings):
        if summary.doc_id == doc_id:
            return summary
    raise NotFoundError(f"No source with id {doc_id!r}; `assistant sources list` shows the ids.")

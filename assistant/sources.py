"""The corpus's own sources: ingest files, list, show and remove documents, then rebuild the index.

Every change to corpus/ is one ``ChangeSet``: when the rebuild that follows fails (a fact no longer
finds its quote in a new version, an id clashes ...) the files are put back as they were, so the
corpus and the index never disagree and nothing is left half-written. The command line passes a
journalled change set (``assistant.store.recovery.corpus_transaction``), so that holds even when
the process is killed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.errors import DuplicateSourceError, NotFoundError, SourceError, SourceRemovalError
from assistant.faults import fault_point
from assistant.fileio import ChangeSet
from assistant.ingest.catalog import StoredDocument, drop_facts, facts_citing, stored_documents
from assistant.ingest.documents import FrontMatter
from assistant.ingest.extract import extract_source
from assistant.ingest.injection import FlaggedLine, flag_lines
from assistant.ingest.references import read_references
from assistant.ingest.source_docs import Overrides, PlannedDocument, document_id, plan_document
from assistant.ingest.versions import CorpusTexts, Resemblance, version_chain
from assistant.models import DocumentKind, MetadataField, Provenance
from assistant.pipeline import BuildReport, build_index, read_corpus


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
    history: tuple[FrontMatter, ...] = ()
    from_file: tuple[MetadataField, ...] = ()
    flagged: tuple[FlaggedLine, ...] = ()

    @property
    def provenance(self) -> Provenance:
        """``from_file`` when its title, publisher or URL is the file's own claim, else ``given``."""
        return "from_file" if self.from_file else "given"


@dataclass(frozen=True)
class Removal:
    """What removing a source changes: the files touched, the facts removed with it, and the
    version it had replaced (``restored``: current again), if any."""

    doc_id: str
    changes: ChangeSet
    facts: dict[Path, list[str]] = field(default_factory=dict)
    restored: str | None = None


@dataclass(frozen=True)
class Ingested:
    """What ingesting one file did.

    ``replaced``: the id it superseded (``--replaces``); ``resembles``: current documents of the
    same publisher it shares most of its wording with (likely older versions, only for a new
    document without ``--replaces``); ``duplicate_of``: the id with the same text, when allowed.
    """

    plan: PlannedDocument
    replaced: str | None = None
    resembles: tuple[Resemblance, ...] = ()
    duplicate_of: str | None = None


class IngestRun:
    """One ``assistant ingest`` call: files are ingested one at a time into one undoable change."""

    def __init__(
        self, settings: Settings, overrides: Overrides, *, encoding: str | None, today: dt.date,
        allow_duplicate: bool = False, ocr: bool = False, changes: ChangeSet | None = None,
    ) -> None:
        """Read the documents already in the corpus (a CorpusError if one is invalid).

        ``overrides`` apply to every file unless :meth:`ingest` is given its own (a manifest entry);
        ``allow_duplicate`` accepts a text that is already in the corpus under another id; with
        ``ocr``, PDF pages without a text layer are read by tesseract. Files are written through
        ``changes`` (a new plain ``ChangeSet`` when None).
        """
        self.settings = settings
        self.ocr = ocr
        self.overrides = overrides
        self.encoding = encoding
        self.today = today
        self.allow_duplicate = allow_duplicate
        self.changes = changes if changes is not None else ChangeSet()
        self._folder = settings.corpus_dir / "documents"
        self._documents = stored_documents(self._folder)
        self._texts = CorpusTexts(self._documents)
        self._ingested: dict[str, Path] = {}

    def ingest(self, path: Path, overrides: Overrides | None = None) -> Ingested:
        """Extract ``path`` and write it as a corpus document (nothing is written when unchanged).

        With ``replaces`` in the overrides, the document of that id is marked superseded by this
        one (front matter ``superseded_by``), which leaves it out of the index.

        Raises:
            DuplicateSourceError: the same text is already in the corpus under another id (and
                ``allow_duplicate`` is off); the message names that document.
            SourceError: the file cannot be ingested; the message names it and says why.
        """
        chosen = overrides or self.overrides
        doc_id = document_id(path, chosen)
        if doc_id in self._ingested:
            raise SourceError(
                f"{path}: its id {doc_id!r} is also the id of {self._ingested[doc_id]} in this run; "
                "ingest it on its own with --id."
            )
        replaced = self._replaceable(path, chosen.replaces, doc_id) if chosen.replaces else None
        extracted = extract_source(
            path,
            encoding=self.encoding,
            max_bytes=self.settings.max_source_bytes,
            min_main_chars=self.settings.min_main_text_chars,
            ocr=self.ocr,
        )
        fault_point("ingest.extracted")
        existing = self._documents.get(doc_id)
        same = self._texts.same_text(extracted.text, other_than={doc_id, *([replaced.header.id] if replaced else [])})
        if same is not None and not self.allow_duplicate:
            raise DuplicateSourceError(_duplicate_message(path, same))
        plan = plan_document(
            extracted,
            chosen,
            doc_id=doc_id,
            target=existing.path if existing else self._folder / f"{doc_id}.md",
            existing=existing,
            today=self.today,
        )
        if existing is not None and existing.header.superseded_by and plan.action == "new version":
            raise SourceError(
                f"{path}: {doc_id!r} was superseded by {existing.header.superseded_by!r}; a newer text belongs "
                f"under the current version: ingest it with --id {existing.header.superseded_by}, or under a new "
                f"id with --replaces {existing.header.superseded_by}."
            )
        resembles: tuple[Resemblance, ...] = ()
        if replaced is None and plan.action == "added" and same is None:
            resembles = tuple(self._texts.likely_older_versions(plan.text, plan.header.publisher, other_than={doc_id}))
        self._ingested[doc_id] = path
        if plan.action != "unchanged":
            self._write(StoredDocument(plan.path, plan.header, plan.text), plan.render())
        if replaced is not None and replaced.header.superseded_by != doc_id:
            header = replaced.header.model_copy(update={"superseded_by": doc_id, "superseded_on": self.today})
            old = PlannedDocument("metadata updated", replaced.path, header, replaced.text)
            self._write(StoredDocument(old.path, old.header, old.text), old.render())
        return Ingested(plan, replaced.header.id if replaced else None, resembles, same.header.id if same else None)

    def _write(self, stored: StoredDocument, rendered: str) -> None:
        self.changes.write_text(stored.path, rendered)
        self._documents[stored.header.id] = stored
        self._texts.update(stored)

    def _replaceable(self, path: Path, old_id: str, doc_id: str) -> StoredDocument:
        """The document ``old_id`` when ``doc_id`` may supersede it.

        Raises:
            SourceError: it does not exist, is this very id, is curated, already superseded by
                another document, or quoted by facts (which would lose their document).
        """
        if old_id == doc_id:
            raise SourceError(
                f"{path}: --replaces names its own id {doc_id!r}; a changed file under the same id already becomes "
                "its next version. Leave out --replaces, or give the new file another id with --id."
            )
        old = self._documents.get(old_id)
        if old is None:
            raise SourceError(f"{path}: --replaces {old_id!r}: no document has that id; `assistant sources list` shows the ids.")
        if not old.header.ingested:
            raise SourceError(
                f"{path}: --replaces {old_id!r}: it is a curated publication ({old.path}), not a source added with "
                "`assistant ingest`; it cannot be superseded."
            )
        if old.header.superseded_by and old.header.superseded_by != doc_id:
            raise SourceError(
                f"{path}: --replaces {old_id!r}: it is already superseded by {old.header.superseded_by!r}; "
                f"replace that one instead (--replaces {old.header.superseded_by})."
            )
        citing = facts_citing(self.settings.corpus_dir / "facts", old_id)
        if citing:
            named = "; ".join(f"{p}: {', '.join(ids)}" for p, ids in citing.items())
            raise SourceError(
                f"{path}: --replaces {old_id!r}: quoted facts cite it ({named}); a superseded document is left out "
                "of the index, so those facts would lose their quote. Move them to the new document first."
            )
        return old


def _duplicate_message(path: Path, same: StoredDocument) -> str:
    header = same.header
    where = f"{header.id!r} ({same.path}"
    where += f", from {header.source_file})" if header.source_file else ")"
    if header.superseded_by:
        where += f", an old version superseded by {header.superseded_by!r}"
    return (
        f"{path}: the same text is already in the corpus as {where}; nothing was written. Pass --allow-duplicate "
        "to add it again under another id anyway."
    )


def remove_source(settings: Settings, doc_id: str, *, force: bool, changes: ChangeSet | None = None) -> Removal:
    """Delete an ingested document (and, with ``force``, the quoted facts citing it).

    When the document had superseded another (``--replaces``), that older version becomes
    current again (``Removal.restored``). Files change through ``changes`` (a new plain
    ``ChangeSet`` when None), so the caller can undo them.

    Raises:
        NotFoundError: no document has this id.
        SourceRemovalError: the document is curated (the seed publication) or a generated reference
            document, or quoted facts cite it and ``force`` is false (the message names them).
    """
    documents = stored_documents(settings.corpus_dir / "documents")
    stored = documents.get(doc_id)
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
    changes = changes if changes is not None else ChangeSet()
    for path in citing:
        drop_facts(path, doc_id, changes)
    changes.delete(stored.path)
    older = documents.get(stored.header.supersedes or "")
    if older is not None and older.header.superseded_by == doc_id:  # the version it replaced is current again
        header = older.header.model_copy(update={"superseded_by": None, "superseded_on": None})
        changes.write_text(older.path, PlannedDocument("metadata updated", older.path, header, older.text).render())
        return Removal(doc_id, changes, citing, restored=older.header.id)
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
    """Every document the index is built from (files and generated references) with its counts,
    then the superseded documents kept for their history (no chunks: they are not indexed).

    Raises:
        CorpusError: the corpus is invalid.
    """
    corpus = read_corpus(settings)
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
                history=_history(stored, document.doc_id),
                from_file=document.from_file,
                flagged=tuple(flag_lines(document.text, document.page_starts)) if document.flagged else (),
            )
        )
    for doc_id, old in stored.items():
        if old.header.superseded_by:
            summaries.append(
                SourceSummary(
                    doc_id=doc_id,
                    title=old.header.title,
                    publisher=old.header.publisher,
                    kind="publication",
                    origin=f"superseded by {old.header.superseded_by}",
                    version=old.header.version,
                    chunks=0,
                    facts=0,
                    path=str(old.path),
                    header=old.header,
                    history=_history(stored, doc_id),
                )
            )
    return summaries


def _history(stored: dict[str, StoredDocument], doc_id: str) -> tuple[FrontMatter, ...]:
    """The headers of the versions of ``doc_id`` kept under other ids, oldest first (empty when none)."""
    if doc_id not in stored:
        return ()
    chain = version_chain(stored, doc_id)
    return tuple(s.header for s in chain) if len(chain) > 1 else ()


def show_source(settings: Settings, doc_id: str) -> SourceSummary:
    """One document's summary, front matter and version history.

    Raises:
        NotFoundError: no document has this id.
        CorpusError: the corpus is invalid.
    """
    for summary in list_sources(settings):
        if summary.doc_id == doc_id:
            return summary
    raise NotFoundError(f"No source with id {doc_id!r}; `assistant sources list` shows the ids.")

"""The change journal: how a change to corpus/ and the index update commit together or not at all.

``assistant ingest`` and ``sources remove`` change corpus files first and then build the index
from them; the build's ``CURRENT`` switch (:func:`assistant.store.disk.save_index`) is the commit
point. Before a corpus file is touched, the journal keeps its old bytes and records its new
checksum, durably, under ``index/.journal/``::

    index/.journal/
      journal.json     JournalRecord: the corpus folder, and per file its old and new checksums
      0.before ...     the old bytes of each file that existed before the change

Whether a journalled change committed is read from the disk, not from a flag: it did when the
build ``CURRENT`` names was made from the new files (its manifest's ``corpus_files`` hold every
new checksum). A process killed before that point leaves a journal that start-up rolls back
(:mod:`assistant.store.recovery`); killed after it, the journal is simply dropped. Meanwhile a
reader sees the corpus as last committed (:func:`served_corpus_files`), so an ingest in progress
never makes a server or ``assistant ask`` refuse the build that is still current.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.faults import fault_point
from assistant.fileio import ChangeSet, write_bytes_atomic, write_text_atomic
from assistant.store.disk import read_manifest
from assistant.store.manifest import Manifest

JOURNAL_DIR = ".journal"
RECORD = "journal.json"


class JournalEntry(BaseModel):
    """One corpus file a change touches.

    ``path`` is relative to the corpus folder (as in a manifest's ``corpus_files``); ``backup``
    names the file under ``.journal/`` holding its old bytes (None: it did not exist);
    ``before`` and ``after`` are SHA-256 hex digests of the old and new bytes (None: absent).
    """

    model_config = ConfigDict(extra="forbid")

    path: str
    backup: str | None
    before: str | None
    after: str | None


class JournalRecord(BaseModel):
    """``journal.json``: the corpus folder (absolute) and the files the change touches, in order."""

    model_config = ConfigDict(extra="forbid")

    corpus_dir: str
    entries: list[JournalEntry]


def journal_dir(index_dir: Path) -> Path:
    """Where the journal of changes to the corpus beside ``index_dir`` lives."""
    return index_dir / JOURNAL_DIR


def read_journal(index_dir: Path) -> JournalRecord | None:
    """The pending journal record, or None when there is none (or only an unreadable one)."""
    try:
        return JournalRecord.model_validate_json((journal_dir(index_dir) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValidationError, UnicodeDecodeError):
        return None


def committed(record: JournalRecord, manifest: Manifest | None) -> bool:
    """Whether the build ``manifest`` describes was made from the journalled change's new files."""
    if manifest is None:
        return False
    return all(manifest.corpus_files.get(entry.path) == entry.after for entry in record.entries)


def served_corpus_files(files: dict[str, str], index_dir: Path) -> dict[str, str]:
    """The corpus checksums as last committed: ``files`` (read from disk now), except that the
    files of a change not committed yet count with their old checksums (absent when new)."""
    record = read_journal(index_dir)
    if record is None or committed(record, read_manifest(index_dir)):
        return files
    view = dict(files)
    for entry in record.entries:
        if entry.before is None:
            view.pop(entry.path, None)
        else:
            view[entry.path] = entry.before
    return view


def roll_back(index_dir: Path, record: JournalRecord) -> int:
    """Put every journalled file back as it was, then drop the journal; returns the files restored.

    Idempotent: a rollback killed half-way is simply run again.
    """
    folder = journal_dir(index_dir)
    corpus_dir = Path(record.corpus_dir)
    for entry in reversed(record.entries):
        target = corpus_dir / entry.path
        if entry.backup is None:
            target.unlink(missing_ok=True)
        else:
            write_bytes_atomic(target, (folder / entry.backup).read_bytes())
        fault_point("journal.restored")
    drop(index_dir, record)
    return len(record.entries)


def drop(index_dir: Path, record: JournalRecord | None) -> None:
    """Delete the journal (its record first: without it the backups mean nothing) and the
    temporary files killed atomic writes of its corpus files left beside them."""
    folder = journal_dir(index_dir)
    (folder / RECORD).unlink(missing_ok=True)
    fault_point("journal.dropped")
    if record is not None:
        for entry in record.entries:
            target = Path(record.corpus_dir) / entry.path
            for leftover in target.parent.glob(f".{target.name}.*"):
                leftover.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


class JournaledChangeSet(ChangeSet):
    """A :class:`ChangeSet` over corpus files that journals each change under ``index_dir`` first.

    Only for files the corpus hash covers (``corpus_files``: documents, facts, references,
    conflicts): whether the change committed is read from the build manifest's list of them.
    Use it inside :func:`assistant.store.recovery.corpus_transaction`, which holds the writer
    lock and settles the journal when the change ends.
    """

    def __init__(self, index_dir: Path, corpus_dir: Path) -> None:
        """Journal changes to files under ``corpus_dir`` in ``index_dir/.journal`` (made on first use)."""
        super().__init__()
        self._index_dir = index_dir
        self._folder = journal_dir(index_dir)
        self._corpus_dir = corpus_dir.resolve()
        self._record = JournalRecord(corpus_dir=str(self._corpus_dir), entries=[])

    def settle(self) -> bool:
        """End the change: keep it when the current build was made from it (the journal is
        dropped), otherwise undo it. Returns whether it was kept."""
        kept = not self._record.entries or committed(self._record, read_manifest(self._index_dir))
        if kept:
            drop(self._index_dir, self._record)
            self._record = JournalRecord(corpus_dir=str(self._corpus_dir), entries=[])
        else:
            self.undo()
        return kept

    def undo(self) -> None:
        """Put the files back as they were (from memory) and drop the journal; a change the
        current build was already made from is kept instead (undoing it would leave the corpus
        behind the index)."""
        if self._record.entries and committed(self._record, read_manifest(self._index_dir)):
            drop(self._index_dir, self._record)
        else:
            super().undo()
            drop(self._index_dir, self._record)
        self._record = JournalRecord(corpus_dir=str(self._corpus_dir), entries=[])

    def _before_change(self, path: Path, before: bytes | None, after: bytes | None) -> None:
        relative = path.resolve().relative_to(self._corpus_dir).as_posix()
        entry = next((e for e in self._record.entries if e.path == relative), None)
        if entry is None:
            if not self._record.entries:
                self._folder.mkdir(parents=True, exist_ok=True)
            backup = None
            if before is not None:
                backup = f"{len(self._record.entries)}.before"
                write_bytes_atomic(self._folder / backup, before)
                fault_point("journal.backup-written")
            entry = JournalEntry(path=relative, backup=backup, before=_sha(before), after=None)
            self._record.entries.append(entry)
        entry.after = _sha(after)
        write_text_atomic(self._folder / RECORD, self._record.model_dump_json(indent=1))
        _fsync_dir(self._folder)
        fault_point("journal.recorded")


def _sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""Crash safety for corpus/ and index/: one writer at a time, and recovery at every start.

Writers (``assistant ingest``, ``sources remove``, ``build``) hold an exclusive ``flock`` on the
index folder itself (released by the kernel when the process ends, however it ends; no lock file
is left behind) for the whole change.
An ingest or removal runs as :func:`corpus_transaction`: its corpus file changes are journalled
(:mod:`assistant.store.journal`) and commit with the build's ``CURRENT`` switch, or not at all.

Recovery (:func:`recover`, run at the start of ``serve``, ``ask``, ``search`` and under the lock
by every writer) finishes what a killed process left:

1. a pending journal is rolled back, or dropped when its change had committed;
2. when ``CURRENT`` names no build (as after a forced build killed by older versions of this
   code), it is pointed at the last complete build found (checksums verified);
3. temporary files and folders of killed builds (``.tmp-*``, ``.old-*``, ``.CURRENT.*``) and
   builds ``CURRENT`` does not name are removed.

A reader that finds the lock held does nothing: a live writer is at work, and the reader uses
the build that is current and the corpus as last committed (``served_corpus_files``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import IndexMissingError, IndexStoreError
from assistant.fileio import write_text_atomic
from assistant.store.disk import CURRENT, MANIFEST, complete_build, current_folder, free_folder, read_manifest
from assistant.store.journal import (
    JOURNAL_DIR,
    JournaledChangeSet,
    committed,
    drop,
    journal_dir,
    read_journal,
    roll_back,
)

LEFTOVER_PREFIXES = (".tmp-", ".old-", f".{CURRENT}.")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovery:
    """What recovery did.

    ``restored``: corpus files put back from an interrupted change that had not committed;
    ``kept``: an interrupted change had committed (only its journal was left), so it stays;
    ``fallback``: the build folder ``CURRENT`` was pointed at because it named none;
    ``removed``: leftover temporary files and folders deleted; ``busy``: another process holds
    the writer lock, so nothing was touched.
    """

    restored: int = 0
    kept: bool = False
    fallback: str | None = None
    removed: int = 0
    busy: bool = False

    @property
    def changed(self) -> bool:
        """Whether recovery changed anything on disk."""
        return bool(self.restored or self.kept or self.fallback or self.removed)

    def describe(self, index_dir: Path) -> str | None:
        """One line saying what was recovered (counts and build names only), or None when nothing."""
        parts = []
        if self.restored:
            parts.append(f"rolled back an interrupted ingest or removal ({self.restored} corpus file(s) restored)")
        if self.kept:
            parts.append("kept an interrupted ingest or removal that had already committed")
        if self.fallback:
            parts.append(f"CURRENT named no complete build, fell back to the last complete build {self.fallback}")
        if self.removed:
            parts.append(f"removed {self.removed} leftover temporary file(s) or folder(s) of killed commands")
        return f"Recovered {index_dir}: " + "; ".join(parts) + "." if parts else None


@contextmanager
def writer_lock(index_dir: Path, *, waiting: Callable[[], None] | None = None) -> Iterator[Recovery]:
    """Hold the writer lock of ``index_dir`` (waiting for another writer to finish), recover, yield.

    ``waiting`` is called before this waits for another writer. Yields what recovery did. A
    folder made here for the lock is removed again when nothing was written into it.
    """
    made = not index_dir.exists()
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield recover_locked(index_dir)
    finally:
        os.close(fd)  # releases the lock
        if made:
            with contextlib.suppress(OSError):
                index_dir.rmdir()  # only when empty: a refused ingest leaves no index folder


def recover(index_dir: Path) -> Recovery:
    """Recover ``index_dir`` at a reader's start-up unless a writer is at work (``busy``).

    Never raises for a folder it cannot repair (read-only, missing): the load that follows says
    what is wrong.
    """
    if not index_dir.is_dir():
        return Recovery()
    try:
        fd = os.open(index_dir, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return Recovery(busy=True)
            return recover_locked(index_dir)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("could not recover %s (%s); using it as it is", index_dir, exc.strerror or exc)
        return Recovery()


def recover_locked(index_dir: Path) -> Recovery:
    """Recovery proper; the caller holds the writer lock."""
    fallback = _repair_pointer(index_dir)
    restored, kept, removed = 0, False, 0
    record = read_journal(index_dir)
    if record is not None:
        if committed(record, read_manifest(index_dir)):
            drop(index_dir, record)
            kept = True
        else:
            restored = roll_back(index_dir, record)
    elif journal_dir(index_dir).exists():  # killed while dropping: only backups are left
        drop(index_dir, None)
        removed += 1
    removed += _remove_leftovers(index_dir)
    return Recovery(restored=restored, kept=kept, fallback=fallback, removed=removed)


@contextmanager
def corpus_transaction(
    index_dir: Path, corpus_dir: Path, *, waiting: Callable[[], None] | None = None,
    recovered: Callable[[Recovery], None] | None = None,
) -> Iterator[JournaledChangeSet]:
    """One change to ``corpus_dir`` that commits with the index build made from it, or not at all.

    Under the writer lock, after recovery (reported to ``recovered`` when it did something),
    yields a journalled change set. The body writes corpus files through it and rebuilds the
    index. When the body ends, the change is kept if the current build was made from it; when
    the body raises (or the process is killed: then at the next start) it is undone.

    Raises:
        IndexStoreError: the body ended without rebuilding the index from the change (it is undone).
    """
    with writer_lock(index_dir, waiting=waiting) as recovery:
        if recovered is not None and recovery.changed:
            recovered(recovery)
        changes = JournaledChangeSet(index_dir, corpus_dir)
        try:
            yield changes
        except BaseException:
            changes.undo()
            raise
        if not changes.settle():
            raise IndexStoreError("The corpus change was not committed: the index was not rebuilt from it. It was undone.")


def _repair_pointer(index_dir: Path) -> str | None:
    """Point CURRENT at the last complete build when it names none; returns that build's folder."""
    try:
        if (current_folder(index_dir) / MANIFEST).is_file():
            return None
    except IndexMissingError:
        pass
    pointer = index_dir / CURRENT
    try:
        named = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""
    except (OSError, UnicodeDecodeError):
        named = ""
    candidates = []
    for child in index_dir.iterdir():
        if child.is_dir() and child.name != JOURNAL_DIR:
            manifest = complete_build(child)
            if manifest is not None:
                # The build CURRENT meant (older layouts named folders by version) first, then the newest.
                candidates.append((named in (manifest.index_version, child.name), manifest.created_at, child))
    if not candidates:
        return None
    _, _, folder = max(candidates)
    if folder.name.startswith("."):  # a staging or retired folder that is complete: give it a real name
        manifest = complete_build(folder)
        assert manifest is not None
        target = free_folder(index_dir, manifest.index_version)
        os.replace(folder, target)
        folder = target
    write_text_atomic(pointer, folder.name + "\n")
    return folder.name


def _remove_leftovers(index_dir: Path) -> int:
    """Delete staging and retired folders, temporary pointer files and builds CURRENT does not name."""
    try:
        keep: str | None = current_folder(index_dir).name
    except IndexMissingError:
        keep = None
    removed = 0
    for child in index_dir.iterdir():
        name = child.name
        leftover = name.startswith(LEFTOVER_PREFIXES)
        old_build = child.is_dir() and not name.startswith(".") and name != keep and keep is not None
        if not (leftover or old_build):
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
        removed += 1
    return removed

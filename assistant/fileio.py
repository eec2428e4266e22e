"""Small file helpers shared by every stage: checksums, atomic writes and undoable file changes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from assistant.faults import fault_point


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old content or the new, never a mix."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old content or the new, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        fault_point("atomic-write.before-replace")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ChangeSet:
    """Files written or deleted as one change, each remembered first so the change can be undone.

    The memory lives in this process; a subclass that overrides :meth:`_before_change` can also
    record each change durably first (``assistant.store.journal``), so that a killed process's
    change is undone at the next start.
    """

    def __init__(self) -> None:
        """Start an empty change."""
        self._before: dict[Path, bytes | None] = {}

    @property
    def paths(self) -> list[Path]:
        """The files this change touched, in the order first touched."""
        return list(self._before)

    def write_text(self, path: Path, text: str) -> None:
        """Atomically replace (or create) ``path`` with ``text``."""
        data = text.encode("utf-8")
        self._remember(path)
        self._before_change(path, self._before[path], data)
        write_bytes_atomic(path, data)
        fault_point("change.written")

    def delete(self, path: Path) -> None:
        """Delete ``path``."""
        self._remember(path)
        self._before_change(path, self._before[path], None)
        path.unlink()
        fault_point("change.deleted")

    def undo(self) -> None:
        """Put every touched file back as it was before this change (created files are deleted)."""
        for path, before in reversed(list(self._before.items())):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                write_bytes_atomic(path, before)
        self._before.clear()

    def _before_change(self, path: Path, before: bytes | None, after: bytes | None) -> None:
        """Called before ``path`` changes from ``before`` (this change's first sight of it) to
        ``after`` (None: deleted); does nothing here."""

    def _remember(self, path: Path) -> None:
        if path not in self._before:
            self._before[path] = path.read_bytes() if path.exists() else None

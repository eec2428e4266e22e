"""Undoable file changes: a ChangeSet puts written, created and deleted files back as they were."""

from __future__ import annotations

from pathlib import Path

from assistant.fileio import ChangeSet


def test_undo_restores_rewritten_and_deleted_files_and_removes_created_ones(tmp_path: Path) -> None:
    kept, doomed, created = tmp_path / "kept.md", tmp_path / "doomed.yaml", tmp_path / "new" / "created.md"
    kept.write_bytes(b"original \xe2\x9c\x93\n")
    doomed.write_bytes(b"facts: []\n")
    changes = ChangeSet()
    changes.write_text(kept, "first rewrite")
    changes.write_text(kept, "second rewrite")
    changes.delete(doomed)
    changes.write_text(created, "brand new")
    assert changes.paths == [kept, doomed, created]
    assert kept.read_text() == "second rewrite" and not doomed.exists() and created.read_text() == "brand new"
    changes.undo()
    assert kept.read_bytes() == b"original \xe2\x9c\x93\n"
    assert doomed.read_bytes() == b"facts: []\n"
    assert not created.exists()
    assert changes.paths == []

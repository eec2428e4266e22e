"""The transaction layer in-process: journalled corpus changes, start-up recovery, the writer lock,
and builds that never leave ``CURRENT`` without a complete build (fake embedder; the kill test
in tests/test_kill_recovery.py kills real processes)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.errors import IndexMissingError, IndexStoreError
from assistant.pipeline import build_index, index_state, load_answerer
from assistant.store.disk import CURRENT, current_folder
from assistant.store.journal import JOURNAL_DIR, JournaledChangeSet, read_journal
from assistant.store.recovery import corpus_transaction, recover, writer_lock
from tests.corpus_edits import NEW_DOC_ID, NEW_DOCUMENT


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def new_document(settings: Settings) -> Path:
    return settings.corpus_dir / "documents" / f"{NEW_DOC_ID}.md"


def test_forced_build_of_the_same_version_gets_its_own_folder_and_then_replaces_the_old(
    project_copy: Settings, fake_embedder: HashingEmbedder
) -> None:
    first = build_index(project_copy, fake_embedder)
    forced = build_index(project_copy, fake_embedder, force=True)
    assert forced.index_version == first.index_version
    assert forced.path.name == f"{first.index_version}-2" and current_folder(project_copy.index_dir) == forced.path
    assert not first.path.exists()
    again = build_index(project_copy, fake_embedder, force=True)
    assert again.path == first.path and not forced.path.exists()
    assert sorted(p.name for p in project_copy.index_dir.iterdir()) == sorted([CURRENT, first.index_version])


def test_a_pointer_to_a_lost_build_falls_back_to_the_last_complete_one(
    project_copy: Settings, fake_embedder: HashingEmbedder
) -> None:
    """The state a forced build killed mid-switch left before this fix: CURRENT names a folder
    that is gone, the complete build sits in a retired folder, debris beside it."""
    report = build_index(project_copy, fake_embedder)
    index_dir = project_copy.index_dir
    os.replace(report.path, index_dir / f".old-{report.index_version}-4242")
    (index_dir / ".tmp-half-written").mkdir()
    (index_dir / ".tmp-half-written" / "passages.faiss").write_bytes(b"partial")
    (index_dir / f".{CURRENT}.x1y2z3").write_text("half a pointer")
    with pytest.raises(IndexMissingError, match="names a build that does not exist"):
        load_answerer(project_copy, fake_embedder)

    recovery = recover(index_dir)

    assert recovery.fallback == report.index_version and recovery.removed == 2
    line = recovery.describe(index_dir)
    assert line is not None and "fell back to the last complete build" in line and "removed 2 leftover" in line
    assert sorted(p.name for p in index_dir.iterdir()) == sorted([CURRENT, report.index_version])
    assert load_answerer(project_copy, fake_embedder).index.index_version == report.index_version
    assert recover(index_dir).describe(index_dir) is None  # nothing left to do


def test_without_a_complete_build_the_pointer_is_left_and_the_load_says_so(
    project_copy: Settings, fake_embedder: HashingEmbedder
) -> None:
    report = build_index(project_copy, fake_embedder)
    (report.path / "sentences.npy").write_bytes(b"damaged")
    os.replace(report.path, project_copy.index_dir / ".tmp-damaged")
    recovery = recover(project_copy.index_dir)
    assert recovery.fallback is None and recovery.removed == 1
    with pytest.raises(IndexMissingError, match="assistant build"):
        load_answerer(project_copy, fake_embedder)


def test_an_abandoned_change_is_rolled_back_at_the_next_start(
    project_copy: Settings, fake_embedder: HashingEmbedder
) -> None:
    build_index(project_copy, fake_embedder)
    before = snapshot(project_copy.corpus_dir)
    seed = project_copy.corpus_dir / "documents" / "openpayer-cpt-64642.md"
    changes = JournaledChangeSet(project_copy.index_dir, project_copy.corpus_dir)
    changes.write_text(new_document(project_copy), NEW_DOCUMENT)
    changes.write_text(seed, seed.read_text(encoding="utf-8") + "\nOne more sentence.\n")
    # The process dies here: nothing undoes the change in memory. A reader still gets the last build.
    assert index_state(project_copy) == "fresh"
    assert NEW_DOC_ID not in load_answerer(project_copy, fake_embedder).index.documents

    recovery = recover(project_copy.index_dir)

    assert recovery.restored == 2 and not recovery.kept
    assert snapshot(project_copy.corpus_dir) == before
    assert not (project_copy.index_dir / JOURNAL_DIR).exists()


def test_a_change_that_committed_before_the_kill_is_kept(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    changes = JournaledChangeSet(project_copy.index_dir, project_copy.corpus_dir)
    changes.write_text(new_document(project_copy), NEW_DOCUMENT)
    build_index(project_copy, fake_embedder)  # CURRENT switched: committed; killed before the journal went
    assert read_journal(project_copy.index_dir) is not None

    recovery = recover(project_copy.index_dir)

    assert recovery.kept and recovery.restored == 0
    assert new_document(project_copy).is_file() and read_journal(project_copy.index_dir) is None
    assert NEW_DOC_ID in load_answerer(project_copy, fake_embedder).index.documents


def test_readers_use_the_last_committed_state_while_a_writer_is_at_work(
    project_copy: Settings, fake_embedder: HashingEmbedder
) -> None:
    first = build_index(project_copy, fake_embedder)
    with corpus_transaction(project_copy.index_dir, project_copy.corpus_dir) as changes:
        changes.write_text(new_document(project_copy), NEW_DOCUMENT)
        assert recover(project_copy.index_dir).busy  # the writer's journal is not touched
        assert index_state(project_copy) == "fresh"
        served = load_answerer(project_copy, fake_embedder).index
        assert served.index_version == first.index_version and NEW_DOC_ID not in served.documents
        build_index(project_copy, fake_embedder)
    assert read_journal(project_copy.index_dir) is None
    assert NEW_DOC_ID in load_answerer(project_copy, fake_embedder).index.documents


def test_a_change_not_followed_by_its_build_is_undone(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    before = snapshot(project_copy.corpus_dir)
    with pytest.raises(IndexStoreError, match="not committed"):
        with corpus_transaction(project_copy.index_dir, project_copy.corpus_dir) as changes:
            changes.write_text(new_document(project_copy), NEW_DOCUMENT)
    assert snapshot(project_copy.corpus_dir) == before and read_journal(project_copy.index_dir) is None


def test_a_failing_change_is_undone_and_the_error_kept(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    before = snapshot(project_copy.corpus_dir)
    with pytest.raises(KeyboardInterrupt):
        with corpus_transaction(project_copy.index_dir, project_copy.corpus_dir) as changes:
            changes.delete(project_copy.corpus_dir / "facts" / "openpayer-cpt-64642.yaml")
            raise KeyboardInterrupt
    assert snapshot(project_copy.corpus_dir) == before and not (project_copy.index_dir / JOURNAL_DIR).exists()


def test_a_second_writer_waits_for_the_first(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    holding, told = threading.Event(), threading.Event()
    order: list[str] = []

    def first_writer() -> None:
        with writer_lock(project_copy.index_dir):
            holding.set()
            told.wait(timeout=10)
            time.sleep(0.1)
            order.append("first done")

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert holding.wait(timeout=10)
    with writer_lock(project_copy.index_dir, waiting=told.set):
        order.append("second in")
    thread.join(timeout=10)
    assert told.is_set() and order == ["first done", "second in"]


def test_a_refused_command_leaves_no_index_folder_behind(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with writer_lock(index_dir) as recovery:
        assert index_dir.is_dir() and not recovery.changed
    assert not index_dir.exists()
    shutil.rmtree(tmp_path)
    assert recover(index_dir).describe(index_dir) is None

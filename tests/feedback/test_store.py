"""The SQLite feedback store: created on first use, redacts before writing, safe under concurrency."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.errors import FeedbackStoreError
from assistant.feedback.store import FeedbackEntry, FeedbackStore

SECRET_NOTE = "member ID XJH123456789, DOB 03/14/1961, call 415 867 5309 about 64642 (POS 19 from 2016-01-01)"


def entry(**changes: object) -> FeedbackEntry:
    values: dict[str, object] = {
        "rating": "down",
        "conversation": [{"role": "user", "content": f"Is 64642 covered? {SECRET_NOTE}"}],
        "answer": "The publication lists Aetna among the major payers covering CPT 64642 [1].",
        "abstained": False,
        "index_version": "v1",
        "comment": SECRET_NOTE,
        "expected_answer": f"Aetna covers 64642. {SECRET_NOTE}",
        "intent": "coverage",
        "citations": [{"marker": 1, "doc_id": "d", "quote": "Aetna", "start": 0, "end": 5}],
    }
    values.update(changes)
    return FeedbackEntry(**values)  # type: ignore[arg-type]


def test_the_database_is_created_on_first_use(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "nested" / "data" / "feedback.sqlite3")
    assert store.records() == [] and not store.path.exists()
    record = store.add(entry())
    assert store.path.exists()
    assert [r.id for r in store.records()] == [record.id]


def test_nothing_unredacted_reaches_the_file(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    record = store.add(entry())
    assert record.redactions == 9  # three identifiers in each of the question, comment and expected answer
    with sqlite3.connect(store.path) as connection:
        dumped = "\n".join(connection.iterdump())
    for secret in ("XJH123456789", "03/14/1961", "415 867 5309"):
        assert secret not in dumped
    for kept in ("64642", "POS 19", "2016-01-01", "Aetna"):
        assert kept in dumped
    stored = store.records()[0].entry
    assert stored.comment == "member ID [MEMBER-ID], DOB [DOB], call [PHONE] about 64642 (POS 19 from 2016-01-01)"
    assert stored.citations == entry().citations and stored.intent == "coverage" and stored.rating == "down"


def test_concurrent_writes_all_land_with_distinct_ids(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda n: store.add(entry(comment=f"note {n}")).id, range(40)))
    assert len(set(ids)) == 40
    assert sorted(r.entry.comment or "" for r in store.records()) == sorted(f"note {n}" for n in range(40))


def test_an_unusable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(FeedbackStoreError, match="ASSISTANT_DATA_DIR"):
        FeedbackStore(blocker / "feedback.sqlite3").add(entry())


def test_a_database_removed_while_running_is_made_again(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.add(entry())
    for leftover in tmp_path.glob("feedback.sqlite3*"):
        leftover.unlink()
    assert [r.id for r in [store.add(entry())]] == [1]
    assert len(store.records()) == 1

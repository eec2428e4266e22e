"""Evaluator feedback in SQLite: one file under the data directory, created on first use.

Every free-text field is redacted (:func:`assistant.feedback.redact.redact`) inside :meth:`add`, so no
caller can store an unmasked identifier. Each call opens its own connection in WAL mode with a busy
timeout, which makes concurrent requests from the server's thread pool safe.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from assistant.errors import FeedbackStoreError
from assistant.feedback.redact import redact

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT,
    expected_answer TEXT,
    conversation TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    intent TEXT,
    citations TEXT NOT NULL,
    conflicts TEXT NOT NULL,
    index_version TEXT NOT NULL,
    redactions INTEGER NOT NULL
)
"""
_COLUMNS = (
    "created_at, rating, comment, expected_answer, conversation, answer, abstained, intent, citations, "
    "conflicts, index_version, redactions"
)


@dataclass(frozen=True)
class FeedbackEntry:
    """What an evaluator said about one answer, with the conversation and the answer it judged."""

    rating: Rating
    conversation: list[dict[str, str]]
    answer: str
    abstained: bool
    index_version: str
    comment: str | None = None
    expected_answer: str | None = None
    intent: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class FeedbackRecord:
    """A stored (already redacted) feedback entry with its id, time and number of masked identifiers."""

    id: int
    created_at: str
    entry: FeedbackEntry
    redactions: int


class FeedbackStore:
    """The SQLite feedback database at ``path`` (parent folders are created on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False  # folder, WAL mode and table made (once per process, while the file exists)

    def add(self, entry: FeedbackEntry) -> FeedbackRecord:
        """Redact every free-text field of ``entry`` and store it; returns the stored record.

        Raises:
            FeedbackStoreError: the database cannot be created or written.
        """
        clean, masked = redact_entry(entry)
        created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        row = (
            created_at,
            clean.rating,
            clean.comment,
            clean.expected_answer,
            json.dumps(clean.conversation),
            clean.answer,
            int(clean.abstained),
            clean.intent,
            json.dumps(clean.citations),
            json.dumps(clean.conflicts),
            clean.index_version,
            masked,
        )
        with self._connect() as connection:
            cursor = connection.execute(f"INSERT INTO feedback ({_COLUMNS}) VALUES ({', '.join('?' * 12)})", row)
            new_id = cursor.lastrowid
        assert new_id is not None
        return FeedbackRecord(new_id, created_at, clean, masked)

    def records(self) -> list[FeedbackRecord]:
        """Every stored record, oldest first (an empty list when nothing was stored yet).

        Raises:
            FeedbackStoreError: the database exists but cannot be read.
        """
        if not self.path.exists():
            return []
        with self._connect() as connection:
            rows = connection.execute(f"SELECT id, {_COLUMNS} FROM feedback ORDER BY id").fetchall()
        return [_record(row) for row in rows]

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction (committed on success), its errors made actionable."""
        try:
            ready = self._ready and self.path.exists()
            if not ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=30)) as connection:
                if not ready:
                    connection.execute("PRAGMA journal_mode=WAL")  # kept in the file once set
                with connection:
                    if not ready:
                        connection.execute(_SCHEMA)
                    yield connection
            self._ready = True
        except (OSError, sqlite3.Error) as exc:
            raise FeedbackStoreError(
                f"{self.path}: the feedback database cannot be used ({exc}). "
                "Check ASSISTANT_DATA_DIR points to a writable folder."
            ) from exc


def redact_entry(entry: FeedbackEntry) -> tuple[FeedbackEntry, int]:
    """``entry`` with every string inside it redacted, and how many identifiers were masked."""
    masked = 0

    def clean(value: Any) -> Any:
        nonlocal masked
        if isinstance(value, str):
            result = redact(value)
            masked += result.total
            return result.text
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    cleaned = replace(
        entry,
        comment=clean(entry.comment),
        expected_answer=clean(entry.expected_answer),
        conversation=clean(entry.conversation),
        answer=clean(entry.answer),
        citations=clean(entry.citations),
        conflicts=clean(entry.conflicts),
    )
    return cleaned, masked


def _record(row: tuple[Any, ...]) -> FeedbackRecord:
    """A database row back into a record."""
    (record_id, created_at, rating, comment, expected, conversation, answer, abstained, intent, citations,
     conflicts, index_version, redactions) = row
    entry = FeedbackEntry(
        rating=rating,
        conversation=json.loads(conversation),
        answer=answer,
        abstained=bool(abstained),
        index_version=index_version,
        comment=comment,
        expected_answer=expected,
        intent=intent,
        citations=json.loads(citations),
        conflicts=json.loads(conflicts),
    )
    return FeedbackRecord(record_id, created_at, entry, redactions)

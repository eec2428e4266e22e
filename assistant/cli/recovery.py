"""Crash safety at the command line: the writer lock around ``ingest``, ``sources remove`` and
``build``, and recovery at the start of every command that reads or writes the index.

What recovery did is said in one line on standard error (counts and build names, never document
text); see :mod:`assistant.store.recovery` for what it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from assistant.config import Settings
from assistant.store.journal import JournaledChangeSet
from assistant.store.recovery import Recovery, corpus_transaction, recover, writer_lock


def start_up(settings: Settings, errors: Console) -> None:
    """Recover the index folder before a reader (``ask``, ``search``, ``serve``) loads it."""
    _say(settings, recover(settings.index_dir), errors)


@contextmanager
def exclusive(settings: Settings, errors: Console) -> Iterator[None]:
    """Hold the writer lock (recovering first) for a command that writes the index (``build``)."""
    with writer_lock(settings.index_dir, waiting=lambda: _waiting(settings, errors)) as recovery:
        _say(settings, recovery, errors)
        yield


@contextmanager
def transaction(settings: Settings, errors: Console) -> Iterator[JournaledChangeSet]:
    """A corpus change (``ingest``, ``sources remove``) that commits with its index build, or not at all.

    Raises:
        IndexStoreError: the body ended without rebuilding the index (the change is undone).
    """
    with corpus_transaction(
        settings.index_dir, settings.corpus_dir,
        waiting=lambda: _waiting(settings, errors),
        recovered=lambda recovery: _say(settings, recovery, errors),
    ) as changes:
        yield changes


def _waiting(settings: Settings, errors: Console) -> None:
    errors.print(f"Waiting for another command to finish changing {escape(str(settings.index_dir))} "
                 "(an ingest, removal or build) ...")


def _say(settings: Settings, recovery: Recovery, errors: Console) -> None:
    line = recovery.describe(settings.index_dir)
    if line:
        errors.print(f"[yellow]{escape(line)}[/yellow]", soft_wrap=True)

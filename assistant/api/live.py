"""Live reload: a running server swaps in a newly built index without a restart.

The server keeps answering from the index it holds until the build that ``index/CURRENT`` names
has been loaded and verified (settings, corpus, checksums: the same checks as at start-up), then
replaces its answerer in one assignment. Each request takes the answerer once, when it starts,
so a request in flight finishes on the index it began with. A build that fails to load leaves
the old index serving, and the failure is reported (the admin route's 409, the log).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.answerer import GroundedAnswerer
from assistant.errors import ConfigError, IndexStoreError, ReloadInProgressError
from assistant.store.disk import CURRENT, MANIFEST, read_manifest

log = logging.getLogger("assistant.api")

BuildSignature = tuple[str, int] | None


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: whether it swapped, and the versions served before and after."""

    reloaded: bool
    old_index_version: str
    new_index_version: str


def build_signature(index_dir: Path) -> BuildSignature:
    """The build CURRENT names and its manifest's modification time; None without a readable one.

    Two stats and a tiny read: cheap enough to check every second.
    """
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
        return name, (index_dir / name / MANIFEST).stat().st_mtime_ns
    except (OSError, ValueError):
        return None


class LiveAnswerer:
    """The answerer a server uses now, replaced whole once a newer build has loaded and verified."""

    def __init__(self, answerer: GroundedAnswerer, index_dir: Path, load: Callable[[], GroundedAnswerer]) -> None:
        """Serve ``answerer``; ``load`` loads and verifies the current build of ``index_dir``.

        ``load`` raises :class:`IndexStoreError` or :class:`ConfigError` for a build it refuses.
        """
        self._current = answerer
        self._index_dir = index_dir
        self._load = load
        self._lock = threading.Lock()
        self._seen = build_signature(index_dir)

    @property
    def current(self) -> GroundedAnswerer:
        """The answerer to use for a request starting now."""
        return self._current

    def reload(self) -> ReloadResult:
        """Load the build CURRENT names and serve it from now on, unless it is already served.

        Raises:
            ReloadInProgressError: another reload is still loading.
            IndexStoreError: the build is missing, stale or corrupt; the old index keeps serving.
            ConfigError: prompts/ is invalid; the old index keeps serving.
        """
        if not self._lock.acquire(blocking=False):
            raise ReloadInProgressError(
                "The server is already loading a new index; retry when it finishes (GET /healthz shows the version served)."
            )
        try:
            self._seen = build_signature(self._index_dir)
            old = self._current.index.index_version
            on_disk = read_manifest(self._index_dir)
            if on_disk is not None and on_disk.index_version == old:
                return ReloadResult(False, old, old)
            fresh = self._load()
            self._current = fresh
            log.info("reloaded: serving index %s (was %s)", fresh.index.index_version, old)
            return ReloadResult(True, old, fresh.index.index_version)
        finally:
            self._lock.release()

    def changed_on_disk(self) -> bool:
        """Whether CURRENT or its build's manifest changed since the last reload attempt."""
        return build_signature(self._index_dir) != self._seen

    def reload_if_changed(self) -> ReloadResult | None:
        """Reload when the build on disk changed; a failure is logged and the old index kept.

        A build that failed is not tried again until CURRENT or its manifest changes.
        """
        if not self.changed_on_disk():
            return None
        try:
            return self.reload()
        except ReloadInProgressError:
            return None
        except (IndexStoreError, ConfigError) as exc:
            log.error("automatic reload failed, still serving index %s: %s", self._current.index.index_version, exc)
            return None


async def poll_for_new_builds(live: LiveAnswerer, interval_seconds: float) -> None:
    """Reload whenever a new build appears, looking every ``interval_seconds``, until cancelled."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await asyncio.to_thread(live.reload_if_changed)
        except Exception:  # a bug must not silently end automatic reloads for the server's lifetime
            log.exception("automatic reload check crashed; will look again in %s s", interval_seconds)

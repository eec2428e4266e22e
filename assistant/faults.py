"""Fault injection for crash tests: named points at which a process can be made to kill itself.

Every step of a change to corpus/ and index/ that matters for crash safety (a journal record, a
file written, the build folder moved into place, the ``CURRENT`` switch ...) calls
:func:`fault_point` with a name. Normally that does nothing. Two environment variables, read at
each call and meant only for tests, change that:

``ASSISTANT_FAULT_KILL_AT``
    ``N`` (digits): the process sends itself SIGKILL at the N-th point it crosses (1-based);
    ``NAME`` or ``NAME:K``: at the first (K-th) crossing of the point called NAME.
``ASSISTANT_FAULT_TRACE``
    a file to which the name of every point crossed is appended, one a line, so a test can list
    the points of a clean run and then kill at each of them.

SIGKILL cannot be caught, so nothing after the point runs: no ``finally``, no ``except``, exactly
as when an operator runs ``kill -9`` or the machine's OOM killer steps in.
"""

from __future__ import annotations

import itertools
import os
import signal

KILL_AT = "ASSISTANT_FAULT_KILL_AT"
TRACE = "ASSISTANT_FAULT_TRACE"

# Points crossed by this process so far, and per name (a forked child starts again from the parent's).
_crossed = itertools.count(1)
_by_name: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Mark a crash-safety step called ``name``; kill the process here when the environment asks."""
    kill_at = os.environ.get(KILL_AT)
    trace = os.environ.get(TRACE)
    if not kill_at and not trace:
        return
    number = next(_crossed)
    seen = _by_name[name] = _by_name.get(name, 0) + 1
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    if kill_at and _matches(kill_at.strip(), name, number, seen):
        os.kill(os.getpid(), signal.SIGKILL)


def reset() -> None:
    """Start counting points from 1 again (for a process forked to run one command)."""
    global _crossed
    _crossed = itertools.count(1)
    _by_name.clear()


def _matches(spec: str, name: str, number: int, seen: int) -> bool:
    if spec.isdigit():
        return number == int(spec)
    wanted, _, nth = spec.partition(":")
    return wanted == name and seen == (int(nth) if nth.isdigit() else 1)

"""Command line: ``assistant build | ask | search | serve | ingest | sources | eval | bench | feedback``.

The console script ``assistant`` (pyproject) and ``python -m assistant.cli`` both run :func:`main`.
"""

from assistant.cli.entry import app, main

__all__ = ["app", "main"]

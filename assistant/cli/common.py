"""What every command shares: the stdout and stderr consoles, loading the settings (an invalid
setting is one message and exit code 2), and the passage-count bound of ``ask`` and ``search``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from assistant.config import Settings

console = Console()
errors = Console(stderr=True)
MAX_TOP_K = 50
"""The most passages ``ask --top-k`` and ``search --k`` take, as the API and settings allow."""


def load_settings() -> Settings:
    """The settings from the environment; raises ``typer.Exit(2)`` after printing why one is invalid."""
    try:
        return Settings()
    except ValueError as exc:
        errors.print(f"[red]Invalid settings:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc

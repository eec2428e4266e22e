"""`assistant build`: build the index from corpus/, or say it is already up to date."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import console, errors, load_settings


def build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the index is up to date.")] = False,
) -> None:
    """Build the index from corpus/ (skipped when corpus and settings are unchanged)."""
    from assistant.cli.recovery import exclusive
    from assistant.pipeline import build_index, index_state, make_embedder

    settings = load_settings()
    with exclusive(settings, errors):  # one writer at a time; leftovers of killed commands recovered first
        if not force and index_state(settings) == "fresh":
            console.print(f"Index in {settings.index_dir} is up to date; nothing to do (use --force to rebuild).")
            return
        with console.status("Loading the embedding model..."):
            embedder = make_embedder(settings)
        report = build_index(settings, embedder, force=force, show_progress=True)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    console.print(f"Built index [bold]{report.index_version}[/bold] ({counts}) in {report.path}")
    how = "incremental: " if report.incremental else "full: "
    console.print(f"{how}embedded {report.embedded} vectors, reused {report.reused} from the previous build")

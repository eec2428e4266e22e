"""`assistant feedback export`: write the stored evaluator feedback as CSV, JSONL or eval items."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import errors, load_settings

feedback_app = typer.Typer(help="Evaluator feedback stored by POST /v1/feedback.", no_args_is_help=True)


@feedback_app.command("export")
def feedback_export(
    export_format: Annotated[
        str, typer.Option("--format", "-f", help="csv, jsonl, or eval (evaluation-set items to review).")
    ] = "jsonl",
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export stored feedback (already redacted) from ASSISTANT_DATA_DIR/feedback.sqlite3."""
    from pathlib import Path

    from assistant.feedback.export import export_csv, export_eval, export_jsonl
    from assistant.feedback.store import FeedbackStore
    from assistant.fileio import write_text_atomic

    if export_format not in ("csv", "jsonl", "eval"):
        errors.print(f"[red]Unknown format {escape(export_format)!r}[/red]: choose csv, jsonl or eval.")
        raise typer.Exit(2)
    settings = load_settings()
    records = FeedbackStore(settings.data_dir / "feedback.sqlite3").records()
    if export_format == "csv":
        text = export_csv(records)
    elif export_format == "jsonl":
        text = export_jsonl(records)
    else:
        text, skipped = export_eval(records)
        for item in skipped:
            errors.print(f"feedback {item.id} not exported as an eval item: {escape(item.reason)}")
    if output:
        write_text_atomic(Path(output), text)
        errors.print(f"Wrote {len(records)} feedback record(s) as {export_format} to {output}")
    else:
        sys.stdout.write(text)

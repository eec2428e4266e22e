"""`assistant ingest`: add files (or a manifest's files) to corpus/documents and update the index
once, in one transaction; turns the metadata options into validated overrides."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from assistant.cli.common import console, errors, load_settings
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.ingest.source_docs import Overrides


def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files (.md, .txt, .html, .htm, .pdf) or folders of them.")
    ] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="Document id (default: slug of the file name).")] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: the file's own title, else its name).")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher (default: the file's site or author, else 'unknown').")] = None,
    source_url: Annotated[str | None, typer.Option(help="Where the source lives (default: an HTML page's canonical URL).")] = None,
    codes: Annotated[str | None, typer.Option(help="Comma-separated codes it is about (default: the codes its text names).")] = None,
    effective: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="From when it applies (YYYY-MM-DD).")] = None,
    replaces: Annotated[
        str | None, typer.Option(help="Id of the document this file supersedes (its old version leaves the index).")
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="A YAML or CSV file listing files with their own metadata (instead of PATHS).")
    ] = None,
    base: Annotated[
        Path | None, typer.Option(help="Folder the manifest's file paths are relative to (default: the manifest's folder).")
    ] = None,
    allow_duplicate: Annotated[
        bool, typer.Option("--allow-duplicate", help="Ingest a file even when its text is already in the corpus under another id.")
    ] = False,
    encoding: Annotated[str | None, typer.Option(help="Encoding of .txt, .md and .html files that are not UTF-8, e.g. cp1252.")] = None,
    ocr: Annotated[bool, typer.Option("--ocr", help="Read PDF pages that have no text layer (scans) with tesseract OCR.")] = False,
) -> None:
    """Add files to corpus/documents (a changed file becomes a new version), then update the index once.

    Exit code 0 when every file was ingested (or unchanged), 1 when a file could not be ingested,
    2 when a file was refused because its text is already in the corpus (and on a usage error).
    """
    from assistant import pipeline
    from assistant.cli.ingest_run import ingest_jobs, run_ingest
    from assistant.cli.recovery import transaction
    from assistant.sources import IngestRun

    settings = load_settings()
    overrides = _overrides(doc_id, title, publisher, source_url, codes, effective, replaces)
    single = "--id" if doc_id else "--replaces" if replaces else None
    jobs = ingest_jobs(paths or [], manifest, base, single, errors,
                       per_file=[doc_id, title, publisher, source_url, codes, effective, replaces])
    # One transaction: the corpus files and the index build commit together or not at all, even if killed.
    with transaction(settings, errors) as changes:
        run = IngestRun(settings, overrides, encoding=encoding, today=dt.date.today(), allow_duplicate=allow_duplicate,
                        ocr=ocr, changes=changes)
        try:
            outcome = run_ingest(settings, run, jobs, console, errors, lambda s: pipeline.make_embedder(s))
        except AssistantError as exc:
            errors.print(f"[red]Error:[/red] {escape(str(exc))}")
            errors.print("The change was undone: corpus/ is as it was and the index is unchanged.")
            raise typer.Exit(1) from exc
    if outcome.exit_code:
        raise typer.Exit(outcome.exit_code)


def _overrides(
    doc_id: str | None, title: str | None, publisher: str | None, source_url: str | None, codes: str | None,
    effective: dt.datetime | None, replaces: str | None = None,
) -> Overrides:
    from assistant.ingest.source_docs import Overrides

    try:
        return Overrides(
            doc_id=doc_id,
            title=title,
            publisher=publisher,
            source_url=source_url,
            codes=tuple(c for c in re.split(r"[,\s]+", codes) if c) if codes else None,
            effective=effective.date() if effective else None,
            replaces=replaces,
        )
    except ValidationError as exc:
        flags = {"doc_id": "--id", "source_url": "--source-url"}
        problems = "; ".join(
            f"{flags.get(str(e['loc'][0]), '--' + str(e['loc'][0]))} {e['input']!r}: {e['msg']}" for e in exc.errors()
        )
        errors.print(f"[red]Invalid option:[/red] {escape(problems)}")
        raise typer.Exit(2) from exc

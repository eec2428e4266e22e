"""What `assistant ingest` and `assistant sources remove` print and show while they work.

One ingest call reads every file (one progress row per file), then updates the index once (rows
for loading the model, embedding the new text, and writing the build), then says when a running
server will serve the new build. The embedding model starts loading in the background as soon as
the first file has changed the corpus, so it overlaps with reading the rest.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from assistant.config import Settings
from assistant.embed.progress import ProgressEmbedder
from assistant.embed.protocol import Embedder
from assistant.errors import DuplicateSourceError, ManifestError, SourceError
from assistant.fileio import ChangeSet
from assistant.ingest.extract import source_files
from assistant.ingest.injection import flag_lines
from assistant.ingest.manifest import read_manifest
from assistant.ingest.source_docs import Overrides
from assistant.pipeline import BuildReport, index_state
from assistant.sources import Ingested, IngestRun, rebuild_or_undo


@dataclass(frozen=True)
class Job:
    """One file to ingest, with its own metadata (a manifest entry) or None for the run's flags."""

    item: Path | SourceError
    overrides: Overrides | None = None


@dataclass(frozen=True)
class IngestOutcome:
    """How an ingest call went: files refused as duplicates, files that failed otherwise, of how many."""

    duplicates: int
    failed: int
    total: int

    @property
    def exit_code(self) -> int:
        """1 when a file could not be ingested, else 2 when one was refused as a duplicate, else 0."""
        return 1 if self.failed else 2 if self.duplicates else 0


def ingest_jobs(
    paths: list[Path], manifest: Path | None, base: Path | None, single: str | None, errors: Console, *,
    per_file: list[object],
) -> list[Job]:
    """The files to ingest: from the manifest, or the paths given (folders searched).

    ``single`` names the flag that allows one file only (--id, --replaces); ``per_file`` are the
    values of the per-file flags, which a manifest excludes.

    Raises:
        typer.Exit: code 2 on a usage error or a bad manifest, after printing why to ``errors``.
    """

    if manifest is not None:
        if paths or any(value is not None for value in per_file):
            errors.print("[red]--manifest lists the files and their metadata[/red]; give no PATHS and no per-file "
                         "options (--id, --title, --publisher, --source-url, --codes, --effective, --replaces) with it.")
            raise typer.Exit(2)
        try:
            return [Job(entry.path, entry.overrides) for entry in read_manifest(manifest, base=base)]
        except ManifestError as exc:
            errors.print(f"[red]Error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
    if base is not None:
        errors.print("[red]--base[/red] only applies to --manifest.")
        raise typer.Exit(2)
    if not paths:
        errors.print("[red]Give files or folders to ingest[/red], or --manifest FILE.")
        raise typer.Exit(2)
    found = source_files(paths)
    if single and len(found) > 1:
        errors.print(f"[red]{single} names one document[/red] but {len(found)} files were given; "
                     "ingest them one at a time, or list them in a --manifest.")
        raise typer.Exit(2)
    return [Job(item) for item in found]


def run_ingest(
    settings: Settings, run: IngestRun, jobs: Sequence[Job], console: Console, errors: Console,
    make_embedder: Callable[[Settings], Embedder],
) -> IngestOutcome:
    """Ingest ``jobs`` into the corpus, then update the index once; print what happened to each file.

    Raises:
        AssistantError: the index update failed (the corpus change is already undone).
        KeyboardInterrupt: after undoing the corpus change.
    """
    failed = duplicates = 0
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-load")
    model: Future[Embedder] | None = None
    try:
        with _progress(errors) as progress:
            # On a terminal the lines go above the live progress rows; otherwise to stdout as they are.
            out = progress.console if console.is_terminal and errors.is_terminal else console
            for job in jobs:
                label = str(job.item) if isinstance(job.item, Path) else "?"
                task = progress.add_task(f"extract {escape(_short(label))}", total=1)
                try:
                    if isinstance(job.item, SourceError):
                        raise job.item
                    done = run.ingest(job.item, job.overrides)
                except DuplicateSourceError as exc:
                    errors.print(f"[yellow]Refused (duplicate):[/yellow] {escape(str(exc))}")
                    duplicates += 1
                except SourceError as exc:
                    errors.print(f"[red]Error:[/red] {escape(str(exc))}")
                    failed += 1
                else:
                    for line in ingested_lines(job.item, done, job.overrides or run.overrides):
                        # A page that could not be read is a problem with the file: standard error.
                        (errors if "no text layer" in line else out).print(line)
                progress.update(task, completed=1)
                if model is None and run.changes.paths:
                    model = loader.submit(make_embedder, settings)
            # An index behind the corpus (left so by a hand edit or by a version without the ingest
            # journal) is brought up to date even when no file changed, not reported as "unchanged".
            behind = not run.changes.paths and not failed and index_state(settings) != "fresh"
            if run.changes.paths or behind:
                if model is None:
                    model = loader.submit(make_embedder, settings)
                if behind:
                    out.print("[yellow]The index was behind the corpus[/yellow]; rebuilding it.")
                report = _update_index(settings, run.changes, model, progress)
            else:
                report = None
    except KeyboardInterrupt:
        run.changes.undo()  # the index was not updated yet: leave corpus/ as it was
        raise
    finally:
        loader.shutdown(wait=True, cancel_futures=True)
    if report is not None:
        print_built(console, settings, report)
    elif not failed and not duplicates:
        console.print("Nothing changed; the index is left as it is.")
    if failed or duplicates:
        parts = [f"{failed} could not be ingested"] if failed else []
        parts += [f"{duplicates} refused as duplicates"] if duplicates else []
        errors.print(f"[red]{failed + duplicates} of {len(jobs)} file(s) not ingested[/red] ({', '.join(parts)}; reasons above).")
    return IngestOutcome(duplicates, failed, len(jobs))


def _update_index(settings: Settings, changes: ChangeSet, model: Future[Embedder], progress: Progress) -> BuildReport:
    loading = progress.add_task("load the embedding model", total=1)
    embedding = progress.add_task("embed new text", total=0, visible=False)
    building = progress.add_task("build and write the index", total=1, visible=False)

    def embedder() -> Embedder:
        loaded = model.result()
        progress.update(loading, completed=1)
        progress.update(embedding, visible=True)
        progress.update(building, visible=True)

        def started(count: int) -> None:
            total = progress.tasks[embedding].total or 0
            progress.update(embedding, total=total + count)

        return ProgressEmbedder(loaded, on_start=started, on_advance=lambda n: progress.advance(embedding, n))

    report = rebuild_or_undo(settings, changes, embedder)
    progress.update(building, completed=1)
    return report


def _progress(errors: Console) -> Progress:
    """Progress rows on ``errors``: with a spinner and a bar on a terminal; written to a file or a
    pipe (a log, CI), only the step, its count and time, so an 80-column row is not cut short."""
    if errors.is_terminal:
        columns: tuple[ProgressColumn, ...] = (
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        )
    else:
        columns = (TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=errors, transient=False, redirect_stdout=False, redirect_stderr=False)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else "..." + text[-(limit - 3):]


def ingested_lines(path: Path, done: Ingested, overrides: Overrides) -> list[str]:
    """What to print for one ingested file: what was written, and any supersession or warning."""
    plan, header = done.plan, done.plan.header
    where = f"{escape(header.id)} version {header.version}"
    if plan.action == "unchanged":
        lines = [f"[yellow]Unchanged:[/yellow] {escape(str(path))} is already {where} (same text); nothing to do."]
    else:
        codes = ", ".join(header.codes) or "none found"
        claimed = set(header.from_file or ())
        title = escape(repr(header.title)) + (" (from the file)" if "title" in claimed else "")
        publisher = escape(repr(header.publisher)) + (" (from the file)" if "publisher" in claimed else "")
        lines = [
            f"[green]{plan.action.capitalize()}:[/green] {escape(str(path))} -> {escape(str(plan.path))} ({where}; "
            f"title {title}; publisher {publisher}; codes {escape(codes)})"
        ]
    if header.superseded_by:
        lines.append(f"  note: {escape(header.id)} is an old version, superseded by {escape(header.superseded_by)}; "
                     "it is not answered from.")
    if done.replaced:
        lines.append(
            f"[green]Superseded:[/green] {escape(done.replaced)} is now an old version of {escape(header.id)}: its file stays in "
            f"corpus/documents for the history (`assistant sources show {escape(header.id)}`), its text leaves the index."
        )
    if done.duplicate_of:
        lines.append(f"  note: the same text is also {escape(done.duplicate_of)} (kept: --allow-duplicate).")
    if header.pages_without_text:
        numbers = ", ".join(map(str, header.pages_without_text))
        lines.append(
            f"[yellow]Warning:[/yellow] {escape(str(path))}: page(s) {numbers} of the PDF have no text layer (scanned "
            "images); their content is not in the index and answers cannot come from it. Ingest again with --ocr to read "
            "them with tesseract (Debian package tesseract-ocr)."
        )
    for flagged in flag_lines(plan.text, header.pages or ()):
        where = f"page {flagged.page}, " if flagged.page is not None else ""
        lines.append(
            f"[yellow]Warning:[/yellow] {escape(str(path))}: {where}line {flagged.line} addresses a model or impersonates a "
            f"chat turn ({flagged.rule}); it stays in the text but is never quoted: {escape(repr(flagged.text))}"
        )
    for older in done.resembles:
        command = ["assistant", "ingest", str(path), "--replaces", older.doc_id]
        if overrides.doc_id:
            command[3:3] = ["--id", overrides.doc_id]
        lines.append(
            f"[yellow]Warning:[/yellow] {escape(header.id)} shares {older.overlap:.0%} of its wording with {escape(older.doc_id)} "
            f"(same publisher {escape(header.publisher)!r}); it is likely a newer version of it, and both are answered from now. "
            f"If it replaces it, run: {escape(shlex.join(command))}"
        )
    return lines


def print_built(console: Console, settings: Settings, report: BuildReport) -> None:
    """The new build's version and counts, and when a running server will serve it."""
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    console.print(f"Index [bold]{report.index_version}[/bold] updated ({counts}).")
    console.print(running_server_note(settings))


def running_server_note(settings: Settings) -> str:
    """When a server with these settings switches to the build just written."""
    seconds = settings.reload_poll_seconds
    if seconds > 0:
        return (
            f"A running server switches to it within {seconds:g} s (it looks for new builds every {seconds:g} s, "
            "ASSISTANT_RELOAD_POLL_SECONDS); until then it answers from the previous build."
        )
    return (
        "Polling is off (ASSISTANT_RELOAD_POLL_SECONDS=0): a running server keeps the previous build until "
        "POST /v1/admin/reload or a restart."
    )


def rebuild_quietly(settings: Settings, changes: ChangeSet, make_embedder: Callable[[Settings], Embedder],
                    console: Console) -> BuildReport:
    """Update the index after a change other than ingest (a removal), with a status line.

    Raises:
        AssistantError: the rebuild failed; the change is already undone.
    """
    with console.status("Loading the embedding model...") as status:

        def embedder() -> Embedder:
            loaded = make_embedder(settings)
            status.update("Updating the index...")
            return loaded

        return rebuild_or_undo(settings, changes, embedder)


__all__ = ["ingest_jobs", "IngestOutcome", "Job", "ingested_lines", "print_built", "rebuild_quietly", "run_ingest"]

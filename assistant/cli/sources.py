"""`assistant sources list | show | remove`: the corpus's documents, one at a time or all, and
removing one (with the index update in the same transaction)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, errors, load_settings
from assistant.errors import AssistantError

sources_app = typer.Typer(help="List, show and remove the corpus's documents.", no_args_is_help=True)


@sources_app.command("list")
def sources_list() -> None:
    """Every document: id, version, kind and origin, chunk and fact counts, title and publisher."""
    from assistant.sources import list_sources

    summaries = list_sources(load_settings())
    console.print(f"{len(summaries)} documents (version, kind, origin, chunks, facts; title, publisher):")
    for s in summaries:
        version = f"v{s.version}" if s.version else "-"
        console.print(
            f"[bold]{escape(s.doc_id)}[/bold]  {version}  {s.kind}, {escape(s.origin)}  {s.chunks} chunks  "
            f"{s.facts} facts\n    {escape(s.title)} [dim]· {escape(s.publisher)}[/dim]",
            overflow="ellipsis",
        )


@sources_app.command("show")
def sources_show(doc_id: Annotated[str, typer.Argument(help="The document id.")]) -> None:
    """A document's front matter, where it is, its chunk and fact counts, and its version history."""
    import yaml

    from assistant.ingest.documents import front_matter_data
    from assistant.sources import show_source

    s = show_source(load_settings(), doc_id)
    header = front_matter_data(s.header) if s.header else {"id": s.doc_id, "title": s.title, "publisher": s.publisher}
    console.print(escape(yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100).rstrip()), soft_wrap=True)
    console.print(f"kind: {s.kind} ({escape(s.origin)})\nfile: {escape(s.path)}\nchunks: {s.chunks}\nfacts: {s.facts}")
    if s.from_file:
        console.print(f"provenance: from_file ({escape(', '.join(s.from_file))} read from the file itself, not given "
                      "with --title/--publisher/--source-url or a manifest)")
    else:
        console.print("provenance: given (title, publisher and URL given by the person who ingested it, or curated)")
    if s.flagged:
        console.print(f"[yellow]{len(s.flagged)} line(s) address a model or impersonate a chat turn[/yellow]; they stay "
                      "in the text but are never quoted:")
        for flagged in s.flagged:
            where = f"page {flagged.page}, " if flagged.page is not None else ""
            console.print(f"  {where}line {flagged.line} ({flagged.rule}): {escape(repr(flagged.text))}", soft_wrap=True)
    if s.history:
        console.print("history (oldest first; only the current version is answered from):")
        for old in s.history:
            dates = f"added {old.added}" + (f", updated {old.updated}" if old.updated else "")
            if old.superseded_by:
                state = f"superseded by {old.superseded_by} on {old.superseded_on or '?'}"
            else:
                state = "current"
            mark = "*" if old.id == s.doc_id else "-"
            console.print(
                f"  {mark} {escape(old.id)} v{old.version or 1}: {escape(old.source_file or '?')}, {dates}; "
                f"{escape(state)}" + (f"; replaced {escape(old.supersedes)}" if old.supersedes else ""),
                soft_wrap=True,
            )


@sources_app.command("remove")
def sources_remove(
    doc_id: Annotated[str, typer.Argument(help="The document id.")],
    force: Annotated[bool, typer.Option("--force", help="Also remove the quoted facts that cite it.")] = False,
) -> None:
    """Delete a document added with `assistant ingest`, then update the index."""
    from assistant import pipeline
    from assistant.cli.ingest_run import print_built, rebuild_quietly
    from assistant.cli.recovery import transaction
    from assistant.sources import remove_source

    settings = load_settings()
    with transaction(settings, errors) as changes:  # the removal and the index update commit together
        removal = remove_source(settings, doc_id, force=force, changes=changes)
        try:
            report = rebuild_quietly(settings, removal.changes, lambda s: pipeline.make_embedder(s), console)
        except AssistantError as exc:
            errors.print(f"[red]Error:[/red] {escape(str(exc))}")
            errors.print("The change was undone: corpus/ is as it was and the index is unchanged.")
            raise typer.Exit(1) from exc
    facts = sum(len(ids) for ids in removal.facts.values())
    console.print(f"Removed {escape(doc_id)}" + (f" and {facts} fact(s) quoting it." if facts else "."))
    if removal.restored:
        console.print(f"{escape(removal.restored)}, the version it had replaced, is current again.")
    print_built(console, settings, report)
    console.print(f"Once it has switched, GET /v1/documents/{escape(doc_id)} answers 404.")

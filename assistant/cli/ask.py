"""`assistant ask` and `assistant search`: answer a question, or show the passages retrieval ranks
for a query, from the built index."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import MAX_TOP_K, console, errors, load_settings


def ask(
    question: Annotated[list[str], typer.Argument(help="The question; earlier turns first for a follow-up.")],
    top_k: Annotated[int | None, typer.Option(min=1, max=MAX_TOP_K, help="Passages to retrieve (1-50).")] = None,
) -> None:
    """Answer a question (several arguments = a conversation, the last one answered); with a model
    server configured (ASSISTANT_LLM_BASE_URL) the answer may be generated, every sentence verified."""
    from assistant.cli.recovery import start_up
    from assistant.pipeline import load_answerer, load_generation, make_embedder

    settings = load_settings()
    turns = [q for q in question if q.strip()]
    if not turns:
        errors.print("[red]Give a question[/red], e.g. assistant ask \"Is CPT 64642 covered by Aetna?\"")
        raise typer.Exit(2)
    start_up(settings, errors)
    generation = load_generation(settings)  # None unless ASSISTANT_LLM_BASE_URL is set
    answerer = load_answerer(settings, make_embedder(settings))
    if generation is not None:
        try:
            answer = generation.answer(answerer, turns, top_k=top_k)
        finally:
            generation.close()
    else:
        answer = answerer.answer(turns, top_k=top_k)
    status = "[yellow]NOT FOUND IN SOURCES[/yellow]" if answer.abstained else "[green]ANSWER[/green]"
    console.print(f"{status}  confidence={answer.confidence:.2f}  query={escape(answer.query)!r}")
    if answer.prompt_version is not None:
        console.print(f"mode={answer.mode}  dropped_sentences={answer.dropped_sentences}  prompt={answer.prompt_version}")
    console.print(escape(answer.text), soft_wrap=True)
    for conflict in answer.conflicts:
        console.print(f"[magenta]Sources differ[/magenta] on {escape(conflict.topic)}: "
                      + "; ".join(f"[{claim.citation}]" for claim in conflict.claims))
    for c in answer.citations:
        where = f" > {escape(c.section)}" if c.section and c.section != c.title else ""
        document = answerer.index.documents.get(c.doc_id)
        page = document.page_at(c.start) if document is not None else None
        where += f", page {page}" if page is not None else ""
        console.print(f"  [{c.marker}] {escape(c.title)}{where} ({c.doc_id} {c.start}-{c.end})")
        if c.kind == "reference":
            console.print(f"      this project's summary of: {escape(str(c.source))}; confidence: {c.confidence}")
        console.print(f"      \"{escape(' '.join(c.quote.split()))}\"")
        if c.source_url:
            console.print(f"      {escape(c.source_url)}")


def search(
    query: Annotated[str, typer.Argument(help="Free-text query.")],
    k: Annotated[int, typer.Option(min=1, max=MAX_TOP_K, help="Number of passages (1-50).")] = 5,
) -> None:
    """Show the ranked passages retrieval finds for a query."""
    from assistant.cli.recovery import start_up
    from assistant.pipeline import load_answerer, make_embedder

    if not query.strip():  # the API refuses a blank q too: it would rank arbitrary passages
        errors.print("[red]Give a query[/red], e.g. assistant search \"modifier 59\"")
        raise typer.Exit(2)
    settings = load_settings()
    start_up(settings, errors)
    answerer = load_answerer(settings, make_embedder(settings))
    for rank, hit in enumerate(answerer.search(query, top_k=k), start=1):
        p = hit.passage
        console.print(f"{rank}. [{p.kind}] {p.passage_id}  score={hit.score:.4f}")
        console.print(f"   {escape(' '.join(p.text.split())[:200])}")

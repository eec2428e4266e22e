"""Command line: ``assistant build | ask | search | serve | ingest | sources | eval | bench | feedback``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from assistant.config import Settings
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.ingest.source_docs import Overrides

app = typer.Typer(
    help="Grounded coverage and coding answers with citations, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="List, show and remove the corpus's documents.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
console = Console()
errors = Console(stderr=True)
MAX_TOP_K = 50
"""The most passages ``ask --top-k`` and ``search --k`` take, as the API and settings allow."""


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        errors.print(f"[red]Invalid settings:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


@app.command()
def build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the index is up to date.")] = False,
) -> None:
    """Build the index from corpus/ (skipped when corpus and settings are unchanged)."""
    from assistant.cli.recovery import exclusive
    from assistant.pipeline import build_index, index_state, make_embedder

    settings = _settings()
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


@app.command()
def ask(
    question: Annotated[list[str], typer.Argument(help="The question; earlier turns first for a follow-up.")],
    top_k: Annotated[int | None, typer.Option(min=1, max=MAX_TOP_K, help="Passages to retrieve (1-50).")] = None,
) -> None:
    """Answer a question (several arguments = a conversation, the last one answered); with a model
    server configured (ASSISTANT_LLM_BASE_URL) the answer may be generated, every sentence verified."""
    from assistant.cli.recovery import start_up
    from assistant.pipeline import load_answerer, load_generation, make_embedder

    settings = _settings()
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


@app.command()
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
    settings = _settings()
    start_up(settings, errors)
    answerer = load_answerer(settings, make_embedder(settings))
    for rank, hit in enumerate(answerer.search(query, top_k=k), start=1):
        p = hit.passage
        console.print(f"{rank}. [{p.kind}] {p.passage_id}  score={hit.score:.4f}")
        console.print(f"   {escape(' '.join(p.text.split())[:200])}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from settings: 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default from settings: 8000).")] = None,
    allow_no_auth: Annotated[
        bool,
        typer.Option("--allow-no-auth", help="Serve a non-loopback host without API keys (anyone who can reach it may ask)."),
    ] = False,
) -> None:
    """Serve the chat API (and its docs at /docs); without API keys only on loopback unless --allow-no-auth."""
    import uvicorn

    from assistant.api.access_log import server_log_config
    from assistant.api.app import create_app
    from assistant.api.security import is_loopback, load_api_keys
    from assistant.cli.recovery import start_up
    from assistant.pipeline import index_state

    settings = _settings()
    bind_host = host or settings.host
    bind_port = port or settings.port
    try:
        keys = load_api_keys(settings)
    except AssistantError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    if not keys and not is_loopback(bind_host) and not allow_no_auth:
        errors.print(
            f"[red]Refusing to serve {escape(bind_host)} without API keys.[/red] Set ASSISTANT_API_KEYS (or "
            "ASSISTANT_API_KEYS_FILE), bind to 127.0.0.1, or pass --allow-no-auth to serve it open."
        )
        raise typer.Exit(2)
    start_up(settings, errors)
    state = index_state(settings)
    if state != "fresh":
        errors.print(f"[red]The index is {state}.[/red] Run `assistant build` first (make run does it for you).")
        raise typer.Exit(1)
    if keys:
        console.print(f"API keys: required on /v1/* ({len(keys)} configured).")
    elif is_loopback(bind_host):
        console.print("API keys: not required (none configured); serving on loopback only.")
    else:
        console.print("[yellow]API keys: not required (none configured, --allow-no-auth): open to anyone who can reach this host.[/yellow]")
    if settings.llm_base_url is not None:
        console.print(f"Generative answers: on ({escape(settings.llm_model)} at {escape(str(settings.llm_base_url))}); "
                      "every sentence verified, the extractive answer as fallback. GET /healthz shows if it answers.")
    console.print(f"Serving on http://{bind_host}:{bind_port}  (API docs: /docs)")
    # uvicorn's access log writes query strings (questions, identifiers): ours logs route templates only.
    uvicorn.run(create_app(settings), host=bind_host, port=bind_port, log_config=server_log_config(), access_log=False)


@app.command("eval")
def evaluate(
    split: Annotated[
        list[str] | None, typer.Option(help="Splits to score (eval/<split>.jsonl); default dev and test, none with --realdocs.")
    ] = None,
    url: Annotated[str | None, typer.Option(help="Score a running server instead, e.g. http://127.0.0.1:8000.")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="ASSISTANT_EVAL_API_KEY", help="Bearer key for --url.")] = None,
    distractors: Annotated[
        int, typer.Option(min=0, max=1_000_000, help="Synthetic passages added for the retriever comparison (0: skip).")
    ] = 20_000,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed of the distractor generator.")] = 20_000,
    check: Annotated[bool, typer.Option("--check", help="Exit non-zero when below eval/thresholds.yaml.")] = False,
    show_failures: Annotated[bool, typer.Option("--show-failures", help="List every failing item.")] = False,
    eval_dir: Annotated[str, typer.Option(help="Folder with the eval sets and thresholds.yaml.")] = "eval",
    report_dir: Annotated[str | None, typer.Option(help="Where reports go (default <eval-dir>/reports).")] = None,
    with_sources: Annotated[
        list[str] | None,
        typer.Option(help="Score against a private copy of the corpus with these files ingested (repeatable)."),
    ] = None,
    realdocs: Annotated[
        Path | None,
        typer.Option(help="A real-document set (questions.jsonl, docs/, ingest.sh): ingest it privately, score its questions."),
    ] = None,
    questions: Annotated[
        list[Path] | None,
        typer.Option(help="With --realdocs: question files about the set's documents, each scored as its own split (default: its questions.jsonl)."),
    ] = None,
    workdir: Annotated[
        Path | None,
        typer.Option(help="With --realdocs: keep the private corpus and index here and reuse them next time (default: a temporary folder)."),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="extractive (the reader alone, default), generative (the configured model server, verified; "
            "needs ASSISTANT_LLM_BASE_URL) or both, side by side.",
        ),
    ] = "extractive",
) -> None:
    """Score answers, citations, abstention and retrieval on the evaluation set; write reports."""
    import tempfile
    from contextlib import ExitStack
    from pathlib import Path

    from rich.progress import Progress

    from assistant.evaluation.dataset import load_items
    from assistant.evaluation.report import print_report, write_report
    from assistant.evaluation.runner import evaluate as run_evaluation
    from assistant.evaluation.runner import load_thresholds, side_by_side
    from assistant.evaluation.targets import ChatTarget, HttpTarget, InProcessTarget

    folder = Path(eval_dir)
    names = split if split is not None else ([] if realdocs else ["dev", "test"])
    splits = {name: load_items(folder / f"{name}.jsonl") for name in names}
    thresholds = load_thresholds(folder / "thresholds.yaml")
    if url and (with_sources or realdocs):
        errors.print("[red]--with-sources and --realdocs[/red] score in-process; they cannot be combined with --url.")
        raise typer.Exit(2)
    if with_sources and realdocs:
        errors.print("[red]--with-sources and --realdocs[/red] each make their own private corpus; give one of them.")
        raise typer.Exit(2)
    if mode not in ("extractive", "generative", "both"):
        errors.print(f"[red]--mode {escape(mode)}[/red] is not one of extractive, generative, both.")
        raise typer.Exit(2)
    if url and mode != "extractive":
        errors.print("[red]--mode[/red] chooses how answers are made in-process; a server at --url answers in its own "
                     "mode (its replies' `mode` is reported).")
        raise typer.Exit(2)
    generation = None
    if mode != "extractive":
        from assistant.pipeline import load_generation

        generation = load_generation(_settings())
        if generation is None:
            errors.print(f"[red]--mode {mode}[/red] needs a model server: set ASSISTANT_LLM_BASE_URL and "
                         "ASSISTANT_LLM_MODEL (see README, Generative answers).")
            raise typer.Exit(2)
    answerer = None
    targets: dict[str, ChatTarget] = {}
    with ExitStack() as cleanup:  # the HTTP clients and the private corpus copy go, even on error
        if generation is not None:
            cleanup.callback(generation.close)
        if url:
            http_target = HttpTarget(url, api_key=api_key)
            cleanup.callback(http_target.close)
            targets["extractive"] = http_target
        else:
            from assistant.pipeline import load_answerer, make_embedder

            settings = _settings()
            embedder = make_embedder(settings)
            if with_sources:
                from assistant.evaluation.with_sources import corpus_with_sources

                workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="assistant-eval-")))
                with console.status("Ingesting the extra sources into a private corpus copy..."):
                    settings = corpus_with_sources(settings, [Path(p) for p in with_sources], workdir, embedder)
            if realdocs:
                from assistant.evaluation.realdocs import SPLIT, corpus_with_realdocs, load_realdocs_items

                private = workdir or Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="assistant-eval-")))
                private.mkdir(parents=True, exist_ok=True)
                with console.status("Ingesting the real documents into a private corpus copy...") as status:
                    settings, doc_ids = corpus_with_realdocs(
                        settings, realdocs, private, embedder, progress=lambda p: status.update(f"Ingesting {p.name}...")
                    )
                question_files: list[Path | None] = list(questions) if questions else [None]
                for path in question_files:
                    splits[path.stem if path else SPLIT] = load_realdocs_items(realdocs, doc_ids, path)
            answerer = load_answerer(settings, embedder)
            if mode in ("extractive", "both"):
                targets["extractive"] = InProcessTarget(answerer)
            if mode in ("generative", "both"):
                targets["generative"] = InProcessTarget(answerer, generation)
        total = sum(len(items) for items in splits.values()) * len(targets)
        runs = {}
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task("Scoring", total=total)
            for number, (name, target) in enumerate(targets.items()):
                runs[name] = run_evaluation(
                    target,
                    splits,
                    target_name=url or ("in-process" if name == "extractive" else "in-process, generative"),
                    thresholds=thresholds,
                    distractor_count=distractors if answerer is not None and number == 0 else 0,
                    distractor_seed=seed,
                    answerer=answerer,
                    progress=lambda _item: progress.advance(task),
                )
        run = side_by_side(runs["extractive"], runs["generative"], thresholds) if len(runs) == 2 else next(iter(runs.values()))
    files = write_report(run.report, Path(report_dir) if report_dir else folder / "reports")
    print_report(run.report, console, show_failures=show_failures)
    console.print(f"Report: {files.json}, {files.markdown}, {files.chart}")
    if check and not run.report["gate"]["passed"]:
        raise typer.Exit(1)


@app.command()
def bench(
    questions: Annotated[int, typer.Option(min=1, max=10_000, help="How many evaluation questions to send per round.")] = 50,
    rounds: Annotated[int, typer.Option(min=1, max=1_000, help="Rounds over the questions (of builds with --incremental).")] = 3,
    url: Annotated[str | None, typer.Option(help="Benchmark a running server instead of starting one.")] = None,
    eval_dir: Annotated[str, typer.Option(help="Folder with dev.jsonl and test.jsonl (question source).")] = "eval",
    incremental: Annotated[
        bool,
        typer.Option("--incremental", help="Time index builds instead: full rebuild vs adding and removing a document."),
    ] = False,
    realdocs: Annotated[
        Path | None,
        typer.Option(help="Ask a real-document set's questions against a private corpus with its documents ingested."),
    ] = None,
    workdir: Annotated[Path | None, typer.Option(help="With --realdocs: keep and reuse the private corpus here.")] = None,
) -> None:
    """Time warm /v1/chat requests (median, p95) beside an HTTP baseline and in-process answering."""
    from pathlib import Path

    from rich.table import Table

    if incremental:
        _bench_builds(rounds)
        return
    from assistant.evaluation.bench import run_benchmark, serve_in_thread
    from assistant.evaluation.dataset import load_items

    if url and realdocs:
        errors.print("[red]--realdocs[/red] benchmarks a server it starts itself; it cannot be combined with --url.")
        raise typer.Exit(2)
    if realdocs:
        from assistant.evaluation.realdocs import QUESTIONS

        try:
            lines = (realdocs / QUESTIONS).read_text(encoding="utf-8").splitlines()
            turns = [json.loads(line)["turns"] for line in lines if line.strip()]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            errors.print(f"[red]Cannot read {escape(str(realdocs / QUESTIONS))}:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
        sample = [t[0] for t in turns if len(t) == 1][:questions]
    else:
        items = [i for name in ("dev", "test") for i in load_items(Path(eval_dir) / f"{name}.jsonl") if len(i.turns) == 1]
        sample = [i.turns[0] for i in items][:questions]
    if url:
        timings = run_benchmark(url, sample, None, rounds)
    else:
        import tempfile

        from assistant.pipeline import load_answerer, make_embedder

        settings = _settings()
        embedder = make_embedder(settings)
        with tempfile.TemporaryDirectory(prefix="assistant-bench-") as temporary:
            if realdocs:
                from assistant.evaluation.realdocs import corpus_with_realdocs

                private = workdir or Path(temporary)
                private.mkdir(parents=True, exist_ok=True)
                with console.status("Ingesting the real documents into a private corpus copy..."):
                    settings, _ = corpus_with_realdocs(settings, realdocs, private, embedder)
            answerer = load_answerer(settings, embedder)
            with serve_in_thread(settings, answerer) as served:
                timings = run_benchmark(served, sample, answerer, rounds)
    table = Table(title=f"Latency over {len(sample)} questions x {rounds} rounds (ms)")
    for column in ("call", "n", "p50", "p95", "max", "p50 / health p50"):
        table.add_column(column, justify="left" if column == "call" else "right")
    baseline = next(t.p50 for t in timings if "healthz" in t.name)
    for t in timings:
        table.add_row(t.name, str(t.count), f"{t.p50:.1f}", f"{t.p95:.1f}", f"{t.max:.1f}", f"{t.p50 / baseline:.1f}x")
    console.print(table)


feedback_app = typer.Typer(help="Evaluator feedback stored by POST /v1/feedback.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


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
    settings = _settings()
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


@app.command()
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

    settings = _settings()
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


@sources_app.command("list")
def sources_list() -> None:
    """Every document: id, version, kind and origin, chunk and fact counts, title and publisher."""
    from assistant.sources import list_sources

    summaries = list_sources(_settings())
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

    s = show_source(_settings(), doc_id)
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

    settings = _settings()
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


def _bench_builds(rounds: int) -> None:
    """Print medians of full, add-one-document and remove-it builds on a copy of the corpus."""
    from rich.table import Table

    from assistant.evaluation.build_bench import run_build_benchmark
    from assistant.pipeline import make_embedder

    settings = _settings()
    with console.status("Loading the embedding model..."):
        embedder = make_embedder(settings)
    result = run_build_benchmark(settings, embedder, rounds=rounds, progress=lambda line: errors.print(line))
    table = Table(title=f"Index builds over {rounds} rounds (seconds; a copy of {settings.corpus_dir})")
    for column in ("build", "median", "min", "max", "embedded", "reused", "full / this"):
        table.add_column(column, justify="left" if column == "build" else "right")
    for phase in (result.full, result.add, result.remove):
        table.add_row(
            phase.name, f"{phase.median:.3f}", f"{min(phase.seconds):.3f}", f"{max(phase.seconds):.3f}",
            str(phase.embedded), str(phase.reused), f"{result.full.median / phase.median:.1f}x",
        )
    for phase in (result.read_corpus, result.bm25):
        table.add_row(f"  part: {phase.name}", f"{phase.median:.3f}", f"{min(phase.seconds):.3f}",
                      f"{max(phase.seconds):.3f}", "", "", "")
    console.print(table)
    console.print(
        f"The added document: {result.document_passages} passages, {result.document_sentences} sentences. "
        "'part' rows: work every build repeats over the whole corpus (all passages), timed alone."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code.

    Typed errors become a message and exit code 1; a bad argument or option (out of its bounds, not
    a number, unknown) becomes one ``Error:`` line and exit code 2, never a traceback.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged PDF gets our own message, not pypdf's warnings
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        code = app(args=argv, prog_name="assistant", standalone_mode=False)
    except typer.BadParameter as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        errors.print(f"[red]Error:[/red] {escape(exc.format_message())}{escape(where)}", soft_wrap=True)
        return exc.exit_code
    except typer.TyperException as exc:  # other usage errors (unknown option, no command): click's own text
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            errors.print(f"[red]Error:[/red] {escape(exc.format_message())}")
        return exc.exit_code
    except typer.Abort:
        errors.print("Aborted.")
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except AssistantError as exc:
        errors.print(f"[red]Error:[/red] {escape(str(exc))}")
        return 1
    except KeyboardInterrupt:
        errors.print("Aborted.")
        return 130
    return code if isinstance(code, int) else 0


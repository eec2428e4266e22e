"""`assistant eval` and `assistant bench`: score the evaluation sets and time answering or index
builds, printing tables and writing reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, errors, load_settings


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

        generation = load_generation(load_settings())
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

            settings = load_settings()
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

        settings = load_settings()
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


def _bench_builds(rounds: int) -> None:
    """Print medians of full, add-one-document and remove-it builds on a copy of the corpus."""
    from rich.table import Table

    from assistant.evaluation.build_bench import run_build_benchmark
    from assistant.pipeline import make_embedder

    settings = load_settings()
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

"""Build-time benchmark: a full rebuild against incremental builds adding and removing one document.

Figures, not assertions. Runs on a temporary copy of the corpus and prompts, with the embedder it
is given (the real model from ``assistant bench --incremental``), so the project's index is never
touched. Each round times, in the same run: a forced full rebuild (the baseline), an incremental
build after adding one generated document, and one after removing it again. It also times the
parts every build still does over the whole corpus: reading and chunking it, and BM25.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.evaluation.distractors import generate_distractors
from assistant.pipeline import BuildReport, build_index
from assistant.pipeline import read_corpus as read_whole_corpus
from assistant.store.hybrid import build_bm25

BENCH_DOC_ID = "bench-added-document"
SECTIONS = ("Coverage", "Modifiers", "Place of service", "Documentation")


@dataclass
class Phase:
    """Seconds of each round of one kind of build, and the vectors it embedded."""

    name: str
    seconds: list[float] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0

    @property
    def median(self) -> float:
        """Median seconds over the rounds."""
        return statistics.median(self.seconds)


@dataclass(frozen=True)
class BuildBenchmark:
    """All phases of a run, the full rebuild first (the baseline of the ratios)."""

    full: Phase
    add: Phase
    remove: Phase
    read_corpus: Phase
    bm25: Phase
    document_passages: int
    document_sentences: int


def bench_document(seed: int = 7) -> str:
    """A generated billing document (front matter and four sections), new text to every corpus."""
    sentences = [text for _, text in generate_distractors(len(SECTIONS) * 6, seed=seed)]
    body = "\n\n".join(
        f"## {title}\n\n" + " ".join(sentences[i * 6 : (i + 1) * 6]) for i, title in enumerate(SECTIONS)
    )
    return (
        f"---\nid: {BENCH_DOC_ID}\ntitle: Generated benchmark bulletin\npublisher: Benchmark\n"
        f"codes: []\nadded: 2026-11-27\n---\n{body}\n"
    )


def run_build_benchmark(
    settings: Settings,
    embedder: Embedder,
    *,
    rounds: int = 3,
    progress: Callable[[str], None] = lambda _message: None,
) -> BuildBenchmark:
    """Time full, add-one-document and remove-it builds over ``rounds`` rounds on a corpus copy.

    ``settings`` gives the corpus, prompts, model and chunking; the index goes to a temporary folder.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds!r}")
    with tempfile.TemporaryDirectory(prefix="assistant-build-bench-") as scratch:
        work = _copy_corpus(settings, Path(scratch))
        document = work.corpus_dir / "documents" / f"{BENCH_DOC_ID}.md"
        progress("warm-up: first full build")
        build_index(work, embedder, force=True)
        phases = {
            "full": Phase("full"),
            "add": Phase("add 1 doc"),
            "remove": Phase("remove it"),
            "read_corpus": Phase("read+chunk"),
            "bm25": Phase("BM25"),
        }
        for number in range(1, rounds + 1):
            base = _timed(phases["full"], lambda: build_index(work, embedder, force=True))
            document.write_text(bench_document(), encoding="utf-8")
            added = _timed(phases["add"], lambda: build_index(work, embedder))
            _time_whole_corpus_parts(work, phases["read_corpus"], phases["bm25"])
            document.unlink()
            _timed(phases["remove"], lambda: build_index(work, embedder))
            progress(
                f"round {number}/{rounds}: full {phases['full'].seconds[-1]:.2f} s, "
                f"add {phases['add'].seconds[-1]:.2f} s, remove {phases['remove'].seconds[-1]:.2f} s"
            )
    return BuildBenchmark(
        full=phases["full"],
        add=phases["add"],
        remove=phases["remove"],
        read_corpus=phases["read_corpus"],
        bm25=phases["bm25"],
        document_passages=added.counts["passages"] - base.counts["passages"],
        document_sentences=added.counts["sentences"] - base.counts["sentences"],
    )


def _copy_corpus(settings: Settings, scratch: Path) -> Settings:
    shutil.copytree(settings.corpus_dir, scratch / "corpus")
    shutil.copytree(settings.prompts_dir, scratch / "prompts")
    return settings.model_copy(
        update={"corpus_dir": scratch / "corpus", "prompts_dir": scratch / "prompts", "index_dir": scratch / "index"}
    )


def _timed(phase: Phase, build: Callable[[], BuildReport]) -> BuildReport:
    started = time.perf_counter()
    report = build()
    phase.seconds.append(time.perf_counter() - started)
    phase.embedded, phase.reused = report.embedded, report.reused
    return report


def _time_whole_corpus_parts(settings: Settings, read_corpus: Phase, bm25: Phase) -> None:
    """Time what an incremental build still does over the whole corpus: read + chunk, and BM25."""
    started = time.perf_counter()
    corpus = read_whole_corpus(settings)
    read_corpus.seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    build_bm25(corpus.passages)
    bm25.seconds.append(time.perf_counter() - started)

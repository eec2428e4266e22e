"""One evaluation run: score every split, compare retrievers with and without distractors, gate."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.schemas import PassageOut
from assistant.evaluation.dataset import EvalDataError, EvalItem, Evidence
from assistant.evaluation.distractors import distractor_index_parts, generate_distractors
from assistant.evaluation.scorer import ItemResult, first_relevant_rank, retrieval_metrics, run, summarize
from assistant.evaluation.targets import ChatTarget, InProcessTarget, SearchMode
from assistant.retrieve import RETRIEVAL_MODES, RetrievalSettings, retrieve
from assistant.store.disk import load_index, save_index
from assistant.store.hybrid import HybridIndex, build_hybrid_index
from assistant.store.manifest import BuildInputs

GATED_METRICS = ("answer_accuracy", "citation_validity", "citation_support", "abstention_precision", "abstention_recall")


class Thresholds(BaseModel):
    """The CI gate (eval/thresholds.yaml): minimum per metric, on every split."""

    model_config = ConfigDict(extra="forbid")

    minimums: dict[str, float] = Field(description="metric name -> minimum value on each split")
    split_minimums: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="split name -> metric -> minimum, replacing `minimums` for that split"
    )
    hybrid_recall_at_3_at_least_best_single: bool = True

    def for_split(self, split: str) -> dict[str, float]:
        """The minimums that apply to ``split``."""
        return self.split_minimums.get(split, self.minimums)


def load_thresholds(path: Path) -> Thresholds:
    """Read the gate thresholds.

    Raises:
        EvalDataError: the file is missing or names an unknown metric.
    """
    try:
        thresholds = Thresholds.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise EvalDataError(f"{path}: cannot read thresholds ({exc}).") from exc
    named = set(thresholds.minimums).union(*(set(m) for m in thresholds.split_minimums.values()))
    unknown = named - set(GATED_METRICS)
    if unknown:
        raise EvalDataError(f"{path}: unknown metrics {sorted(unknown)}; known: {list(GATED_METRICS)}.")
    return thresholds


@dataclass
class EvalRun:
    """Everything a run measured, ready to report."""

    report: dict[str, Any]
    results: dict[str, list[ItemResult]]


def evaluate(
    target: ChatTarget,
    splits: dict[str, list[EvalItem]],
    *,
    target_name: str,
    thresholds: Thresholds | None = None,
    distractor_count: int = 0,
    distractor_seed: int = 20_000,
    answerer: GroundedAnswerer | None = None,
    progress: Callable[[EvalItem], None] | None = None,
) -> EvalRun:
    """Score ``splits`` on ``target``; with an in-process ``answerer``, also run distractors."""
    modes: tuple[SearchMode, ...] = (*RETRIEVAL_MODES, "sentences") if isinstance(target, InProcessTarget) else ("hybrid",)
    results = {name: run(target, items, modes=modes, progress=progress) for name, items in splits.items()}
    report: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "target": target_name,
        "index_version": next((r.reply.get("index_version") for rs in results.values() for r in rs), None),
        "splits": {name: summarize(rs) for name, rs in results.items()},
    }
    if distractor_count and answerer is not None:
        report["distractors"] = distractor_comparison(answerer, results, distractor_count, distractor_seed)
    report["failures"] = [failure_record(name, r) for name, rs in results.items() for r in rs if r.problems()]
    if thresholds is not None:
        report["gate"] = gate(report, thresholds)
    return EvalRun(report, results)


GENERATIVE_SUFFIX = " [generative]"
"""Appended to a split's name for its generative run when both modes are scored."""


def side_by_side(extractive: EvalRun, generative: EvalRun, thresholds: Thresholds | None = None) -> EvalRun:
    """One run holding both modes: each split twice, its generative copy named ``<split> [generative]``
    (the distractor comparison, retrieval only, is the extractive run's)."""
    renamed = {f"{name}{GENERATIVE_SUFFIX}": summary for name, summary in generative.report["splits"].items()}
    report = {**extractive.report, "splits": {**extractive.report["splits"], **renamed}}
    report["failures"] = [
        *extractive.report["failures"],
        *({**f, "split": f"{f['split']}{GENERATIVE_SUFFIX}"} for f in generative.report["failures"]),
    ]
    report.pop("gate", None)
    if thresholds is not None:
        report["gate"] = gate(report, thresholds)
    results = {**extractive.results, **{f"{k}{GENERATIVE_SUFFIX}": v for k, v in generative.results.items()}}
    return EvalRun(report, results)


def distractor_comparison(
    answerer: GroundedAnswerer, results: dict[str, list[ItemResult]], count: int, seed: int
) -> dict[str, Any]:
    """Retrieval recall and latency per mode on the corpus plus ``count`` synthetic passages.

    The bigger index is built, saved to a temporary directory and loaded back through the same
    store code as the real one; the queries are the standalone queries of the plain run.
    """
    started = time.perf_counter()
    index = _index_with_distractors(answerer, count, seed)
    build_seconds = time.perf_counter() - started
    out: dict[str, Any] = {"count": count, "seed": seed, "passages": len(index.passages), "build_seconds": round(build_seconds, 1)}
    per_split: dict[str, Any] = {}
    for name, split_results in results.items():
        queries = [
            (r.item.evidence, str(r.reply.get("query") or r.item.turns[-1]))
            for r in split_results
            if r.item.evidence is not None
        ]
        per_split[name] = _compare_modes(answerer, index, queries)
    out["splits"] = per_split
    return out


def _index_with_distractors(answerer: GroundedAnswerer, count: int, seed: int) -> HybridIndex:
    base = answerer.index
    exclude = {code for d in base.documents.values() for code in d.codes}
    documents, passages = distractor_index_parts(generate_distractors(count, seed=seed, exclude_codes=exclude))
    index = build_hybrid_index(
        index_version=f"distractors-{count}-{seed}",
        documents=[*base.documents.values(), *documents],
        facts=base.facts,
        passages=[*base.passages, *passages],
        sentences=base.sentences,
        embedder=answerer.embedder,
        show_progress=False,
        passage_vectors=base.passage_vectors_kind,  # searched as the real index is
    )
    inputs = BuildInputs(embedding_model=answerer.embedder.name, chunk_size=0, chunk_overlap=0,
                         corpus_hash=index.index_version, passage_vectors=base.passage_vectors_kind)
    with tempfile.TemporaryDirectory(prefix="assistant-distractors-") as folder:
        save_index(index, Path(folder), inputs, {})
        return load_index(Path(folder), inputs, answerer.embedder.dimension)


def _compare_modes(
    answerer: GroundedAnswerer, index: HybridIndex, queries: list[tuple[Evidence, str]]
) -> dict[str, Any]:
    texts = {doc_id: d.text for doc_id, d in index.documents.items()}
    rows: dict[str, Any] = {}
    for mode in RETRIEVAL_MODES:
        measured: list[tuple[dict[str, int | None], dict[str, float]]] = []
        for evidence, query in queries:
            started = time.perf_counter()
            hits = retrieve(index, query, answerer.embed_query(query), RetrievalSettings(top_k=5, mode=mode))
            milliseconds = (time.perf_counter() - started) * 1000
            passages = [PassageOut.of(h).model_dump() for h in hits]
            measured.append(({mode: first_relevant_rank(passages, evidence, texts.get)}, {mode: milliseconds}))
        rows[mode] = retrieval_metrics(measured).get(mode, {"items": 0})
    return rows


def gate(report: dict[str, Any], thresholds: Thresholds) -> dict[str, Any]:
    """Compare a report with the thresholds: every check, and whether all passed."""
    checks = []
    for split, summary in report["splits"].items():
        for metric, minimum in thresholds.for_split(split).items():
            value = summary.get(metric)
            checks.append({"check": metric, "split": split, "value": value, "minimum": minimum,
                           "passed": value is not None and value >= minimum})
    distractors = report.get("distractors")
    if thresholds.hybrid_recall_at_3_at_least_best_single and distractors:
        for split, modes in distractors["splits"].items():
            hybrid = modes.get("hybrid", {}).get("recall@3")
            best = max((modes.get(m, {}).get("recall@3") or 0.0) for m in ("dense", "lexical"))
            checks.append({"check": "distractors hybrid recall@3 >= best single", "split": split, "value": hybrid,
                           "minimum": best, "passed": hybrid is not None and hybrid >= best})
    return {"passed": all(c["passed"] for c in checks), "checks": checks}


def failure_record(split: str, result: ItemResult) -> dict[str, Any]:
    """A failing item as a report row: conversation, answer, citations and what was wrong."""
    return {
        "split": split,
        "id": result.item.id,
        "category": result.item.category,
        "turns": result.item.turns,
        "answer": result.reply.get("answer"),
        "abstained": result.reply.get("abstained"),
        "query": result.reply.get("query"),
        "citations": [{"marker": c.get("marker"), "quote": c.get("quote")} for c in result.reply.get("citations", [])],
        "problems": result.problems(),
    }

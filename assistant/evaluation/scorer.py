"""Score a target on evaluation items: answers, citations, abstention, retrieval, latency."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.verify import MARKER_GROUP, split_sentences
from assistant.evaluation.dataset import EvalItem, Evidence
from assistant.evaluation.targets import ChatTarget, SearchMode
from assistant.retrieve import RETRIEVAL_MODES

RECALL_AT = (1, 3, 5)


@dataclass
class ItemResult:
    """How one item went: the conversation replayed, the final reply and every check."""

    item: EvalItem
    messages: list[dict[str, str]]
    reply: dict[str, Any]
    seconds: float
    correct: bool
    missing_groups: list[list[str]] = field(default_factory=list)
    forbidden_hits: list[str] = field(default_factory=list)
    citations_valid: int = 0
    citations_total: int = 0
    supported: bool | None = None
    retrieval_ranks: dict[str, int | None] = field(default_factory=dict)
    retrieval_ms: dict[str, float] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        """Whether the final reply abstained."""
        return bool(self.reply.get("abstained"))

    def problems(self) -> list[str]:
        """Plain-language reasons this item failed (empty when it passed every check)."""
        out = []
        if self.item.answerable and self.abstained:
            out.append("abstained on an answerable question")
        if not self.item.answerable and not self.abstained:
            out.append("answered a question the sources do not answer")
        out += [f"missing any of {g}" for g in self.missing_groups]
        out += [f"contains forbidden {p!r}" for p in self.forbidden_hits]
        if self.citations_valid != self.citations_total:
            out.append(f"{self.citations_total - self.citations_valid} citation(s) not exact spans")
        if self.supported is False:
            out.append("no citation contains the evidence quote")
        return out


def replay(target: ChatTarget, item: EvalItem) -> tuple[list[dict[str, str]], dict[str, Any], float]:
    """Send the item's turns one by one, feeding the assistant's answers back; last reply scored."""
    messages: list[dict[str, str]] = []
    reply: dict[str, Any] = {}
    seconds = 0.0
    for turn in item.turns:
        messages.append({"role": "user", "content": turn})
        result = target.chat(list(messages))
        reply, seconds = result.body, result.seconds
        messages.append({"role": "assistant", "content": str(reply.get("answer", ""))})
    return messages[:-1], reply, seconds


def score_item(target: ChatTarget, item: EvalItem, modes: Iterable[SearchMode] = RETRIEVAL_MODES) -> ItemResult:
    """Replay ``item`` against ``target`` and check its final answer, citations and retrieval."""
    messages, reply, seconds = replay(target, item)
    answer = str(reply.get("answer", ""))
    missing = [g for g in item.must_include if not any(re.search(p, answer, re.IGNORECASE) for p in g)]
    forbidden = [p for p in item.must_not_include if re.search(p, answer, re.IGNORECASE)]
    abstained = bool(reply.get("abstained"))
    if item.answerable:
        correct = not abstained and not missing and not forbidden
    else:
        correct = abstained and not forbidden
    citations = list(reply.get("citations", []))
    valid = sum(1 for c in citations if _exact(target, c))
    supported = None
    if item.evidence is not None:
        supported = any(_contains_evidence(c.get("doc_id"), c.get("quote", ""), item.evidence) for c in citations)
    result = ItemResult(item, messages, reply, seconds, correct, missing, forbidden, valid, len(citations), supported)
    if item.evidence is not None:
        query = str(reply.get("query") or item.turns[-1])
        for mode in modes:
            found = target.search(query, max(RECALL_AT), mode)
            if found is not None:
                result.retrieval_ranks[mode] = first_relevant_rank(found[0], item.evidence, target.document_text)
                result.retrieval_ms[mode] = found[1] * 1000
    return result


def first_relevant_rank(
    passages: list[dict[str, Any]], evidence: Evidence, document_text: Callable[[str], str | None]
) -> int | None:
    """1-based rank of the first passage holding the evidence quote, or None.

    A chunk is relevant when its text contains the quote; a fact passage when the document span
    it points at contains it.
    """
    for rank, passage in enumerate(passages, start=1):
        if passage.get("doc_id") != evidence.doc_id:
            continue
        if passage.get("kind") == "fact":
            text = document_text(evidence.doc_id) or ""
            if contains_quote(text[int(passage["start"]) : int(passage["end"])], evidence.quote):
                return rank
        elif contains_quote(str(passage.get("text", "")), evidence.quote):
            return rank
    return None


def summarize(results: list[ItemResult]) -> dict[str, Any]:
    """Overall and per-category metrics for a list of item results."""
    summary = _metrics(results)
    categories = sorted({r.item.category for r in results})
    summary["by_category"] = {c: _metrics([r for r in results if r.item.category == c]) for c in categories}
    return summary


def _metrics(results: list[ItemResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    abstained = [r for r in results if r.abstained]
    with_evidence = [r for r in results if r.supported is not None and not r.abstained]
    total_citations = sum(r.citations_total for r in results)
    latencies = sorted(r.seconds * 1000 for r in results)
    metrics: dict[str, Any] = {
        "items": len(results),
        "accuracy": _ratio(sum(r.correct for r in results), len(results)),
        "answer_accuracy": _ratio(sum(r.correct for r in answerable), len(answerable)),
        "citation_validity": _ratio(sum(r.citations_valid for r in results), total_citations),
        "citation_support": _ratio(sum(bool(r.supported) for r in with_evidence), len(with_evidence)),
        "abstention_precision": _ratio(sum(not r.item.answerable for r in abstained), len(abstained)),
        "abstention_recall": _ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "latency_ms_p50": round(_percentile(latencies, 50), 1) if latencies else None,
        "latency_ms_p95": round(_percentile(latencies, 95), 1) if latencies else None,
    }
    metrics.update(generation_metrics(results))
    metrics["retrieval"] = retrieval_metrics((r.retrieval_ranks, r.retrieval_ms) for r in results)
    return metrics


def generation_metrics(results: list[ItemResult]) -> dict[str, Any]:
    """When a model was asked for some reply: the share of replies it wrote (``generative_share``)
    and the share of the sentences it wrote that the verifier dropped (``dropped_rate``: dropped /
    (kept + dropped)); nothing when no model was asked (extractive runs report as before)."""
    asked = [r for r in results if r.reply.get("prompt_version")]
    if not asked:
        return {}
    kept = sum(
        sum(1 for s in split_sentences(str(r.reply.get("answer", "")))[0] if MARKER_GROUP.search(s))
        for r in asked
        if r.reply.get("mode") == "generative"
    )
    dropped = sum(int(r.reply.get("dropped_sentences") or 0) for r in asked)
    return {
        "generative_share": _ratio(sum(r.reply.get("mode") == "generative" for r in results), len(results)),
        "dropped_rate": _ratio(dropped, kept + dropped),
    }


def retrieval_metrics(
    rows: Iterable[tuple[dict[str, int | None], dict[str, float]]],
) -> dict[str, dict[str, float | int | None]]:
    """recall@k, MRR and latency percentiles per retrieval mode, from each query's first-relevant
    rank and milliseconds taken."""
    ranks_by_mode: dict[str, list[int | None]] = {}
    ms_by_mode: dict[str, list[float]] = {}
    for item_ranks, milliseconds in rows:
        for mode, rank in item_ranks.items():
            ranks_by_mode.setdefault(mode, []).append(rank)
        for mode, ms in milliseconds.items():
            ms_by_mode.setdefault(mode, []).append(ms)
    out: dict[str, dict[str, float | int | None]] = {}
    for mode, ranks in ranks_by_mode.items():
        row: dict[str, float | int | None] = {"items": len(ranks)}
        for k in RECALL_AT:
            row[f"recall@{k}"] = _ratio(sum(1 for r in ranks if r is not None and r <= k), len(ranks))
        row["mrr"] = _ratio(sum(1 / r for r in ranks if r is not None), len(ranks))
        latencies = sorted(ms_by_mode.get(mode, []))
        row["latency_ms_p50"] = round(_percentile(latencies, 50), 2) if latencies else None
        row["latency_ms_p95"] = round(_percentile(latencies, 95), 2) if latencies else None
        out[mode] = row
    return out


def run(
    target: ChatTarget,
    items: list[EvalItem],
    *,
    modes: Iterable[SearchMode] = RETRIEVAL_MODES,
    progress: Callable[[EvalItem], None] | None = None,
) -> list[ItemResult]:
    """Score every item in order."""
    results = []
    for item in items:
        results.append(score_item(target, item, tuple(modes)))
        if progress:
            progress(item)
    return results


def _exact(target: ChatTarget, citation: dict[str, Any]) -> bool:
    text = target.document_text(str(citation.get("doc_id")))
    if text is None:
        return False
    return text[int(citation.get("start", -1)) : int(citation.get("end", -1))] == citation.get("quote")


def _contains_evidence(doc_id: object, quote: str, evidence: Evidence) -> bool:
    return doc_id == evidence.doc_id and contains_quote(quote, evidence.quote)


def contains_quote(text: str, quote: str) -> bool:
    """Whether ``quote`` occurs in ``text``, both NFKC-normalised with whitespace collapsed (so an
    extractor's ligatures and line breaks do not hide a match). A table row stored as
    ``Code: C50.911; Description: Malignant ...`` also matches the cells as printed ("C50.911 Malignant ...")."""
    wanted = _normal(quote)
    normal = _normal(text)
    return wanted in normal or wanted in _cells(normal)


# "Header: " at the start of a stored row or after its "; " cell separator (a header of a few words).
_ROW_HEADER = re.compile(r"(?:^|; )[^.;:!?]{1,60}?: ")


def _cells(row: str) -> str:
    """A stored table row's cells joined by spaces, without their headers."""
    return " ".join(_ROW_HEADER.sub(" ", row).split())


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _ratio(numerator: float, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _percentile(sorted_values: list[float], percent: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(percent) - 1]

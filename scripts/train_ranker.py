"""Fit the evidence ranker's weights on dev data and write prompts/ranker.yaml.

    .venv/bin/python scripts/train_ranker.py --realdocs ../shared/realdocs --train eval/realdocs-train.jsonl

Dev data only: the real-document set's questions and the training questions written about its
documents (never a held-out set). For every question, each candidate unit the reader gathers is
labelled relevant when its quote contains the item's evidence quote (NFKC, whitespace collapsed);
a logistic regression over the ranker's features is fitted on those labels, and the abstention
threshold is the decision value that best separates answerable questions (their evidence among
the candidates) from unanswerable ones. Leave-one-document-out figures are printed so the fit is
judged on documents it did not see.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

from assistant.answer.rank import FEATURES
from assistant.answer.reader import EvidenceReader
from assistant.config import Settings
from assistant.evaluation.dataset import EvalItem, load_items
from assistant.evaluation.realdocs import corpus_with_realdocs, load_realdocs_items
from assistant.evaluation.scorer import contains_quote
from assistant.pipeline import load_answerer, make_embedder

# How far below the best unit (in decision value) other units may still be quoted, up to the
# reader's limit of 3. Measured on the realdocs questions (2026-11-30): margin 0.6 -> answer
# accuracy 0.378, 1.5 -> 0.533, 3.0 -> 0.556 (the evidence is 2nd or 3rd more often than 1st).
QUOTE_MARGIN = 3.0


@dataclass
class Example:
    """One question's candidates: features, relevance labels, its document and answerability."""

    item: EvalItem
    features: np.ndarray
    labels: np.ndarray
    doc_id: str | None


def examples(reader: EvidenceReader, items: list[EvalItem]) -> list[Example]:
    """Features and labels of every candidate of every item."""
    out = []
    for item in items:
        question = reader.questions.read(item.turns)
        ranked = reader.rank(question)
        rows = np.array([s.features for s in ranked], dtype=np.float64).reshape(-1, len(FEATURES))
        labels = np.zeros(len(ranked))
        if item.evidence is not None:
            for i, scored in enumerate(ranked):
                quote = reader.evidence.quote(scored.unit)
                lead = scored.unit.lead_in
                context = reader.evidence.quote(reader.evidence.units[lead]) + " " + quote if lead is not None else quote
                if scored.unit.doc_id == item.evidence.doc_id and (
                    contains_quote(quote, item.evidence.quote) or contains_quote(context, item.evidence.quote)
                    or (len(quote) >= 25 and contains_quote(item.evidence.quote, quote))
                ):
                    labels[i] = 1.0
        out.append(Example(item, rows, labels, item.evidence.doc_id if item.evidence else None))
    return out


def fit(train: list[Example]) -> LogisticRegression:
    """Logistic regression on all candidates of answerable items (balanced classes)."""
    x = np.vstack([e.features for e in train if e.item.answerable and len(e.features)])
    y = np.concatenate([e.labels for e in train if e.item.answerable and len(e.features)])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return model


def threshold(model: LogisticRegression, train: list[Example]) -> float:
    """The decision value that best tells answerable items (evidence found) from unanswerable ones."""
    points = []
    for e in train:
        if not len(e.features):
            continue
        top = float(model.decision_function(e.features).max())
        if e.item.answerable and e.labels.any():
            points.append((top, True))
        elif not e.item.answerable:
            points.append((top, False))
    best, best_t = -1.0, 0.0
    for t in sorted({p for p, _ in points}):
        right = sum((p >= t) == answerable for p, answerable in points)
        if right > best:
            best, best_t = right, t
    return best_t


def recall_at(model: LogisticRegression, test: list[Example], k: int = 1) -> float:
    """Share of answerable items with a relevant candidate among their ``k`` top-scored ones."""
    hits = [bool(e.labels[np.argsort(-model.decision_function(e.features), kind="stable")[:k]].any()) for e in test
            if e.item.answerable and len(e.features)]
    return sum(hits) / len(hits) if hits else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realdocs", type=Path, default=Path("../shared/realdocs"))
    parser.add_argument("--train", type=Path, action="append", default=[], help="Extra question files about the set's documents.")
    parser.add_argument("--split", action="append", default=[], help="Dev splits of eval/ about the project corpus (e.g. dev).")
    parser.add_argument("--workdir", type=Path, help="Reuse a private corpus here (default: a temporary folder).")
    parser.add_argument("--out", type=Path, default=Path("prompts/ranker.yaml"))
    args = parser.parse_args()
    settings = Settings()
    embedder = make_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="assistant-train-") as temporary:
        work = args.workdir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        private, ids = corpus_with_realdocs(settings, args.realdocs, work, embedder)
        reader = load_answerer(private, embedder).reader
        items = load_realdocs_items(args.realdocs, ids)
        for extra in args.train:
            folder = Path(tempfile.mkdtemp(dir=temporary))
            shutil.copy(extra, folder / "questions.jsonl")
            items += load_realdocs_items(folder, ids)
        for name in args.split:
            if "test" in name:
                parser.error(f"{name} is a held-out split; train on dev data only")
            items += load_items(Path("eval") / f"{name}.jsonl")
        data = examples(reader, items)
    documents = sorted({e.doc_id for e in data if e.doc_id and e.doc_id in ids.values()})
    print(f"{len(items)} items, {sum(len(e.labels) for e in data)} candidates, {int(sum(e.labels.sum() for e in data))} relevant")
    print("leave one document out (trained on the other documents' questions):")
    pooled: list[tuple[Example, LogisticRegression]] = []
    for held in documents:
        model = fit([e for e in data if e.doc_id != held])
        test = [e for e in data if e.doc_id == held]
        print(f"  {held:<62} recall@1 {recall_at(model, test):.3f}  recall@4 {recall_at(model, test, 4):.3f}")
        pooled += [(e, model) for e in test]
    scored = [(e, m) for e, m in pooled if e.item.answerable and len(e.features)]
    pooled_at = {k: sum(recall_at(m, [e], k) for e, m in scored) / max(len(scored), 1) for k in (1, 4)}
    print(f"  pooled over the held-out documents: recall@1 {pooled_at[1]:.3f}, recall@4 {pooled_at[4]:.3f}")
    model = fit(data)
    cut = threshold(model, data)
    print(f"all documents: recall@1 {recall_at(model, data):.3f}, threshold {cut:.3f}")
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    document = {
        "version": f"lr-{dt.date.today().isoformat()}",
        "trained_on": f"{args.realdocs.name} questions, {', '.join([*(p.name for p in args.train), *args.split])} "
        f"({len(items)} items); scripts/train_ranker.py",
        "bias": round(float(model.intercept_[0]), 4),
        "threshold": round(cut, 4),
        "margin": QUOTE_MARGIN,
        "weights": weights,
    }
    header = "# Written by scripts/train_ranker.py: do not edit by hand; rerun the script (see README).\n"
    args.out.write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

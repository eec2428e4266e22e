"""Calibrate the verifier's support threshold on paraphrase pairs, and measure the whole verifier.

A pair (``eval/verifier/pairs-*.jsonl``) is a short quote from a real document (at most 80
characters) and a sentence a model might write citing it, labelled by a person: ``supported`` when
the quote alone says what the sentence says, else not (a changed number, code, payer, negation,
scope, an added claim ...). The threshold is fitted on the dev pairs only; the test pairs are
held out and measured once with it.

"Kept" means the verifier lets the sentence through (its rules and the threshold); precision is
the share of kept sentences that are supported, recall the share of supported sentences kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.answer.verify import Given, Verifier
from assistant.evaluation.dataset import EvalDataError

MAX_QUOTE_CHARS = 80
"""Pairs quote real documents briefly: never more than this many characters."""


class Pair(BaseModel):
    """One labelled paraphrase: ``sentence`` citing ``quote`` of document ``doc``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=MAX_QUOTE_CHARS)
    sentence: str = Field(min_length=1)
    supported: bool
    kind: str = Field(min_length=1, description="How the sentence relates to the quote (reworded, changed-number ...).")


def load_pairs(path: Path) -> list[Pair]:
    """The pairs of a JSONL file.

    Raises:
        EvalDataError: unreadable, not JSON, or a pair is invalid (file and line named).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalDataError(f"{path}: cannot read ({exc}).") from exc
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pairs.append(Pair.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            raise EvalDataError(f"{path}:{number}: not a valid pair ({exc}).") from exc
    return pairs


@dataclass(frozen=True)
class Scored:
    """A pair with whether the verifier's rules pass it and its support (0-1)."""

    pair: Pair
    rules_pass: bool
    support: float

    def kept(self, threshold: float) -> bool:
        """Whether the verifier keeps the sentence at ``threshold``."""
        return self.rules_pass and self.support >= threshold


def score_pairs(verifier: Verifier, pairs: Sequence[Pair]) -> list[Scored]:
    """Run each pair's sentence (cited as ``[1]``) through ``verifier`` with its quote as passage 1
    and no user turns; the threshold is left out of ``rules_pass``."""
    out = []
    for pair in pairs:
        checked = verifier.check(f"{pair.sentence} [1]", {1: Given(pair.quote, "")}, [])
        rules = checked.kept or (checked.reason or "").startswith("support ")
        out.append(Scored(pair, rules, verifier.support(pair.sentence, [pair.quote])))
    return out


def figures(scored: Sequence[Scored], threshold: float) -> dict[str, Any]:
    """Counts, precision and recall of the verifier at ``threshold``."""
    kept = [s for s in scored if s.kept(threshold)]
    supported = [s for s in scored if s.pair.supported]
    true_keeps = sum(1 for s in kept if s.pair.supported)
    return {
        "pairs": len(scored),
        "supported": len(supported),
        "kept": len(kept),
        "precision": round(true_keeps / len(kept), 4) if kept else None,
        "recall": round(true_keeps / len(supported), 4) if supported else None,
        "unsupported_kept": sorted(s.pair.kind for s in kept if not s.pair.supported),
    }


def fit_threshold(scored: Sequence[Scored], *, min_precision: float = 0.95) -> float:
    """The support threshold with the highest recall whose precision is at least ``min_precision``
    (ties: the higher precision, then the higher threshold); without one, the most precise."""
    candidates = sorted({s.support for s in scored if s.rules_pass} | {1.0})
    best: tuple[bool, float, float, float] | None = None
    for threshold in candidates:
        row = figures(scored, threshold)
        precision, recall = row["precision"] or 0.0, row["recall"] or 0.0
        key = (precision >= min_precision, recall if precision >= min_precision else precision, precision, threshold)
        if best is None or key > best:
            best = key
    assert best is not None  # candidates always holds 1.0
    return best[3]

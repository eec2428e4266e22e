"""Classify what a question asks for by its nearest example questions plus entity cues."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assistant.answer.entities import Entity
from assistant.answer.masking import mask_codes
from assistant.answer.phrasebook import IntentSpec
from assistant.embed.protocol import Embedder


@dataclass(frozen=True)
class IntentScore:
    """An intent and how strongly the question asks for it (cosine plus cue bonus, max 1)."""

    name: str
    score: float


class IntentClassifier:
    """Nearest-example intent classifier; the examples are embedded once, at construction."""

    def __init__(
        self, intents: dict[str, IntentSpec], embedder: Embedder, *, cue_bonus: float = 0.1, keyword_bonus: float = 0.2
    ) -> None:
        """Embed every example question of every intent and tokenize the keywords."""
        if not intents:
            raise ValueError("at least one intent is needed")
        self._intents = intents
        self._cue_bonus = cue_bonus
        self._keyword_bonus = keyword_bonus
        self._keywords = {name: [re.compile(k, re.IGNORECASE) for k in spec.keywords] for name, spec in intents.items()}
        self._labels: list[str] = [name for name, spec in intents.items() for _ in spec.examples]
        self._vectors = embedder.embed([ex for spec in intents.values() for ex in spec.examples])

    def rank(self, text: str, vector: npt.NDArray[np.float32], entities: list[Entity]) -> list[IntentScore]:
        """Every intent with its score, best first.

        ``vector`` embeds ``text`` with its codes masked (see :func:`mask_codes`): the kind of
        question matters here, not which code it names. The score is the best cosine to an example,
        plus a bonus when an entity cue or a keyword of the intent occurs.
        """
        similarities = self._vectors @ vector.reshape(-1)
        best: dict[str, float] = {}
        for label, similarity in zip(self._labels, similarities.tolist(), strict=True):
            best[label] = max(best.get(label, -1.0), similarity)
        keys = {e.key for e in entities}
        kinds = {e.kind for e in entities}
        scores = []
        for name, spec in self._intents.items():
            cued = any(cue in kinds or cue.replace(".", ":", 1) in keys for cue in spec.cues)
            keyed = any(pattern.search(text) for pattern in self._keywords[name])
            keyword_bonus = self._keyword_bonus if spec.keyword_bonus is None else spec.keyword_bonus
            bonus = (self._cue_bonus if cued else 0.0) + (keyword_bonus if keyed else 0.0)
            scores.append(IntentScore(name, best[name] + bonus))
        return sorted(scores, key=lambda s: -s.score)


# One masking rule for both answerers (defined with the question reader).
__all__ = ["IntentClassifier", "IntentScore", "mask_codes"]

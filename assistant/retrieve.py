"""Question -> ranked passages: dense and BM25 rankings fused by reciprocal rank, codes lifted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from assistant.codes import code_keys
from assistant.models import ScoredPassage
from assistant.store.hybrid import HybridIndex

RetrievalMode = Literal["hybrid", "dense", "lexical"]
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class RetrievalSettings:
    """How to rank: fusion constant, code bonus and how deep each retriever looks."""

    top_k: int = 5
    rrf_k: int = 60
    code_boost: float = 0.02
    depth: int = 50
    mode: RetrievalMode = "hybrid"

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {self.top_k!r}")
        if self.mode not in RETRIEVAL_MODES:
            raise ValueError(f"mode must be one of {RETRIEVAL_MODES}, got {self.mode!r}")


def retrieve(
    index: HybridIndex, query: str, query_vector: npt.NDArray[np.float32], settings: RetrievalSettings
) -> list[ScoredPassage]:
    """The ``settings.top_k`` passages for ``query``, best first.

    Hybrid mode sums ``1 / (rrf_k + rank)`` over the dense and BM25 rankings, then adds
    ``code_boost`` for every billing code of the query that the passage contains, scaled by how
    rare the code is among passages, so a passage naming ``modifier 59`` outranks one merely
    about similar words, while a code that nearly every passage names lifts none of them.
    """
    depth = max(settings.depth, settings.top_k)
    dense = index.dense_search(query_vector, depth) if settings.mode != "lexical" else []
    lexical = index.lexical_search(query, depth) if settings.mode != "dense" else []
    dense_scores = {hit.position: hit.score for hit in dense}
    lexical_scores = {hit.position: hit.score for hit in lexical}
    query_codes = {key.lower() for key in code_keys(query)}

    fused: dict[int, float] = {}
    if settings.mode == "dense":
        fused = dict(dense_scores)
    elif settings.mode == "lexical":
        fused = dict(lexical_scores)
    else:
        for ranking in (dense, lexical):
            for rank, hit in enumerate(ranking, start=1):
                fused[hit.position] = fused.get(hit.position, 0.0) + 1.0 / (settings.rrf_k + rank)

    results: list[ScoredPassage] = []
    for position, score in fused.items():
        matched = query_codes & index.passage_codes[position]
        matches = len(matched)
        if settings.mode == "hybrid":
            score += settings.code_boost * sum(index.code_rarity[code] for code in matched)
        results.append(
            ScoredPassage(
                passage=index.passages[position],
                score=float(score),
                dense_score=dense_scores.get(position, 0.0),
                lexical_score=lexical_scores.get(position, 0.0),
                code_matches=matches,
            )
        )
    results.sort(key=lambda r: (-r.score, r.passage.passage_id))
    return results[: settings.top_k]

"""Hybrid retrieval: fused rankings, exact codes lifted, modes comparable."""

from __future__ import annotations

import pytest

from assistant.answer.answerer import GroundedAnswerer
from assistant.retrieve import RetrievalSettings, retrieve


def run(answerer: GroundedAnswerer, query: str, **options: object) -> list:
    settings = RetrievalSettings(**options)  # type: ignore[arg-type]
    return retrieve(answerer.index, query, answerer.embedder.embed([query])[0], settings)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_each_mode_returns_ranked_passages(answerer: GroundedAnswerer, mode: str) -> None:
    hits = run(answerer, "modifier 59 distinct procedural service", top_k=4, mode=mode)
    assert 1 <= len(hits) <= 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any("59(Distinct Procedural Service)" in h.passage.text or "modifier 59" in h.passage.text for h in hits[:2])


def test_exact_code_match_is_lifted(answerer: GroundedAnswerer) -> None:
    plain = run(answerer, "POS 22", top_k=3, code_boost=0.0)
    lifted = run(answerer, "POS 22", top_k=3, code_boost=0.5)
    assert lifted[0].code_matches >= 1
    assert "22" in lifted[0].passage.text
    assert lifted[0].score > plain[0].score


def test_top_k_is_respected(answerer: GroundedAnswerer) -> None:
    assert len(run(answerer, "payers covering 64642", top_k=1)) == 1
    with pytest.raises(ValueError, match="top_k"):
        RetrievalSettings(top_k=0)


def test_query_without_known_tokens_still_gets_dense_results(answerer: GroundedAnswerer) -> None:
    hits = run(answerer, "zzzz qqqq", top_k=3)
    assert len(hits) == 3 and all(h.lexical_score == 0.0 for h in hits)

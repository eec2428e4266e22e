"""Embedding for builds: progress in blocks (rows in the caller's order), and the real model's
parallel batches giving the same vectors as one sequential encode."""

from __future__ import annotations

import numpy as np

from assistant.embed.fake import HashingEmbedder
from assistant.embed.progress import ProgressEmbedder
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.store.reuse import ReusingEmbedder
from tests.embedders import RecordingEmbedder

TEXTS = [f"sentence {i} " + "word " * (i % 7) for i in range(23)]


def test_progress_embedder_counts_blocks_and_keeps_row_order() -> None:
    started: list[int] = []
    advanced: list[int] = []
    inner = HashingEmbedder(dimension=16)
    wrapped = ProgressEmbedder(inner, on_start=started.append, on_advance=advanced.append, block=5)
    vectors = wrapped.embed(TEXTS)
    assert np.array_equal(vectors, inner.embed(TEXTS))
    assert started == [23] and advanced == [5, 5, 5, 5, 3]
    assert (wrapped.name, wrapped.dimension) == (inner.name, 16)


def test_reusing_embedder_embeds_each_distinct_text_once() -> None:
    inner = RecordingEmbedder(dimension=16)
    reusing = ReusingEmbedder(inner, {})
    texts = ["Page 1 of 9", "a sentence", "Page 1 of 9", "a sentence", "another"]
    vectors = reusing.embed(texts)
    assert inner.texts == ["Page 1 of 9", "a sentence", "another"]
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[3])
    assert np.array_equal(vectors, HashingEmbedder(dimension=16).embed(texts))
    again = reusing.embed(["another", "new one"])  # later calls of the same build reuse fresh vectors too
    assert inner.texts[-1:] == ["new one"] and np.array_equal(again[0], vectors[4])
    assert (reusing.embedded, reusing.reused) == (4, 0)


def test_parallel_batches_give_the_sequential_vectors(real_embedder: SentenceTransformerEmbedder) -> None:
    texts = [f"CPT {64600 + i} needs prior authorization {'for both sides ' * (i % 5)}under plan {i}." for i in range(80)]
    parallel = real_embedder.embed(texts)
    sequential = real_embedder._encode(texts)
    assert parallel.shape == (80, real_embedder.dimension)
    assert np.allclose(parallel, sequential, atol=1e-5)
    assert np.allclose(np.linalg.norm(parallel, axis=1), 1.0, atol=1e-5)

"""Chunks searched by their best sentence (the default): the scores, the ranking against a brute
force over the real model's vectors, passages without sentences still found through FAISS, and
the mode kept through save, load and subset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.models import Document, Passage, Sentence
from assistant.pipeline import build_inputs
from assistant.store.disk import load_index, save_index
from assistant.store.hybrid import HybridIndex, build_hybrid_index, passage_embedding_text
from assistant.store.manifest import BuildInputs
from assistant.store.pooling import SentenceGroups, pool, sentence_groups
from assistant.store.reuse import known_vectors, text_key
from tests.embedders import RecordingEmbedder

QUERIES = [
    "Does Aetna cover 64642?",
    "what does modifier 59 mean",
    "prior authorization for chemodenervation of one extremity",
    "how many units can be billed per day",
]

# One section of four sentences, only one about the question; one section all about paperwork.
SECTIONS = {
    "Visits": [
        "The clinic parking lot opens at seven in the morning.",
        "Staff badges are renewed every January.",
        "Modifier 59 marks a distinct procedural service performed on the same day.",
        "The cafeteria serves lunch until two in the afternoon.",
    ],
    "Paperwork": ["Billing staff review the claim forms every week.", "Claim forms are sent to payers electronically."],
}
TEXT = "".join(f"## {title}\n\n{' '.join(lines)}\n\n" for title, lines in SECTIONS.items())


def test_best_is_the_largest_similarity_of_each_group() -> None:
    groups = SentenceGroups([[0, 2], [], [1], [2, 3, 4]])
    similarities = np.array([0.1, 0.7, 0.3, -0.2, 0.25], dtype=np.float32)

    np.testing.assert_array_equal(groups.passages, [0, 2, 3])
    np.testing.assert_allclose(groups.best(similarities), [0.3, 0.7, 0.3])
    assert len(groups) == 3
    assert len(SentenceGroups([[], []])) == 0 and SentenceGroups([]).best(similarities).shape == (0,)
    with pytest.raises(ValueError, match="similarities"):
        groups.best(similarities[:3])  # group 3 names sentence 4


def _brute_force(index: HybridIndex, query: np.ndarray) -> dict[int, float]:
    groups = sentence_groups(index.passages, index.sentences)
    vectors = index.passage_vectors()
    return {
        row: float(np.max(index.sentence_vectors[group] @ query)) if group else float(vectors[row] @ query)
        for row, group in enumerate(groups)
    }


def test_the_default_index_ranks_chunks_by_their_best_sentence(
    real_settings: Settings, real_embedder: SentenceTransformerEmbedder
) -> None:
    index = load_index(real_settings.index_dir, build_inputs(real_settings), real_embedder.dimension)
    assert real_settings.passage_vectors == "sentences" and index.passage_vectors_kind == "sentences"
    assert {p.kind for p in index.passages} >= {"chunk", "fact"}
    for query in QUERIES:
        vector = real_embedder.embed([query])[0]
        expected = _brute_force(index, vector)

        hits = index.dense_search(vector, 20)

        assert [h.position for h in hits] == sorted(expected, key=lambda row: (-expected[row], row))[:20], query
        for hit in hits:
            assert hit.score == pytest.approx(expected[hit.position], abs=1e-5)
    # Fact passages have no sentences: they are found by their encoded vector, through FAISS.
    fact_rows = [row for row, p in enumerate(index.passages) if p.kind == "fact"]
    fact = index.passages[fact_rows[0]]
    hits = index.dense_search(real_embedder.embed([passage_embedding_text(fact)])[0], len(index.passages))
    assert len(hits) == len(index.passages) and {h.position for h in hits} == set(range(len(index.passages)))
    assert hits[0].score == pytest.approx(1.0, abs=1e-4) and index.passages[hits[0].position] == fact


def _small_index(embedder: Embedder, passage_vectors: str) -> HybridIndex:
    """One chunk per section of TEXT, one sentence per line of SECTIONS."""
    document = Document(doc_id="d", title="D", publisher="P", source_url=None, codes=(), added=None, text=TEXT, path="d.md")
    sentences, passages = [], []
    for title, lines in SECTIONS.items():
        spans = [(TEXT.index(line), TEXT.index(line) + len(line)) for line in lines]
        sentences += [Sentence("d", start, end, section=title) for start, end in spans]
        start, end = spans[0][0], spans[-1][1]
        passages.append(Passage(f"d#{start}-{end}", "chunk", "d", TEXT[start:end], start, end, title))
    return build_hybrid_index(
        index_version="t", documents=[document], facts=[], passages=passages, sentences=sentences,
        embedder=embedder, passage_vectors=passage_vectors,  # type: ignore[arg-type]
    )


def test_a_chunk_with_one_matching_sentence_scores_that_sentence(real_embedder: SentenceTransformerEmbedder) -> None:
    index = _small_index(real_embedder, "sentences")
    query = real_embedder.embed(["What does modifier 59 mean?"])[0]
    similarities = index.sentence_vectors[:4] @ query  # the Visits sentences

    hits = index.dense_search(query, 2)

    assert index.passages[hits[0].position].section == "Visits"
    assert hits[0].score == pytest.approx(float(similarities.max()), abs=1e-5)
    assert int(np.argmax(similarities)) == 2  # the modifier sentence
    # The stored vector is the mean of the sentences, which the off-topic ones pull away from the query.
    pooled = pool(index.sentence_vectors[:4])
    np.testing.assert_allclose(index.passage_vectors()[hits[0].position], pooled, atol=1e-6)
    assert float(pooled @ query) < hits[0].score - 0.1


def test_the_mode_survives_save_load_and_subset(tmp_path: Path, real_embedder: SentenceTransformerEmbedder) -> None:
    index = _small_index(real_embedder, "sentences")
    inputs = BuildInputs(embedding_model=real_embedder.name, chunk_size=700, chunk_overlap=150, corpus_hash="x",
                         passage_vectors="sentences")
    save_index(index, tmp_path, inputs, {})
    loaded = load_index(tmp_path, inputs, real_embedder.dimension)
    query = real_embedder.embed(["claim forms sent to payers"])[0]

    assert loaded.passage_vectors_kind == "sentences" and index.subset(frozenset({"d"})).passage_vectors_kind == "sentences"
    assert loaded.dense_search(query, 2) == index.dense_search(query, 2)
    assert index.subset(frozenset({"d"})).dense_search(query, 2) == index.dense_search(query, 2)
    encoded = _small_index(real_embedder, "encoded")
    assert encoded.passage_vectors_kind == "encoded" and not encoded.pooled
    with pytest.raises(ValueError, match="passage_vectors must be one of"):
        _small_index(real_embedder, "best")


def test_pooled_chunk_vectors_are_never_offered_for_reuse() -> None:
    embedder = RecordingEmbedder(dimension=32)

    index = _small_index(embedder, "sentences")
    known = known_vectors(index)

    assert index.pooled == frozenset({0, 1})
    assert not {text_key(f"{p.section}: {p.text}") for p in index.passages} & set(known)
    assert set(known) == {text_key(line) for lines in SECTIONS.values() for line in lines}

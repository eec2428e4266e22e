"""Passage vectors pooled from sentence vectors: which sentences a chunk is made of, the pooled
vector, and an index build that never encodes a chunk's own text."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.ingest.corpus import load_corpus
from assistant.models import Document, Passage, Sentence
from assistant.pipeline import build_index, index_state
from assistant.store.hybrid import build_hybrid_index, embedding_texts, passage_embedding_text
from assistant.store.pooling import pool, sentence_groups
from tests.conftest import ROOT
from tests.embedders import RecordingEmbedder

TEXT = "## Rules\n\nFirst rule here. Second rule here. Third rule here.\n\n## Codes\n\nCode 64642 is covered.\n"


def _document() -> Document:
    return Document(doc_id="d", title="D", publisher="P", source_url=None, codes=(), added=None, text=TEXT, path="d.md")


def _span(part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


def _sentences() -> list[Sentence]:
    parts = ["First rule here.", "Second rule here.", "Third rule here.", "Code 64642 is covered."]
    return [Sentence("d", *_span(part), section="Rules" if "rule" in part else "Codes") for part in parts]


def _chunk(first: str, last: str, section: str) -> Passage:
    start, end = _span(first)[0], _span(last)[1]
    return Passage(f"d#{start}-{end}", "chunk", "d", TEXT[start:end], start, end, section)


def test_each_chunk_gets_the_sentences_inside_its_span() -> None:
    sentences = _sentences()
    fact = Passage("fact:f", "fact", "d", "Code 64642 is covered.", *_span("Code 64642 is covered."), "Codes", "f")
    other_document = Passage("e#0-5", "chunk", "e", "Other", 0, 5, None)
    passages = [
        _chunk("First rule here.", "Second rule here.", "Rules"),
        _chunk("Second rule here.", "Third rule here.", "Rules"),
        _chunk("Code 64642 is covered.", "Code 64642 is covered.", "Codes"),
        fact,
        other_document,
    ]
    # A sentence list in text order but interleaved with another document's sentences.
    mixed = [sentences[0], Sentence("e", 0, 5, None), *sentences[1:]]

    assert sentence_groups(passages, mixed) == [[0, 2], [2, 3], [4], [], [1]]
    assert sentence_groups(passages[3:4], mixed) == [[]]  # a fact passage is encoded, never pooled


def test_pool_is_the_unit_vector_along_the_mean() -> None:
    members = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)

    pooled = pool(members)

    np.testing.assert_allclose(pooled, np.array([1.0, 2.0, 0.0]) / np.sqrt(5), atol=1e-6)
    assert pooled.dtype == np.float32
    np.testing.assert_allclose(pool(members[:1]), members[0])
    opposite = np.array([[1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(pool(opposite), opposite[0])  # no direction to normalise: the first one's
    with pytest.raises(ValueError, match="no sentence vectors"):
        pool(np.zeros((0, 3), dtype=np.float32))


def test_a_pooled_build_embeds_sentences_and_facts_but_no_chunk_text() -> None:
    corpus = load_corpus(ROOT / "corpus", chunk_size=700, chunk_overlap=150)
    embedder = RecordingEmbedder(dimension=32)

    index = build_hybrid_index(
        index_version="t", documents=corpus.documents, facts=corpus.facts, passages=corpus.passages,
        sentences=corpus.sentences, embedder=embedder, passage_vectors="pooled",
    )

    texts = embedding_texts(documents=corpus.documents, facts=corpus.facts, passages=corpus.passages,
                            sentences=corpus.sentences)
    chunk_texts = {t for t, p in zip(texts.passages, corpus.passages, strict=True) if p.kind == "chunk"}
    fact_passage_texts = {t for t, p in zip(texts.passages, corpus.passages, strict=True) if p.kind == "fact"}
    assert fact_passage_texts and chunk_texts - set(texts.sentences)
    assert set(embedder.texts) == set(texts.sentences) | set(texts.facts) | fact_passage_texts
    assert len(embedder.texts) < len(texts.sentences) + len(texts.passages) + len(texts.facts)
    fake = HashingEmbedder(dimension=32)
    groups = sentence_groups(corpus.passages, corpus.sentences)
    vectors = index.passage_vectors()
    for row, (passage, group) in enumerate(zip(corpus.passages, groups, strict=True)):
        if passage.kind == "chunk":
            assert group, passage.passage_id  # every chunk is made of whole sentences
            np.testing.assert_allclose(vectors[row], pool(index.sentence_vectors[group]), atol=1e-6)
        else:
            np.testing.assert_allclose(vectors[row], fake.embed([passage_embedding_text(passage)])[0], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_an_encoded_build_gives_the_vectors_of_the_passage_texts() -> None:
    corpus = load_corpus(ROOT / "corpus", chunk_size=700, chunk_overlap=150)
    embedder = RecordingEmbedder(dimension=32)

    index = build_hybrid_index(
        index_version="t", documents=corpus.documents, facts=corpus.facts, passages=corpus.passages,
        sentences=corpus.sentences, embedder=embedder,
    )

    texts = embedding_texts(documents=corpus.documents, facts=corpus.facts, passages=corpus.passages,
                            sentences=corpus.sentences)
    fake = HashingEmbedder(dimension=32)
    np.testing.assert_allclose(index.passage_vectors(), fake.embed(texts.passages), atol=1e-6)
    np.testing.assert_allclose(index.sentence_vectors, fake.embed(texts.sentences), atol=1e-6)
    np.testing.assert_allclose(index.fact_vectors, fake.embed(texts.facts), atol=1e-6)
    assert len(embedder.texts) == len(texts.sentences) + len(texts.passages) + len(texts.facts)  # two calls


@pytest.mark.parametrize(("first", "second"), [("encoded", "sentences"), ("encoded", "pooled"), ("sentences", "pooled")])
def test_how_chunks_are_searched_is_a_build_input_so_switching_it_rebuilds(
    project_copy: Settings, first: str, second: str
) -> None:
    embedder = RecordingEmbedder(dimension=32)
    before_settings = project_copy.model_copy(update={"passage_vectors": first})
    before = build_index(before_settings, embedder)
    after_settings = project_copy.model_copy(update={"passage_vectors": second})
    assert index_state(after_settings) == "stale"
    embedder.texts.clear()

    after = build_index(after_settings, embedder)

    assert after.built and not after.incremental  # vectors made or searched another way are not reused
    assert after.index_version != before.index_version
    assert index_state(after_settings) == "fresh" and index_state(before_settings) == "stale"
    if first == "encoded":
        assert len(embedder.texts) < before.embedded  # chunk texts are no longer encoded
    else:
        assert len(embedder.texts) == before.embedded

"""Incremental builds: only new or changed text is embedded, and the result equals a full build."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.ingest.corpus import load_corpus
from assistant.pipeline import build_index, build_inputs
from assistant.retrieve import RetrievalSettings, retrieve
from assistant.store.disk import load_index
from assistant.store.hybrid import HybridIndex, embedding_texts
from assistant.store.reuse import ReusingEmbedder
from tests.conftest import copy_project_data
from tests.corpus_edits import NEW_DOC_ID, NEW_DOC_WORD, add_document
from tests.embedders import RecordingEmbedder


def texts_of_document(settings: Settings, doc_id: str) -> set[str]:
    """The texts a build embeds for one document: its sentences, and its chunks only when chunks
    are encoded (by default a chunk's vector comes from its sentences' vectors)."""
    corpus = load_corpus(settings.corpus_dir, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    passages = [p for p in corpus.passages if p.doc_id == doc_id]
    sentences = [s for s in corpus.sentences if s.doc_id == doc_id]
    texts = embedding_texts(documents=corpus.documents, facts=[], passages=passages, sentences=sentences)
    return {*(texts.passages if settings.passage_vectors == "encoded" else []), *texts.sentences}


def current_index(settings: Settings, dimension: int) -> HybridIndex:
    return load_index(settings.index_dir, build_inputs(settings), dimension)


@pytest.mark.parametrize("passage_vectors", ["sentences", "encoded"])
def test_adding_a_document_embeds_only_its_text(project_copy: Settings, passage_vectors: str) -> None:
    project_copy = project_copy.model_copy(update={"passage_vectors": passage_vectors})
    embedder = RecordingEmbedder()
    first = build_index(project_copy, embedder)
    assert not first.incremental and first.reused == 0 and first.embedded == len(embedder.texts)
    embedder.texts.clear()

    add_document(project_copy.corpus_dir)
    report = build_index(project_copy, embedder)

    new_texts = texts_of_document(project_copy, NEW_DOC_ID)
    assert report.incremental and report.built
    assert set(embedder.texts) == new_texts
    assert report.embedded == len(embedder.texts)
    assert report.reused == first.embedded  # every earlier vector is still wanted
    index = current_index(project_copy, embedder.dimension)
    assert any(p.doc_id == NEW_DOC_ID for p in index.passages)
    assert index.passage_index.ntotal == len(index.passages)


def test_removing_a_document_embeds_nothing_and_drops_its_rows(project_copy: Settings) -> None:
    embedder = RecordingEmbedder()
    before = build_index(project_copy, embedder)
    added = add_document(project_copy.corpus_dir)
    build_index(project_copy, embedder)
    embedder.texts.clear()

    added.unlink()
    report = build_index(project_copy, embedder)

    assert report.incremental and report.embedded == 0 and embedder.texts == []
    assert report.index_version == before.index_version and report.counts == before.counts
    index = current_index(project_copy, embedder.dimension)
    assert NEW_DOC_ID not in index.documents
    assert all(p.doc_id != NEW_DOC_ID for p in index.passages)
    assert all(s.doc_id != NEW_DOC_ID for s in index.sentences)


def test_editing_a_fact_embeds_only_that_fact(project_copy: Settings) -> None:
    embedder = RecordingEmbedder()
    build_index(project_copy, embedder)
    embedder.texts.clear()
    facts = project_copy.corpus_dir / "facts" / "openpayer-cpt-64642.yaml"
    old = "statement: The publication lists Aetna among"
    new = "statement: The publication names Aetna among"
    assert old in facts.read_text()
    facts.write_text(facts.read_text().replace(old, new, 1))

    report = build_index(project_copy, embedder)

    assert report.incremental and report.embedded == 2  # the fact's vector and its passage's
    assert all("The publication names Aetna among" in text for text in embedder.texts)


def test_editing_a_document_reembeds_only_changed_chunks(project_copy: Settings) -> None:
    embedder = RecordingEmbedder()
    first = build_index(project_copy, embedder)
    embedder.texts.clear()
    document = project_copy.corpus_dir / "documents" / "openpayer-cpt-64642.md"
    document.write_text(document.read_text() + f"\n\n## Addendum\n\nThe {NEW_DOC_WORD} note applies to CPT 64642.\n")

    report = build_index(project_copy, embedder)

    assert report.incremental and 0 < report.embedded < first.embedded // 4
    assert all(NEW_DOC_WORD in text or "Addendum" in text for text in embedder.texts)


@pytest.mark.parametrize(
    "change",
    ["force", "chunking", "another embedder", "corrupt previous build"],
)
def test_a_build_that_cannot_reuse_embeds_everything(
    project_copy: Settings, change: str, caplog: pytest.LogCaptureFixture
) -> None:
    embedder = RecordingEmbedder()
    first = build_index(project_copy, embedder)
    add_document(project_copy.corpus_dir)
    settings, force = project_copy, False
    if change == "force":
        force = True
    elif change == "chunking":
        settings = project_copy.model_copy(update={"chunk_size": 500})
    elif change == "another embedder":
        embedder = RecordingEmbedder(dimension=48)
    else:
        faiss_file = first.path / "passages.faiss"
        faiss_file.write_bytes(faiss_file.read_bytes()[:-5] + b"xxxxx")
    embedder.texts.clear()

    with caplog.at_level("INFO", logger="assistant.store.reuse"):
        report = build_index(settings, embedder, force=force)

    assert not report.incremental and report.reused == 0
    assert report.embedded == len(embedder.texts) > first.embedded
    if change == "corrupt previous build":
        assert "cannot reuse the current build" in caplog.text and "corrupt" in caplog.text
    assert current_index(settings, embedder.dimension).index_version == report.index_version


def test_reusing_embedder_refuses_vectors_of_another_length() -> None:
    with pytest.raises(ValueError, match=r"shape \(8,\).*\(32,\)"):
        ReusingEmbedder(HashingEmbedder(32), {b"key": np.zeros(8, dtype=np.float32)})


QUERIES = [
    f"Which claims need the implant invoice for the {NEW_DOC_WORD} nerve wrap?",
    "Does Quillfeather Health cover CPT 64999?",
    "Which modifier for both arms in one session?",
    "Does Cigna cover 64642?",
    "place of service for chemodenervation",
]


def assert_same_index(incremental: Settings, full: Settings, embedder: SentenceTransformerEmbedder) -> None:
    a = current_index(incremental, embedder.dimension)
    b = current_index(full, embedder.dimension)
    assert a.index_version == b.index_version
    assert [p.passage_id for p in a.passages] == [p.passage_id for p in b.passages]
    assert a.sentences == b.sentences and a.facts == b.facts
    # Batches of other lengths pad differently, so vectors agree to the model's arithmetic's
    # precision, not bit for bit (bfloat16 products keep 8 bits of mantissa).
    atol = 1e-5 if embedder.precision == "float32" else 2e-3
    np.testing.assert_allclose(a.passage_vectors(), b.passage_vectors(), atol=atol)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=atol)
    np.testing.assert_allclose(a.fact_vectors, b.fact_vectors, atol=atol)
    settings = RetrievalSettings(top_k=5)
    for query, vector in zip(QUERIES, embedder.embed(QUERIES), strict=True):
        hits_a = [(h.passage.passage_id, h.score) for h in retrieve(a, query, vector, settings)]
        hits_b = [(h.passage.passage_id, h.score) for h in retrieve(b, query, vector, settings)]
        assert [h[0] for h in hits_a] == [h[0] for h in hits_b], query
        np.testing.assert_allclose([h[1] for h in hits_a], [h[1] for h in hits_b], atol=atol)


@pytest.mark.slow
def test_incremental_builds_equal_full_builds_with_the_real_model(
    real_settings: Settings, real_embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    # Start from the session's full build of the project corpus (copied, so it stays untouched).
    incremental = copy_project_data(tmp_path / "incremental")
    shutil.copytree(real_settings.index_dir, incremental.index_dir)
    added = add_document(incremental.corpus_dir)
    report = build_index(incremental, real_embedder)
    assert report.incremental and 0 < report.embedded < 20

    full = copy_project_data(tmp_path / "full")
    add_document(full.corpus_dir)
    full_report = build_index(full, real_embedder, force=True)
    assert not full_report.incremental and full_report.embedded == report.embedded + report.reused
    assert_same_index(incremental, full, real_embedder)
    index = current_index(incremental, real_embedder.dimension)
    top = retrieve(index, QUERIES[0], real_embedder.embed(QUERIES[:1])[0], RetrievalSettings(top_k=1))[0]
    assert top.passage.doc_id == NEW_DOC_ID

    # Removing it again gives back the session's full build of the original corpus.
    added.unlink()
    assert build_index(incremental, real_embedder).embedded == 0
    assert_same_index(incremental, real_settings, real_embedder)

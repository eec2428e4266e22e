"""The one place the stages are wired together: build an index, load an answerer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.checks import unsupported_entities
from assistant.answer.draft import AnswerSettings
from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.rank import load_weights
from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.errors import CorpusError, IndexMismatchError, IndexMissingError
from assistant.ingest.corpus import Corpus, corpus_files, corpus_hash, load_corpus
from assistant.retrieve import RetrievalSettings
from assistant.store.disk import load_index, read_manifest, save_index
from assistant.store.hybrid import build_hybrid_index
from assistant.store.manifest import BuildInputs
from assistant.store.reuse import ReusingEmbedder, reusable_vectors

log = logging.getLogger(__name__)

IndexState = Literal["fresh", "stale", "missing"]


@dataclass(frozen=True)
class BuildReport:
    """What a build did: whether it ran, the version, counts and where it was written.

    ``incremental`` is true when vectors of the previous build were offered for reuse;
    ``embedded`` and ``reused`` count the passage, sentence and fact vectors made fresh and reused.
    """

    built: bool
    index_version: str
    counts: dict[str, int]
    path: Path
    incremental: bool = False
    embedded: int = 0
    reused: int = 0


def build_inputs(settings: Settings) -> BuildInputs:
    """The inputs an index built now from ``settings`` would record (reads corpus checksums)."""
    return BuildInputs(
        embedding_model=settings.embedding_model,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        corpus_hash=corpus_hash(corpus_files(settings.corpus_dir)),
        passage_vectors=settings.passage_vectors,
    )


def index_state(settings: Settings) -> IndexState:
    """Whether the index on disk matches the corpus and settings (no model is loaded)."""
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        return "missing"
    return "fresh" if manifest.inputs == build_inputs(settings) else "stale"


def check_claims(corpus: Corpus, recognizer: EntityRecognizer) -> None:
    """Refuse facts whose statement names a code or payer its own quote does not support.

    Raises:
        CorpusError: naming the fact and the unsupported entities.
    """
    documents = {d.doc_id: d for d in corpus.documents}
    for fact in corpus.facts:
        extra = unsupported_entities(fact.statement, [fact.quote], [documents[fact.doc_id]], recognizer)
        if extra:
            raise CorpusError(
                f"fact {fact.fact_id!r}: its statement names {sorted(extra)} which its quote does not "
                "contain and the document's codes do not list. Fix the statement or the quote."
            )


def build_index(settings: Settings, embedder: Embedder, *, force: bool = False, show_progress: bool = False) -> BuildReport:
    """Build and save the index unless an identical one is already current.

    The build is incremental when the current build was made with the same embedder, chunking
    and format version: the corpus is read whole again (cheap), but only passages, sentences and
    facts whose text is new are embedded; the others keep their stored vectors, and FAISS and
    BM25 are assembled over the new corpus, so the result equals a full build's. ``force``
    embeds everything.

    Raises:
        CorpusError: the corpus is invalid (nothing is written).
        ConfigError: prompts/ is invalid (nothing is written).
    """
    inputs = build_inputs(settings)
    manifest = read_manifest(settings.index_dir)
    if not force and manifest is not None and manifest.inputs == inputs:
        return BuildReport(False, manifest.index_version, manifest.counts, settings.index_dir / manifest.index_version)
    corpus = load_corpus(settings.corpus_dir, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    check_claims(corpus, EntityRecognizer(load_phrasebook(settings.prompts_dir).vocabulary))
    known = None if force else reusable_vectors(settings.index_dir, inputs, embedder)
    reusing = ReusingEmbedder(embedder, known or {})
    index = build_hybrid_index(
        index_version=inputs.version(),
        documents=corpus.documents,
        facts=corpus.facts,
        passages=corpus.passages,
        sentences=corpus.sentences,
        conflicts=corpus.conflicts,
        embedder=reusing,
        show_progress=show_progress,
        pool_passages=settings.passage_vectors == "pooled",
    )
    path = save_index(index, settings.index_dir, inputs, corpus_files(settings.corpus_dir), embedder=embedder.name)
    counts = {
        "documents": len(corpus.documents),
        "facts": len(corpus.facts),
        "passages": len(corpus.passages),
        "sentences": len(corpus.sentences),
    }
    log.info(
        "built index %s: %s; embedded %d vectors, reused %d", index.index_version, counts, reusing.embedded, reusing.reused
    )
    return BuildReport(True, index.index_version, counts, path, known is not None, reusing.embedded, reusing.reused)


def load_answerer(settings: Settings, embedder: Embedder, *, index_dir: Path | None = None) -> GroundedAnswerer:
    """Load the verified current index and wire a grounded answerer around it.

    Raises:
        IndexMissingError / IndexMismatchError: no usable index; the message says how to rebuild.
        ConfigError: prompts/ is invalid.
    """
    index = load_index(index_dir or settings.index_dir, build_inputs(settings), embedder.dimension)
    return GroundedAnswerer(
        index=index,
        embedder=embedder,
        phrasebook=load_phrasebook(settings.prompts_dir),
        retrieval=RetrievalSettings(top_k=settings.top_k, rrf_k=settings.rrf_k, code_boost=settings.code_boost),
        settings=AnswerSettings(
            intent_threshold=settings.intent_threshold,
            abstain_threshold=settings.abstain_threshold,
            extract_threshold=settings.extract_threshold,
            fact_margin=settings.fact_margin,
        ),
        weights=load_weights(settings.prompts_dir / "ranker.yaml"),
    )


def make_embedder(settings: Settings) -> Embedder:
    """The configured sentence-transformers embedder."""
    from assistant.embed.sentence import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        settings.embedding_model, batch_size=settings.embed_batch_size, precision=settings.embed_precision
    )


__all__ = [
    "BuildReport",
    "IndexMismatchError",
    "IndexMissingError",
    "build_index",
    "build_inputs",
    "index_state",
    "load_answerer",
    "make_embedder",
]

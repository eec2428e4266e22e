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
from assistant.answer.generate import load_prompt
from assistant.answer.generative import GenerativeAnswerer
from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.rank import load_weights
from assistant.answer.verify import load_verifier_settings
from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.errors import ConfigError, CorpusError, IndexMismatchError, IndexMissingError
from assistant.faults import fault_point
from assistant.ingest.corpus import Corpus, corpus_files, corpus_hash, load_corpus
from assistant.retrieve import RetrievalSettings
from assistant.store.disk import current_folder, load_index, read_manifest, save_index
from assistant.store.hybrid import HybridIndex, build_hybrid_index
from assistant.store.journal import served_corpus_files
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


def served_inputs(settings: Settings) -> BuildInputs:
    """The inputs of the corpus as last committed: like :func:`build_inputs`, except that files an
    ingest or removal still in progress has changed count as they were (its build is not current
    yet, so the build that is current is the one to serve)."""
    return build_inputs(settings).model_copy(
        update={"corpus_hash": corpus_hash(served_corpus_files(corpus_files(settings.corpus_dir), settings.index_dir))}
    )


def index_state(settings: Settings) -> IndexState:
    """Whether the index on disk matches the corpus (as last committed) and settings (no model is loaded)."""
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        return "missing"
    return "fresh" if manifest.inputs == served_inputs(settings) else "stale"


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


def read_corpus(settings: Settings) -> Corpus:
    """The corpus cut as the index is: chunking from ``settings``, sentences fitted to the embedding
    model's maximum sequence length (its tokenizer is read, not the model).

    Raises:
        CorpusError: the corpus is invalid.
    """
    from assistant.embed.tokens import model_tokens

    return load_corpus(
        settings.corpus_dir,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        tokens=model_tokens(settings.embedding_model),
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
        return BuildReport(False, manifest.index_version, manifest.counts, current_folder(settings.index_dir))
    corpus = read_corpus(settings)
    check_claims(corpus, EntityRecognizer(load_phrasebook(settings.prompts_dir).vocabulary))
    fault_point("build.corpus-read")
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
        passage_vectors=settings.passage_vectors,
    )
    fault_point("build.embedded")
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

    The index must match the settings and the corpus as last committed (:func:`served_inputs`).

    Raises:
        IndexMissingError / IndexMismatchError: no usable index; the message says how to rebuild.
        ConfigError: prompts/ is invalid.
    """
    index = load_index(index_dir or settings.index_dir, served_inputs(settings), embedder.dimension)
    return answerer_over(settings, embedder, index)


def answerer_over(settings: Settings, embedder: Embedder, index: HybridIndex) -> GroundedAnswerer:
    """A grounded answerer around an index already in memory (a loaded one, or a subset of one).

    Raises:
        ConfigError: prompts/ is invalid.
    """
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


def load_generation(settings: Settings) -> GenerativeAnswerer | None:
    """The optional generative stage: None unless ``settings.llm_base_url`` is set.

    Raises:
        ConfigError: prompts/generator.yaml or prompts/verifier.yaml is invalid, or the key file
            cannot be read.
    """
    if settings.llm_base_url is None:
        return None
    from assistant.answer.openai_generator import OpenAIGenerator  # loads openai only when configured

    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    if settings.llm_api_key_file is not None:
        try:
            lines = settings.llm_api_key_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"Cannot read the model server's key file {settings.llm_api_key_file} ({type(exc).__name__}); "
                "fix ASSISTANT_LLM_API_KEY_FILE or put the key on its first line."
            ) from exc
        api_key = next((line.strip() for line in lines if line.strip() and not line.strip().startswith("#")), None)
        if api_key is None:
            raise ConfigError(f"The model server's key file {settings.llm_api_key_file} holds no key.")
    generator = OpenAIGenerator(
        str(settings.llm_base_url),
        settings.llm_model,
        api_key=api_key,
        timeout_seconds=settings.llm_timeout_seconds,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )
    return GenerativeAnswerer(
        generator,
        load_prompt(settings.prompts_dir),
        load_verifier_settings(settings.prompts_dir),
        max_passages=settings.llm_max_passages,
    )


def make_embedder(settings: Settings) -> Embedder:
    """The configured sentence-transformers embedder."""
    from assistant.embed.sentence import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        settings.embedding_model, batch_size=settings.embed_batch_size, precision=settings.embed_precision
    )


__all__ = [
    "BuildReport",
    "answerer_over",
    "IndexMismatchError",
    "IndexMissingError",
    "build_index",
    "build_inputs",
    "index_state",
    "served_inputs",
    "load_answerer",
    "load_generation",
    "make_embedder",
    "read_corpus",
]

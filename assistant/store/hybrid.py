"""The in-memory index: passages with FAISS vectors and BM25, sentences with vectors, documents."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import faiss
import numpy as np
import numpy.typing as npt

from assistant.embed.protocol import Embedder
from assistant.models import ConflictSpec, Document, Fact, Passage, Sentence
from assistant.store.pooling import PASSAGE_VECTORS, PassageVectors, SentenceGroups, pool, sentence_groups
from assistant.store.tokenize import tokenize

Vectors = npt.NDArray[np.float32]

# bm25s sets its own logger to DEBUG on import; its per-call debug lines are noise for users.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Hit:
    """A row of one retriever's ranking: passage position and its raw score."""

    position: int
    score: float


class HybridIndex:
    """Passages searchable by meaning (inner product on normalised vectors: a chunk's best
    sentence, or its FAISS row; see store/pooling.py) and by words (BM25 over code-aware tokens),
    plus the documents, facts and sentences answers quote from."""

    def __init__(
        self,
        *,
        index_version: str,
        documents: Sequence[Document],
        facts: Sequence[Fact],
        passages: Sequence[Passage],
        sentences: Sequence[Sentence],
        passage_index: faiss.Index,
        sentence_vectors: Vectors,
        fact_vectors: Vectors,
        bm25: bm25s.BM25,
        conflicts: Sequence[ConflictSpec] = (),
        passage_vectors: PassageVectors = "encoded",
    ) -> None:
        """Assemble an index from its parts; the counts of vectors and records must agree.

        ``passage_vectors`` says how its chunk vectors were made and so how chunks are searched by
        meaning (store/pooling.py): with ``sentences``, a chunk with sentences scores its best
        sentence's similarity, other passages their FAISS row.
        """
        if passage_vectors not in PASSAGE_VECTORS:
            raise ValueError(f"passage_vectors must be one of {PASSAGE_VECTORS}, got {passage_vectors!r}")
        if passage_index.ntotal != len(passages):
            raise ValueError(f"{passage_index.ntotal} passage vectors for {len(passages)} passages")
        if len(sentence_vectors) != len(sentences):
            raise ValueError(f"{len(sentence_vectors)} sentence vectors for {len(sentences)} sentences")
        if len(fact_vectors) != len(facts):
            raise ValueError(f"{len(fact_vectors)} fact vectors for {len(facts)} facts")
        self.index_version = index_version
        self.documents = {document.doc_id: document for document in documents}
        self.facts = list(facts)
        self.passages = list(passages)
        self.sentences = list(sentences)
        self.passage_index = passage_index
        self.sentence_vectors = sentence_vectors
        self.fact_vectors = fact_vectors
        self.bm25 = bm25
        self.conflicts = list(conflicts)
        self.passage_vectors_kind: PassageVectors = passage_vectors
        groups = sentence_groups(self.passages, self.sentences) if passage_vectors != "encoded" else []
        # Passages whose stored vector is a mean of sentence vectors, not an encoding of their text.
        self.pooled = frozenset(position for position, group in enumerate(groups) if group)
        self._by_sentence = SentenceGroups(groups if passage_vectors == "sentences" else [])
        # FAISS then searches only the passages not scored by their sentences (selectors kept alive here).
        self._selectors: tuple[faiss.IDSelector, ...] = ()
        if len(self._by_sentence):
            grouped = faiss.IDSelectorBatch(self._by_sentence.passages)
            self._selectors = (grouped, faiss.IDSelectorNot(grouped))
        self._faiss_params = faiss.SearchParameters()
        if self._selectors:
            self._faiss_params.sel = self._selectors[-1]
        # A passage "names" the codes in its text and the codes its document is about.
        document_codes = {
            d.doc_id: frozenset(t for code in d.codes for t in tokenize(code) if ":" in t) for d in documents
        }
        self.passage_codes = [
            frozenset(t for t in tokenize(p.text) if ":" in t) | document_codes.get(p.doc_id, frozenset())
            for p in self.passages
        ]
        frequency = Counter(code for codes in self.passage_codes for code in codes)
        # 1.0 for a code in one passage, falling to 0.0 for a code in half the passages or more:
        # a code most passages name (the corpus's own subject code) singles out none of them.
        self.code_rarity = {code: max(0.0, 1.0 - 2.0 * count / len(self.passages)) for code, count in frequency.items()}

    def subset(self, doc_ids: frozenset[str]) -> HybridIndex:
        """The index restricted to the documents ``doc_ids`` (their facts, passages, sentences and
        the conflicts among their facts); vectors are copied, BM25 is rebuilt over the passages kept."""
        passages = [i for i, p in enumerate(self.passages) if p.doc_id in doc_ids]
        sentences = [i for i, s in enumerate(self.sentences) if s.doc_id in doc_ids]
        facts = [i for i, f in enumerate(self.facts) if f.doc_id in doc_ids]
        kept_facts = {self.facts[i].fact_id for i in facts}
        vectors = self.passage_vectors()[passages] if passages else np.zeros((0, self.dimension), np.float32)
        passage_index = faiss.IndexFlatIP(self.dimension)
        if len(vectors):
            passage_index.add(np.ascontiguousarray(vectors))
        kept_passages = [self.passages[i] for i in passages]
        return HybridIndex(
            index_version=self.index_version,
            documents=[d for d in self.documents.values() if d.doc_id in doc_ids],
            facts=[self.facts[i] for i in facts],
            passages=kept_passages,
            sentences=[self.sentences[i] for i in sentences],
            passage_index=passage_index,
            sentence_vectors=self.sentence_vectors[sentences] if sentences else np.zeros((0, self.dimension), np.float32),
            fact_vectors=self.fact_vectors[facts] if facts else np.zeros((0, self.dimension), np.float32),
            bm25=build_bm25(kept_passages),
            conflicts=[c for c in self.conflicts if all(f in kept_facts for _, side in c.sides for f in side)],
            passage_vectors=self.passage_vectors_kind,
        )

    @property
    def dimension(self) -> int:
        """Vector length of the index."""
        return int(self.passage_index.d)

    def passage_vectors(self) -> Vectors:
        """The passage vectors held by FAISS, one row per passage, in passage order."""
        if not len(self.passages):
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors: Vectors = self.passage_index.reconstruct_n(0, len(self.passages))
        return vectors

    def dense_search(self, query_vector: Vectors, k: int) -> list[Hit]:
        """The ``k`` passages nearest to ``query_vector`` by cosine similarity, best first (ties by
        position): a chunk scored by its best sentence where the index says so, else its FAISS row."""
        k = min(k, len(self.passages))
        if k <= 0:
            return []
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        grouped = self._by_sentence
        if not len(grouped):
            scores, positions = self.passage_index.search(query, k)
            return [Hit(int(p), float(s)) for p, s in zip(positions[0], scores[0], strict=True) if p >= 0]
        best = grouped.best(self.sentence_vectors @ query[0])
        top = np.argpartition(-best, min(k, len(best)) - 1)[:k] if len(best) > k else np.arange(len(best))
        hits = [Hit(int(grouped.passages[i]), float(best[i])) for i in top]
        others = len(self.passages) - len(grouped)
        if others:
            scores, positions = self.passage_index.search(query, min(k, others), params=self._faiss_params)
            hits += [Hit(int(p), float(s)) for p, s in zip(positions[0], scores[0], strict=True) if p >= 0]
        return sorted(hits, key=lambda hit: (-hit.score, hit.position))[:k]

    def lexical_search(self, query: str, k: int) -> list[Hit]:
        """The ``k`` best BM25 passages for ``query`` (only passages sharing a token score)."""
        tokens = [t for t in tokenize(query) if t in self.bm25.vocab_dict]
        if not tokens or k <= 0:
            return []
        scores = self.bm25.get_scores(tokens)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [Hit(i, float(scores[i])) for i in ranked if scores[i] > 0]


def build_hybrid_index(
    *,
    index_version: str,
    documents: Sequence[Document],
    facts: Sequence[Fact],
    passages: Sequence[Passage],
    sentences: Sequence[Sentence],
    embedder: Embedder,
    conflicts: Sequence[ConflictSpec] = (),
    show_progress: bool = False,
    passage_vectors: PassageVectors = "encoded",
) -> HybridIndex:
    """Embed passages, sentences and facts and build the FAISS and BM25 indexes over them.

    Unless ``passage_vectors`` is ``encoded``, a chunk's vector is the normalised mean of its
    sentences' vectors (store/pooling.py) instead of an encoding of the chunk; other passages
    are encoded. Texts are embedded in two calls (sentences; then the encoded passages and
    facts), so batches are large and sorted by length across the whole build.
    """
    if passage_vectors not in PASSAGE_VECTORS:
        raise ValueError(f"passage_vectors must be one of {PASSAGE_VECTORS}, got {passage_vectors!r}")
    texts = embedding_texts(documents=documents, facts=facts, passages=passages, sentences=sentences)
    sentence_vectors = embedder.embed(texts.sentences, show_progress=show_progress)
    groups = sentence_groups(passages, sentences) if passage_vectors != "encoded" else [[] for _ in passages]
    encoded = [row for row, group in enumerate(groups) if not group]
    rest = embedder.embed([*(texts.passages[row] for row in encoded), *texts.facts], show_progress=show_progress)
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    vectors[encoded] = rest[: len(encoded)]
    for row, group in enumerate(groups):
        if group:
            vectors[row] = pool(sentence_vectors[group])
    fact_vectors = np.ascontiguousarray(rest[len(encoded) :])
    passage_index = faiss.IndexFlatIP(embedder.dimension)
    if len(vectors):
        passage_index.add(vectors)
    return HybridIndex(
        index_version=index_version,
        documents=documents,
        facts=facts,
        passages=passages,
        sentences=sentences,
        passage_index=passage_index,
        sentence_vectors=sentence_vectors,
        fact_vectors=fact_vectors,
        bm25=build_bm25(passages),
        conflicts=conflicts,
        passage_vectors=passage_vectors,
    )


def build_bm25(passages: Sequence[Passage]) -> bm25s.BM25:
    """BM25 over the code-aware tokens of every passage (rebuilt whole: its weights depend on all)."""
    bm25 = bm25s.BM25()
    bm25.index([tokenize(passage_lexical_text(p)) or [""] for p in passages], show_progress=False)
    return bm25


@dataclass(frozen=True)
class EmbeddingTexts:
    """The exact texts embedded for an index, row for row with its passages, sentences and facts."""

    passages: list[str]
    sentences: list[str]
    facts: list[str]


def embedding_texts(
    *, documents: Sequence[Document], facts: Sequence[Fact], passages: Sequence[Passage], sentences: Sequence[Sentence]
) -> EmbeddingTexts:
    """What is embedded for each passage, sentence and fact (a sentence is its span of its document)."""
    doc_texts = {d.doc_id: d.text for d in documents}
    return EmbeddingTexts(
        passages=[passage_embedding_text(p) for p in passages],
        sentences=[doc_texts[s.doc_id][s.start : s.end] for s in sentences],
        facts=[f.statement for f in facts],
    )


def passage_embedding_text(passage: Passage) -> str:
    """What is embedded for a passage: its section title gives a chunk its context."""
    return f"{passage.section}: {passage.text}" if passage.section else passage.text


def passage_lexical_text(passage: Passage) -> str:
    """What BM25 indexes for a passage (the same text as embedded)."""
    return passage_embedding_text(passage)

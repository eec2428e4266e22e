"""Incremental builds: reuse the current build's vectors so only new or changed text is embedded.

A vector is a function of the model and the exact text embedded. Vectors are therefore keyed by
the SHA-256 of that text (a passage's section title and words, a sentence's span, a fact's
statement), and the model part of the key is checked once per build: vectors are offered only
from a verified build made with the same embedder, dimension, chunking and format version. An
edited chunk changes its text, misses, and is embedded afresh; a removed one is simply never
asked for.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.embed.protocol import Embedder
from assistant.errors import IndexStoreError
from assistant.store.disk import load_index, read_manifest
from assistant.store.hybrid import HybridIndex, embedding_texts
from assistant.store.manifest import BuildInputs

Vector = npt.NDArray[np.float32]
KnownVectors = Mapping[bytes, Vector]

log = logging.getLogger(__name__)


def text_key(text: str) -> bytes:
    """The key a text's vector is stored under: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def known_vectors(index: HybridIndex) -> dict[bytes, Vector]:
    """Every vector of ``index`` keyed by the text it was embedded from (a chunk vector pooled from
    its sentences was embedded from none, so it is left out)."""
    texts = embedding_texts(
        documents=list(index.documents.values()), facts=index.facts, passages=index.passages, sentences=index.sentences
    )
    known: dict[bytes, Vector] = {}
    for rows, vectors in (
        (texts.passages, index.passage_vectors()),
        (texts.sentences, index.sentence_vectors),
        (texts.facts, index.fact_vectors),
    ):
        for row, (text, vector) in enumerate(zip(rows, vectors, strict=True)):
            if rows is texts.passages and row in index.pooled:
                continue
            known[text_key(text)] = np.array(vector, dtype=np.float32)
    return known


def reusable_vectors(index_dir: Path, inputs: BuildInputs, embedder: Embedder) -> dict[bytes, Vector] | None:
    """The current build's vectors when that build can seed one for ``inputs``, else None.

    It can when it was made by the same embedder (name and dimension) with the same chunking and
    format version (only the corpus differs), and every file passes its checksum. Anything else
    (no build, another model, a corrupt file) means a full build, said in the log.
    """
    manifest = read_manifest(index_dir)
    if manifest is None:
        return None
    same_settings = manifest.inputs.model_copy(update={"corpus_hash": inputs.corpus_hash}) == inputs
    if not same_settings or manifest.embedder != embedder.name or manifest.dimension != embedder.dimension:
        log.info("current build %s was made differently; embedding everything", manifest.index_version)
        return None
    try:
        previous = load_index(index_dir, manifest.inputs, embedder.dimension)
    except IndexStoreError as exc:
        log.warning("cannot reuse the current build (%s); embedding everything", exc)
        return None
    return known_vectors(previous)


class ReusingEmbedder:
    """An :class:`Embedder` that returns known vectors for texts seen before and embeds only the rest.

    Counts the distinct texts it reused and embedded, so a build can report how incremental it was.
    """

    def __init__(self, inner: Embedder, known: KnownVectors) -> None:
        """Wrap ``inner``; ``known`` maps :func:`text_key` of a text to its vector from ``inner``'s model."""
        for vector in list(known.values())[:1]:
            if vector.shape != (inner.dimension,):
                raise ValueError(f"known vectors have shape {vector.shape}, the embedder gives ({inner.dimension},)")
        self._inner = inner
        self._known = known
        self._fresh: dict[bytes, Vector] = {}
        self._reused_keys: set[bytes] = set()
        self.reused = 0
        self.embedded = 0

    @property
    def name(self) -> str:
        """The wrapped embedder's name (the vectors are its vectors)."""
        return self._inner.name

    @property
    def dimension(self) -> int:
        """The wrapped embedder's vector length."""
        return self._inner.dimension

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        """One row per text: the known vector where there is one, a fresh embedding otherwise.

        A text is embedded once however often it occurs (a line repeated on many pages, a
        sentence that is also a whole passage); ``embedded`` counts those embeddings.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[bytes, list[int]] = {}
        reused = self._reused_keys
        for row, text in enumerate(texts):
            key = text_key(text)
            vector = self._known.get(key)
            if vector is not None:
                reused.add(key)
            else:
                vector = self._fresh.get(key)
            if vector is None:
                missing.setdefault(key, []).append(row)
            else:
                out[row] = vector
        if missing:
            keys = list(missing)
            vectors = self._inner.embed([texts[missing[key][0]] for key in keys], show_progress=show_progress)
            for key, vector in zip(keys, vectors, strict=True):
                self._fresh[key] = vector
                out[missing[key]] = vector
        self.reused = len(reused)
        self.embedded = len(self._fresh)
        return out

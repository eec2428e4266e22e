"""Chunks scored through the sentences they are made of, so a build never encodes a chunk's text.

A chunk is a run of whole sentences of one section (ingest/chunking.py), and every sentence is
embedded anyway for the evidence reader. Encoding the chunk again costs more than all its
sentences together (a chunk is about five sentences, and attention grows with length). So with
``passage_vectors`` other than ``encoded`` a chunk's stored vector is the mean of its sentences'
vectors, L2-normalised, and a build embeds about half as many tokens. Passages with no sentences
(fact passages, synthetic ones) are encoded as before. How a chunk is then searched by meaning:

- ``sentences`` (the default): by its best sentence, the largest cosine between the query and
  any of its sentences (:class:`SentenceGroups`). A chunk answering the question in one sentence
  among others on other matters is not diluted by them.
- ``pooled``: by its mean vector, as a FAISS row.
- ``encoded``: the chunk's own text is encoded (section title, then text), searched as a FAISS row.

Measured on the realdocs, hybrid recall@5 with all four question sets (255 questions with
evidence: the set's own 45, eval/realdocs-train, -test, -test2): encoded 0.682, pooled 0.675,
sentences 0.706; MRR@5 on the set's own 45 questions 0.478 / 0.517 / 0.528, recall@1 0.311 / 0.400
/ 0.400, recall@5 0.711 / 0.689 / 0.689 (one question of 45: its row drops from 4th to 6th).
Adding the section title's vector to either scored lower.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from assistant.models import Passage, Sentence

Vectors = npt.NDArray[np.float32]
PassageVectors = Literal["sentences", "encoded", "pooled"]
PASSAGE_VECTORS: tuple[PassageVectors, ...] = ("sentences", "encoded", "pooled")


def sentence_groups(passages: Sequence[Passage], sentences: Sequence[Sentence]) -> list[list[int]]:
    """For each passage, the positions in ``sentences`` of the sentences inside its span.

    Only chunks are grouped; a fact passage (or a chunk whose span holds no sentence) gets an
    empty list and is encoded instead. Sentences of one document must be in text order (as
    load_corpus makes them).
    """
    by_doc: dict[str, list[int]] = {}
    for position, sentence in enumerate(sentences):
        by_doc.setdefault(sentence.doc_id, []).append(position)
    starts = {doc_id: [sentences[p].start for p in rows] for doc_id, rows in by_doc.items()}
    groups: list[list[int]] = []
    for passage in passages:
        rows = by_doc.get(passage.doc_id, [])
        if passage.kind != "chunk" or not rows:
            groups.append([])
            continue
        first = bisect.bisect_left(starts[passage.doc_id], passage.start)
        group = []
        for position in rows[first:]:
            sentence = sentences[position]
            if sentence.start >= passage.end:
                break
            if sentence.end <= passage.end:
                group.append(position)
        groups.append(group)
    return groups


def pool(members: Vectors) -> Vectors:
    """The unit vector along the mean of ``members`` (unit vectors, shape ``(n, d)``, n >= 1).

    Raises:
        ValueError: no member vectors.
    """
    if not len(members):
        raise ValueError("cannot pool a passage vector from no sentence vectors")
    total = members.sum(axis=0, dtype=np.float32)
    norm = float(np.linalg.norm(total))
    if norm == 0.0:  # sentences pointing in opposite directions: keep the first one's
        return np.asarray(members[0], dtype=np.float32)
    return np.asarray(total / norm, dtype=np.float32)


class SentenceGroups:
    """Passages scored by their best sentence: for each chunk that has sentences, the positions of
    those sentences (:func:`sentence_groups`), flattened so one query is scored in a few array
    operations over all sentences at once.
    """

    def __init__(self, groups: Sequence[Sequence[int]]) -> None:
        """``groups[i]`` lists the sentence positions of passage ``i`` (empty: not scored here)."""
        nonempty = [(position, group) for position, group in enumerate(groups) if group]
        self.passages = np.array([position for position, _ in nonempty], dtype=np.int64)
        self._members = np.array([s for _, group in nonempty for s in group], dtype=np.int64)
        sizes = [len(group) for _, group in nonempty]
        self._offsets = np.cumsum([0, *sizes[:-1]], dtype=np.int64) if sizes else np.zeros(0, np.int64)

    def __len__(self) -> int:
        """How many passages are scored by their sentences."""
        return len(self.passages)

    def best(self, similarities: Vectors) -> Vectors:
        """Each grouped passage's largest value of ``similarities`` (one per sentence), in the order
        of :attr:`passages`.

        Raises:
            ValueError: ``similarities`` does not have one value per sentence the groups name.
        """
        if not len(self.passages):
            return np.zeros(0, dtype=np.float32)
        if similarities.ndim != 1 or len(similarities) <= int(self._members.max()):
            raise ValueError(f"{similarities.shape} similarities for groups naming sentence {int(self._members.max())}")
        best: Vectors = np.maximum.reduceat(similarities[self._members], self._offsets)
        return best

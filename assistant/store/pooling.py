"""Passage vectors pooled from the vectors of the sentences a passage is made of.

A chunk is a run of whole sentences of one section (ingest/chunking.py), and every sentence is
embedded anyway for the evidence reader. Encoding the chunk again costs more than all its
sentences together (a chunk is about five sentences, and attention grows with length), so with
``passage_vectors="pooled"`` a chunk's vector is the mean of its sentences' vectors,
L2-normalised, and a build embeds about half as many tokens. Passages with no sentences (fact
passages, synthetic ones) are encoded as before.

Measured on the realdocs (45 questions with evidence): hybrid recall@1 0.311 -> 0.400, MRR
0.478 -> 0.517, answer accuracy 0.378 -> 0.422, but recall@5 0.711 -> 0.689; adding the
section title's vector to the mean scored lower (recall@5 0.667, accuracy 0.378). So encoding
stays the default.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from assistant.models import Passage, Sentence

Vectors = npt.NDArray[np.float32]


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

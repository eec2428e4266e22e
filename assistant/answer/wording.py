"""How well each of a few sentences matches a question's wording: BM25 over just those sentences.

Used to answer from a document that has no curated facts: its rare words ("preventive",
"diagnosis") count for more than the words every sentence of it shares (the payer's name).
"""

from __future__ import annotations

import re

import bm25s
import numpy as np
import numpy.typing as npt

from assistant.store.tokenize import tokenize

# Words every billing sentence may share with a question; they say nothing of its topic.
GENERIC_WORDS = frozenset(tokenize("code codes coding bill billed billing report reported use used procedure"))


def content_words(text: str) -> list[str]:
    """The word tokens of ``text`` that can carry a topic: no codes, numbers or generic billing words."""
    return [t for t in tokenize(text) if ":" not in t and not t.isdigit() and t not in GENERIC_WORDS]


def wording_scores(question: str, sentences: list[str]) -> npt.NDArray[np.float64]:
    """BM25 of ``question`` against each sentence, scaled so the best is 1.0 (all 0.0 when none match)."""
    asked = [t for t in dict.fromkeys(tokenize(question)) if ":" not in t and t not in GENERIC_WORDS]
    if not sentences or not asked:
        return np.zeros(len(sentences))
    retriever = bm25s.BM25()
    retriever.index([tokenize(s) or ["<empty>"] for s in sentences], show_progress=False)
    known = [t for t in asked if t in retriever.vocab_dict]
    if not known:
        return np.zeros(len(sentences))
    scores = np.asarray(retriever.get_scores(known), dtype=np.float64)
    best = float(scores.max())
    return scores / best if best > 0 else np.zeros(len(sentences))


def common_words(sentences: list[str], share: float) -> frozenset[str]:
    """Word tokens found in at least ``share`` of ``sentences`` (and in at least three): a document's
    name for itself or its publisher, which every one of its sentences is "about"."""
    counts: dict[str, int] = {}
    for sentence in sentences:
        for token in set(tokenize(sentence)):
            if ":" not in token:
                counts[token] = counts.get(token, 0) + 1
    least = max(3, share * len(sentences))
    return frozenset(token for token, count in counts.items() if count >= least)


def without_words(text: str, words: frozenset[str]) -> str:
    """``text`` with every word whose token is in ``words`` left out."""
    if not words:
        return text
    kept = [w for w in _WORD.split(text) if not (_WORD.fullmatch(w) and set(tokenize(w)) & words)]
    return " ".join("".join(kept).split())


_WORD = re.compile(r"([A-Za-z]+)")

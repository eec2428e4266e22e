"""Quote sentences that answer a question: from retrieved passages, or from whole documents that
have no curated facts (ingested sources), by meaning and by wording."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

import numpy as np
import numpy.typing as npt

from assistant.answer.conversation import Understanding
from assistant.answer.draft import AnswerSettings, Draft
from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import Phrasings
from assistant.answer.wording import common_words, content_words, without_words, wording_scores
from assistant.models import UNKNOWN_PUBLISHER
from assistant.store.hybrid import HybridIndex

MIN_QUOTED_WORDS = 5
"""Shorter sentences (headings, fragments) are never quoted."""
_MAX_QUOTES = 2
# How far below the extract threshold a sentence matching the question's wording may score.
_WORD_MATCH_ALLOWANCE = 0.25
# Share of the best BM25 score that counts as matching the question's wording.
_WORDING_MATCH = 0.5
# Share of a document's sentences a word must appear in to count as its own name, not a topic.
_COMMON_SHARE = 0.2
# Verbs that make "CPT 99214 is ..." a sentence defining a code.
_DEFINING_VERBS = "is|are|means|describes|reports|covers"

Vector = npt.NDArray[np.float32]


class SentenceQuoter:
    """Picks the one or two sentences of the index that answer a question, with their support."""

    def __init__(
        self,
        index: HybridIndex,
        recognizer: EntityRecognizer,
        settings: AnswerSettings,
        embed_query: Callable[[str], Vector],
        phrasings: Phrasings,
    ) -> None:
        """``phrasings`` words each quote (``extract_sentence``, or its form for an unknown publisher)."""
        self.index = index
        self.recognizer = recognizer
        self.settings = settings
        self.embed_query = embed_query
        self.phrasings = phrasings
        self._rows_by_document: dict[str, list[int]] = {}
        for row, sentence in enumerate(index.sentences):
            self._rows_by_document.setdefault(sentence.doc_id, []).append(row)

    def from_passages(self, u: Understanding, spans: list[tuple[str, int, int]], intent: str | None) -> Draft | None:
        """Quote the sentences inside the retrieved ``spans`` (doc id, start, end) closest in meaning."""
        rows = [
            i
            for i, s in enumerate(self.index.sentences)
            if any(s.doc_id == d and s.start < end and start < s.end for d, start, end in spans)
        ]
        if not rows:
            return None
        scores = self.index.sentence_vectors[rows] @ u.vector
        return self._pick(rows, scores, scores, intent)

    def from_documents(
        self, u: Understanding, documents: Collection[str], intent: str | None, answer_kinds: frozenset[str], codes: set[str]
    ) -> Draft | None:
        """Quote sentences of ``documents`` (which have no curated facts) that answer the question.

        A sentence counts by meaning, read with the sentence before it ("The request must list ..."
        needs its lead-in), lifted when its wording matches (BM25 over these sentences, leaving out
        words most of them share, such as the payer's own name). With ``answer_kinds`` only
        sentences naming an entity of those kinds count (a POS question wants a place of service).
        A question that is only a code (``codes``: "What is CPT 64615?") gets the sentence defining it.
        """
        rows = [
            row
            for doc_id in sorted(documents)
            for row in self._rows_by_document.get(doc_id, [])
            if not answer_kinds or any(e.kind in answer_kinds for e in self.recognizer.find(self._text(row)))
        ]
        if not rows:
            return None
        texts = [self._text(row) for row in rows]
        topical = without_words(u.query, common_words(texts, _COMMON_SHARE))
        if not content_words(topical):
            return self._defining(u, rows, intent, codes)
        vector = u.vector if topical == u.query else self.embed_query(topical)
        meaning = np.maximum(self.index.sentence_vectors[rows] @ vector, self._with_previous(rows) @ vector)
        wording = wording_scores(topical, texts)
        support = meaning + _WORD_MATCH_ALLOWANCE * (wording >= _WORDING_MATCH)
        threshold = self.settings.extract_threshold
        order = np.where(support >= threshold, threshold + (meaning + wording) / 2, -np.inf)
        return self._pick(rows, order, support, intent)

    def _pick(
        self, rows: list[int], order: npt.NDArray[np.floating], support: npt.NDArray[np.floating], intent: str | None
    ) -> Draft | None:
        """The best one or two sentences by ``order`` (over the extract threshold, within the margin)."""
        picked: list[tuple[int, float]] = []
        first = 0.0
        for position in np.argsort(-order):
            score = float(order[position])
            if len(self._text(rows[int(position)]).split()) < MIN_QUOTED_WORDS:
                continue
            if score < self.settings.extract_threshold or (picked and score < first - self.settings.fact_margin):
                break
            first = first or score
            picked.append((rows[int(position)], float(support[position])))
            if len(picked) == _MAX_QUOTES:
                break
        return self._quoted(intent, picked) if picked else None

    def _defining(self, u: Understanding, rows: list[int], intent: str | None, codes: set[str]) -> Draft | None:
        """A sentence defining an asked code ("CPT 99214 is ..."), else the fullest one naming it."""
        labels = [re.escape(e.label.split()[-1]) for e in u.entities if e.key in codes]
        if not labels:
            return None
        defining = re.compile(rf"\b(?:{'|'.join(labels)})\b\)?\s+(?:{_DEFINING_VERBS})\b", re.IGNORECASE)
        naming = [
            row for row in rows
            if codes & self.recognizer.keys(self._text(row)) and len(self._text(row).split()) >= MIN_QUOTED_WORDS
        ]
        if not naming:
            return None
        best = max(naming, key=lambda row: (bool(defining.search(self._text(row))), len(self._text(row))))
        return self._quoted(intent, [(best, self.settings.extract_threshold)])

    def _quoted(self, intent: str | None, picked: list[tuple[int, float]]) -> Draft:
        """A draft quoting each picked sentence (row, support) of its document."""
        draft = Draft(confidence=min(1.0, picked[0][1]), intent=intent)
        for row, score in picked:
            sentence = self.index.sentences[row]
            document = self.index.documents[sentence.doc_id]
            quoted = " ".join(self._text(row).split())
            if document.publisher == UNKNOWN_PUBLISHER:
                text = self.phrasings.extract_sentence_no_publisher.format(title=document.title, sentence=quoted)
            else:
                text = self.phrasings.extract_sentence.format(publisher=document.publisher, sentence=quoted)
            draft.sentences.append((text, [(sentence.doc_id, sentence.start, sentence.end, score)]))
        return draft

    def _with_previous(self, rows: list[int]) -> Vector:
        """Unit vectors of each sentence joined with the sentence before it in the same document."""
        vectors = self.index.sentence_vectors
        joined = vectors[rows].copy()
        for i, row in enumerate(rows):
            if row > 0 and self.index.sentences[row - 1].doc_id == self.index.sentences[row].doc_id:
                joined[i] += vectors[row - 1]
        result: Vector = joined / np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-12)
        return result

    def _text(self, row: int) -> str:
        """The text of sentence ``row``."""
        sentence = self.index.sentences[row]
        return self.index.documents[sentence.doc_id].text[sentence.start : sentence.end]

"""The answerer the API and CLI use: each question goes where its best evidence is.

Two answerers share one index. The evidence reader (``reader.py``) ranks every sentence, list
item, table row and fact together and answers from the best of them; it is the one for the
documents people load. The first, facts-first answerer (``compose.py``) still answers questions
whose best evidence is in the project's curated corpus (its facts, references and seed
publication), where it is measured to do better (eval/README.md); it is to be retired once the
reader reaches the curated sets' gate. The choice is made from the reader's own ranking, never
from the kind of question: a question naming a loaded document, or whose best-ranked evidence is
in one, is answered by the reader.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from assistant.answer.abstain import choose
from assistant.answer.compose import FactsFirstAnswerer
from assistant.answer.draft import AnswerSettings
from assistant.answer.evidence import EvidenceUnit
from assistant.answer.phrasebook import Phrasebook
from assistant.answer.question import Question
from assistant.answer.rank import RankerWeights
from assistant.answer.reader import EvidenceReader
from assistant.answer.terms import stem
from assistant.embed.protocol import Embedder
from assistant.models import Answer, ScoredPassage
from assistant.retrieve import RetrievalMode, RetrievalSettings
from assistant.store.hybrid import HybridIndex


class GroundedAnswerer:
    """Answers a conversation from one index with no generative model (see the module docstring)."""

    def __init__(
        self,
        index: HybridIndex,
        embedder: Embedder,
        phrasebook: Phrasebook,
        retrieval: RetrievalSettings,
        settings: AnswerSettings,
        weights: RankerWeights,
    ) -> None:
        """Build both answerers over ``index`` (the intent examples and evidence units, once)."""
        self.index = index
        self.embedder = embedder
        self.phrasebook = phrasebook
        self.reader = EvidenceReader(index, embedder, phrasebook, retrieval, weights)
        self._loaded = frozenset(d.doc_id for d in index.documents.values() if d.ingested)
        # The facts-first answerer sees only the curated corpus: a loaded document never changes
        # what it says about the curated sources (it did: a note naming 64642 made it abstain).
        curated = index.subset(frozenset(index.documents) - self._loaded) if self._loaded else index
        self.facts = FactsFirstAnswerer(curated, embedder, phrasebook, retrieval, settings)
        self.questions = self.reader.questions
        self.recognizer = self.facts.recognizer
        self.settings = settings

    def answer(self, user_turns: list[str], *, top_k: int | None = None) -> Answer:
        """Answer the last of ``user_turns`` with whichever answerer its evidence calls for.

        Raises:
            ValueError: no turn has text.
        """
        question = self.reader.questions.read(user_turns)
        if self.routes_to_reader(question):
            return self.reader.answer(user_turns, top_k=top_k, question=question)
        # Only an elliptical turn borrows from earlier ones ("What about <another payer>?"); a complete or
        # unrelated question stands alone in both answerers.
        return self.facts.answer(user_turns if question.carried else user_turns[-1:], top_k=top_k)

    def routes_to_reader(self, question: Question) -> bool:
        """Whether the evidence reader answers: the question names a loaded document; or the evidence
        the reader would quote includes a loaded document's; or nothing answers and the best
        candidate is a loaded document's, a loaded document is about the code asked, or what is asked
        is a word only the loaded documents use (they are silent, so the answer abstains)."""
        if not self._loaded:
            return False
        if question.named_documents & self._loaded:
            return True
        reader = self.reader
        verdict = choose(
            reader.rank(question), question, reader.evidence, reader.payer_words,
            threshold=reader.weights.threshold, margin=reader.weights.margin, limit=reader.settings.max_units,
            min_similarity=reader.settings.min_similarity,
        )
        if not verdict.abstained:
            # The user's documents come first: answer from them when they hold some of the best evidence.
            return any(s.unit.kind != "fact" and s.unit.doc_id in self._loaded for s in verdict.chosen)
        if verdict.unspoken:
            # No source speaks of what is asked ("a lap band - Cigna covers?"): a curated fact that
            # shares only the payer is no answer.
            return True
        # Nothing answers: when the best candidate is a loaded document's, or a loaded document is
        # about the code asked, its silence is the answer (curated facts on another topic are not).
        ranked = reader.rank(question)
        if ranked and ranked[0].unit.kind != "fact" and ranked[0].unit.doc_id in self._loaded:
            return True
        if any(code in reader.evidence.document_codes.get(d, ()) for d in self._loaded for code in question.codes):
            return True
        # "is rimegepant covered by aetna?" beside a loaded migraine policy: the topic is the policy's; a
        # curated fact that shares the payer alone is no answer.
        return any(stem(term) in reader.loaded_only for term in question.subject_terms)

    def candidates(self, query: str, k: int) -> list[tuple[EvidenceUnit, str]]:
        """The reader's ``k`` best evidence units for ``query`` (see ``EvidenceReader.candidates``)."""
        return self.reader.candidates(query, k)

    def search(self, query: str, *, top_k: int | None = None, mode: RetrievalMode | None = None) -> list[ScoredPassage]:
        """Ranked passages for a free-text query (hybrid unless ``mode`` says otherwise)."""
        return self.reader.search(query, top_k=top_k, mode=mode)

    def embed_query(self, query: str) -> npt.NDArray[np.float32]:
        """The query vector retrieval uses (billing codes masked)."""
        return self.reader.embed_query(query)

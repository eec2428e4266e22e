"""The facts-first answerer: facts first, extraction otherwise, abstention when sources are silent.

It answers questions about the project's curated corpus until the evidence reader replaces it
(see ``answerer.py``). Nothing here is keyed to a particular question: intents, examples and
phrasings come from prompts/, claims from corpus facts and document sentences. Every claim
sentence ends with the ``[n]`` marker of the span it rests on and must name no code or payer
absent from that span.

This module decides what to say; its parts, used by nothing else:

- ``fact_selection.py``: which curated facts answer (the intent their coverage favours, the
  facts chosen, conflicting sides, facts out of force on a date of service, code scope);
- ``uncurated.py``: publications without curated facts that a question names;
- ``quotes.py``: the document sentences quoted when no fact answers;
- ``assembly.py``: the checked answer, with numbered citations, or the abstention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from assistant.answer.assembly import AnswerAssembler, abstention, dated, fill
from assistant.answer.conversation import Understanding, understand
from assistant.answer.dates import ServicePeriod, date_of_service
from assistant.answer.draft import AnswerSettings, Draft
from assistant.answer.entities import CODE_KINDS, SUBJECT_CODE_KINDS, EntityRecognizer
from assistant.answer.fact_selection import (
    INTENT_MARGIN,
    FactSelector,
    in_code_scope,
    matched_kind,
    missing_required,
    scoped_codes,
)
from assistant.answer.intents import IntentClassifier, IntentScore, mask_codes
from assistant.answer.phrasebook import IntentSpec, Phrasebook
from assistant.answer.quotes import SentenceQuoter
from assistant.answer.shorthand import Shorthand
from assistant.answer.terms import corpus_vocabulary, unknown_terms
from assistant.answer.uncurated import UncuratedPublications
from assistant.embed.protocol import Embedder
from assistant.models import Answer, Fact, ScoredPassage
from assistant.retrieve import RetrievalMode, RetrievalSettings, retrieve
from assistant.store.hybrid import HybridIndex

# A question comparing codes: the intent name its answer reports.
_COMPARISON_INTENT = "code_lookup"
# Kinds with a closed list of names (unlike conditions): required in a quote only when asked outright.
_NAMED_CLOSED_KINDS = frozenset({"specialty"})


class FactsFirstAnswerer:
    """The first answerer: intents and curated facts first, sentence extraction otherwise."""

    def __init__(
        self,
        index: HybridIndex,
        embedder: Embedder,
        phrasebook: Phrasebook,
        retrieval: RetrievalSettings,
        settings: AnswerSettings,
    ) -> None:
        """Wire the parts; embeds the intent examples once."""
        self.index = index
        self.embedder = embedder
        self.phrasebook = phrasebook
        self.retrieval = retrieval
        self.settings = settings
        self.recognizer = EntityRecognizer(phrasebook.vocabulary)
        self.shorthand = Shorthand(phrasebook.abbreviations, phrasebook.case_sensitive_abbreviations)
        self.classifier = IntentClassifier(phrasebook.intents, embedder)
        self._known_keys = self._corpus_entity_keys()
        self._vocabulary = corpus_vocabulary(
            [
                *(f"{d.text} {d.title} {d.publisher} {d.source_url or ''}" for d in index.documents.values()),
                *(alias for entries in phrasebook.vocabulary.values() for e in entries.values() for alias in e.aliases),
                *(example for spec in phrasebook.intents.values() for example in spec.examples),
            ]
        )
        self.selector = FactSelector(index, self.recognizer, phrasebook.intents, settings)
        self.assembly = AnswerAssembler(index, self.recognizer, phrasebook.phrasings, self.selector.facts_by_id)
        self.uncurated = UncuratedPublications(index, self.selector.documents_with_facts, self.selector.document_code_keys)
        self.quotes = SentenceQuoter(
            index, self.recognizer, settings, self.embed_query, phrasebook.phrasings
        )

    def answer(self, user_turns: list[str], *, top_k: int | None = None) -> Answer:
        """Answer the last of ``user_turns`` (earlier ones give context), with citations."""
        understanding = understand(
            user_turns,
            recognizer=self.recognizer,
            classifier=self.classifier,
            embedder=self.embedder,
            intent_threshold=self.settings.intent_threshold,
            follow_up_openers=self.phrasebook.follow_up_openers,
            shorthand=self.shorthand,
        )
        retrieval = replace(self.retrieval, top_k=top_k or self.retrieval.top_k)
        passages = retrieve(self.index, understanding.query, understanding.vector, retrieval)
        draft = self._draft(understanding, passages)
        return self.assembly.finish(draft, understanding, passages)

    def search(self, query: str, *, top_k: int | None = None, mode: RetrievalMode | None = None) -> list[ScoredPassage]:
        """Ranked passages for a free-text query (hybrid unless ``mode`` says otherwise)."""
        settings = replace(self.retrieval, top_k=top_k or self.retrieval.top_k, mode=mode or self.retrieval.mode)
        return retrieve(self.index, query, self.embed_query(query), settings)

    def embed_query(self, query: str) -> npt.NDArray[np.float32]:
        """The vector retrieval uses for ``query``: its embedding with billing codes masked."""
        vector: npt.NDArray[np.float32] = self.embedder.embed([mask_codes(query, self.recognizer.find(query))])[0]
        return vector

    # -- deciding what to say ------------------------------------------------------------

    def _draft(self, u: Understanding, passages: list[ScoredPassage]) -> Draft:
        phrasings = self.phrasebook.phrasings
        unknown_codes = [e for e in u.entities if e.kind in SUBJECT_CODE_KINDS and e.key not in self._known_keys]
        if unknown_codes:
            labels = ", ".join(dict.fromkeys(e.label for e in unknown_codes))
            return self._abstain(f"The sources do not mention {labels}.", None)
        unknown_words = unknown_terms(u.query, self._vocabulary)
        if unknown_words:
            return self._abstain(f"The sources do not mention {', '.join(unknown_words)}.", None)
        top = self.selector.choose_intent(u)
        named = self.uncurated.named(u)
        if named:
            # "What does Example Health Plan ask for ...?": the question names the source; answer
            # from its wording or say it is silent, whatever kind of question it is. The kind is
            # read without the source's name ("Example Clinic" does not ask for a place of service).
            top = self._intent_without_publishers(u, top)
            spec = self.phrasebook.intents[top.name]
            clear = top.score >= self.settings.intent_threshold
            kinds = self._answer_kinds(u, spec) if clear else frozenset()
            quoted = self.quotes.from_documents(u, named, top.name if clear else None, kinds, scoped_codes(u))
            if quoted and clear and not spec.fact_types and not self._says_what_is_asked(u, spec, quoted):
                quoted = None  # "What does the plan pay?" is not answered by a sentence on billing units
            return quoted or self._abstain(fill(spec.missing, self._subject(u, spec)) if clear else phrasings.unsupported, None)
        if top.score < self.settings.intent_threshold:
            if not any(e.kind != "concept" for e in u.entities):
                return self._abstain(phrasings.off_topic, None)
            compared = self.selector.defining(u)
            if compared:
                # "64646 vs 64647?": no one kind of question, but each named code has facts to say what it is.
                return self._from_facts(u, compared, True, self.settings.intent_threshold, _COMPARISON_INTENT)
            on_code = self.uncurated.on_asked_code(u)
            if on_code:
                # No clear kind of question, but a document without facts is about the code asked:
                # quote it by meaning and wording, as for any question about it.
                asked = scoped_codes(u)
                quoted = self.quotes.from_documents(u, on_code, None, frozenset(), asked)
                return quoted or self._abstain(phrasings.unsupported, None)
            return self._quote_passages(u, passages, None) or self._abstain(phrasings.unsupported, None)
        spec = self.phrasebook.intents[top.name]
        if not spec.fact_types:
            return self._abstain(fill(spec.missing, self._subject(u, spec)), top.name)
        period = date_of_service(u.query)
        in_scope = [
            f for f in self.index.facts
            if f.fact_type in spec.fact_types and in_code_scope(u, set(f.entities) | self.selector.document_code_keys[f.doc_id])
        ]
        candidates = [f for f in in_scope if period is None or f.in_force(period.first, period.last)]
        on_code = self.uncurated.on_asked_code(u)
        if on_code:
            # A publication about the code asked has no curated facts of this kind: answer from its
            # own wording, after any fact that names the code itself; or say the sources are silent.
            asked = scoped_codes(u)
            extracted = self.quotes.from_documents(u, on_code, top.name, self._answer_kinds(u, spec), asked)
            naming = [f for f in candidates if asked & set(f.entities)]
            if extracted and naming:
                chosen, matched = self.selector.select(u, spec, naming)
                from_facts = self._from_facts(u, chosen, matched, top.score, top.name)
                if not from_facts.abstained:
                    extracted.sentences = from_facts.sentences + extracted.sentences
                    extracted.confidence = max(extracted.confidence, from_facts.confidence)
            return extracted or self._abstain(fill(spec.missing, self._subject(u, spec)), top.name)
        # What the sources know at any date: "POS 19 in 2015" is answered with the date POS 19 began.
        missing = missing_required(u.entities, spec, in_scope)
        chosen, matched = self.selector.select(u, spec, candidates)
        out_of_force = self.selector.out_of_force(u, spec, chosen, period)
        if out_of_force and not chosen:
            draft = self._from_facts(u, [], True, top.score, top.name, out_of_force, period)
            draft.notes.append(fill(self.phrasebook.phrasings.dated, period=period.describe() if period else ""))
            return draft
        required_missing = [e for e in missing if e.kind in spec.required_kinds]
        if (missing and not matched) or (required_missing and not matched_kind(chosen, u, spec)):
            closest = [f for f in candidates if f.summary]
            return self._abstain(fill(spec.missing, self.recognizer.label(missing[0].key)), top.name, closest)
        if chosen and all(f.negative for f in chosen):
            # The sources state that they do not hold this (e.g. no policy number was found).
            return self._abstain(self.phrasebook.phrasings.stated_absent, top.name, chosen)
        if chosen:
            keys = {e.key for e in u.entities}
            chosen, conflicts = self.selector.with_conflicts(chosen, period, top.name, keys)
            draft = self._from_facts(u, chosen, matched, top.score, top.name, out_of_force, period)
            draft.conflicts = conflicts
            # Answer what the sources hold; say plainly what they do not (no marker: not a claim).
            draft.notes = [fill(spec.missing, self.recognizer.label(e.key)) for e in missing]
            draft.notes += [fill(self.phrasebook.phrasings.conflict, topic=c.topic) for c in conflicts]
            if period is not None:
                draft.notes.append(fill(self.phrasebook.phrasings.dated, period=period.describe()))
            return draft
        if spec.extract:
            extracted = self._quote_passages(u, passages, top.name)
            if extracted:
                return extracted
        return self._abstain(fill(spec.missing, self._subject(u, spec)), top.name)

    def _says_what_is_asked(self, u: Understanding, spec: IntentSpec, quoted: Draft) -> bool:
        """For a kind of question the curated facts never answer (fees, age limits), whether a quoted
        sentence uses one of the words that marked the question as that kind."""
        asked = [k for k in spec.keywords if re.search(k, u.query, re.IGNORECASE)]
        cited = " ".join(self.index.documents[d].text[start:end] for _, spans in quoted.sentences for d, start, end, _ in spans)
        return any(re.search(k, cited, re.IGNORECASE) for k in asked)

    def _intent_without_publishers(self, u: Understanding, top: IntentScore) -> IntentScore:
        """``top``, unless it rests on the publisher's name: then the top intent of the question without it."""
        text = self.uncurated.without_publishers(u.query)
        entities = self.recognizer.find(text)
        ranked = self.classifier.rank(mask_codes(text, entities), self.embed_query(text), entities)
        without = next(s.score for s in ranked if s.name == top.name)
        return ranked[0] if without < top.score - INTENT_MARGIN else top

    def _from_facts(
        self,
        u: Understanding,
        facts: list[Fact],
        matched: bool,
        intent_score: float,
        intent: str,
        out_of_force: Sequence[Fact] = (),
        period: ServicePeriod | None = None,
    ) -> Draft:
        similarity = self.selector.similarity(u, [*facts, *out_of_force])
        # Facts are chosen by intent and entities, so support is how surely the intent was read,
        # raised when a named entity matched the fact exactly.
        confidence = min(1.0, intent_score + (self.settings.entity_bonus if matched else 0.0))
        draft = Draft(confidence=confidence, intent=intent)
        for fact in facts:
            draft.sentences.append((dated(fact), [(fact.doc_id, fact.start, fact.end, similarity[fact.fact_id])]))
        for fact in out_of_force:
            lead = fill(self.phrasebook.phrasings.not_in_force, period=period.describe() if period else "")
            draft.sentences.append((f"{lead} {dated(fact)}", [(fact.doc_id, fact.start, fact.end, similarity[fact.fact_id])]))
        if confidence < self.settings.abstain_threshold:
            return self._abstain(self.phrasebook.phrasings.unsupported, intent, facts, confidence)
        return draft

    def _quote_passages(self, u: Understanding, passages: list[ScoredPassage], intent: str | None) -> Draft | None:
        """Quote the retrieved sentences closest to the question, from documents in its code scope."""
        spans = [
            (p.passage.doc_id, p.passage.start, p.passage.end)
            for p in passages
            if in_code_scope(u, set(self.selector.document_code_keys[p.passage.doc_id]))
        ]
        return self.quotes.from_passages(u, spans, intent)

    def _answer_kinds(self, u: Understanding, spec: IntentSpec) -> frozenset[str]:
        """Entity kinds a quoted sentence must name to answer: the intent's code kinds (a POS question
        wants a POS, a taxonomy question a taxonomy code), and specialties when the question asks for one in so many words. Both are
        closed lists the vocabulary knows; conditions and techniques have too many names to ask that."""
        noted = frozenset(spec.noted_kinds)
        asked_outright = any(re.search(k, u.query, re.IGNORECASE) for k in spec.keywords)
        codes = (noted | frozenset(spec.required_kinds)) & CODE_KINDS
        return codes | (noted & _NAMED_CLOSED_KINDS if asked_outright else frozenset())

    def _abstain(
        self, reason: str, intent: str | None, closest: list[Fact] | None = None, confidence: float = 0.0
    ) -> Draft:
        return abstention(self.phrasebook.phrasings, reason, intent, closest, confidence)

    # -- helpers ------------------------------------------------------------------------------

    def _subject(self, u: Understanding, spec: IntentSpec) -> str:
        for entity in u.entities:
            if entity.kind in spec.required_kinds:
                return entity.label
        return spec.default_subject

    def _corpus_entity_keys(self) -> set[str]:
        keys: set[str] = set()
        for fact in self.index.facts:
            keys.update(fact.entities)
        for document in self.index.documents.values():
            keys |= self.recognizer.keys(document.text)
            for code in document.codes:
                keys |= self.recognizer.keys(code)
        return keys

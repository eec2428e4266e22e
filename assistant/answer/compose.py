"""The grounded answerer: facts first, extraction otherwise, abstention when sources are silent.

Nothing here is keyed to a particular question: intents, examples and phrasings come from
prompts/, claims from corpus facts and document sentences. Every claim sentence ends with the
``[n]`` marker of the span it rests on and must name no code or payer absent from that span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from assistant.answer.checks import citation_is_exact, markers_resolve, unsupported_entities
from assistant.answer.conversation import Understanding, understand
from assistant.answer.dates import ServicePeriod, date_of_service
from assistant.answer.draft import AnswerSettings, Draft
from assistant.answer.entities import CODE_KINDS, SUBJECT_CODE_KINDS, Entity, EntityRecognizer
from assistant.answer.intents import IntentClassifier, IntentScore, mask_codes
from assistant.answer.phrasebook import IntentSpec, Phrasebook
from assistant.answer.quotes import SentenceQuoter
from assistant.answer.shorthand import Shorthand
from assistant.answer.terms import corpus_vocabulary, unknown_terms
from assistant.answer.wording import wording_scores
from assistant.answer.writer import with_markers
from assistant.embed.protocol import Embedder
from assistant.errors import AnswerIntegrityError
from assistant.models import (
    UNKNOWN_PUBLISHER,
    Answer,
    Citation,
    Conflict,
    ConflictClaim,
    ConflictSpec,
    Document,
    Fact,
    ScoredPassage,
)
from assistant.retrieve import RetrievalMode, RetrievalSettings, retrieve
from assistant.store.hybrid import HybridIndex

_MAX_FACTS = 4
# Code kinds that tie evidence to a procedure or drug: such evidence never answers for another code.
_SCOPED_KINDS = ("cpt", "hcpcs")
# A question comparing codes: how many facts per code, and the intent name its answer reports.
_FACTS_PER_COMPARED_CODE = 2
_COMPARISON_INTENT = "code_lookup"
# Weight of a fact statement's (scaled) BM25 match to the question when ranking facts.
_FACT_WORDING_WEIGHT = 0.1
# Kinds with a closed list of names (unlike conditions): required in a quote only when asked outright.
_NAMED_CLOSED_KINDS = frozenset({"specialty"})
_MAX_CLOSEST = 3
_INTENT_MARGIN = 0.1
_INTENT_FALLBACK = 0.15


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
        # Derived once here, not per question: code keys of each document's front-matter codes,
        # and every entity key the facts of each intent mention.
        self._document_code_keys = {
            d.doc_id: frozenset(key for code in d.codes for key in self.recognizer.keys(code))
            for d in index.documents.values()
        }
        self._publication_codes = {
            key for d in index.documents.values() if d.kind == "publication" for key in self._document_code_keys[d.doc_id]
        }
        self._facts_by_id = {f.fact_id: f for f in index.facts}
        self._fact_positions = {f.fact_id: i for i, f in enumerate(index.facts)}
        self._intent_entity_keys = {
            name: frozenset(k for f in index.facts if f.fact_type in spec.fact_types for k in f.entities)
            for name, spec in phrasebook.intents.items()
        }
        self._attested_by_span = {(f.doc_id, f.start, f.end): f for f in index.facts if f.attested}
        self._documents_with_facts = frozenset(f.doc_id for f in index.facts)
        without_facts = [
            d for d in index.documents.values() if d.kind == "publication" and d.doc_id not in self._documents_with_facts
        ]
        # For each publisher name, its documents: those naming it in front matter, title or text.
        self._documents_by_publisher = [
            (pattern, frozenset(d.doc_id for d in without_facts if pattern.search(f"{d.publisher} {d.title} {d.text}")))
            for pattern in _publisher_patterns(without_facts)
        ]
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
        return self._finish(draft, understanding, passages)

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
        top = self._choose_intent(u)
        named = self._named_publications(u)
        if named:
            # "What does Example Health Plan ask for ...?": the question names the source; answer
            # from its wording or say it is silent, whatever kind of question it is. The kind is
            # read without the source's name ("Example Clinic" does not ask for a place of service).
            top = self._intent_without_publishers(u, top)
            spec = self.phrasebook.intents[top.name]
            clear = top.score >= self.settings.intent_threshold
            kinds = self._answer_kinds(u, spec) if clear else frozenset()
            quoted = self.quotes.from_documents(u, named, top.name if clear else None, kinds, _scoped_codes(u))
            if quoted and clear and not spec.fact_types and not self._says_what_is_asked(u, spec, quoted):
                quoted = None  # "What does the plan pay?" is not answered by a sentence on billing units
            return quoted or self._abstain(_fill(spec.missing, self._subject(u, spec)) if clear else phrasings.unsupported, None)
        if top.score < self.settings.intent_threshold:
            if not any(e.kind != "concept" for e in u.entities):
                return self._abstain(phrasings.off_topic, None)
            compared = self._defining_facts(u)
            if compared:
                # "64646 vs 64647?": no one kind of question, but each named code has facts to say what it is.
                return self._from_facts(u, compared, True, self.settings.intent_threshold, _COMPARISON_INTENT)
            on_code = self._publications_without_facts_on_asked_code(u)
            if on_code:
                # No clear kind of question, but a document without facts is about the code asked:
                # quote it by meaning and wording, as for any question about it.
                asked = _scoped_codes(u)
                quoted = self.quotes.from_documents(u, on_code, None, frozenset(), asked)
                return quoted or self._abstain(phrasings.unsupported, None)
            return self._quote_passages(u, passages, None) or self._abstain(phrasings.unsupported, None)
        spec = self.phrasebook.intents[top.name]
        if not spec.fact_types:
            return self._abstain(_fill(spec.missing, self._subject(u, spec)), top.name)
        period = date_of_service(u.query)
        in_scope = [
            f for f in self.index.facts
            if f.fact_type in spec.fact_types and self._in_code_scope(u, set(f.entities) | self._document_code_keys[f.doc_id])
        ]
        candidates = [f for f in in_scope if period is None or f.in_force(period.first, period.last)]
        on_code = self._publications_without_facts_on_asked_code(u)
        if on_code:
            # A publication about the code asked has no curated facts of this kind: answer from its
            # own wording, after any fact that names the code itself; or say the sources are silent.
            asked = _scoped_codes(u)
            extracted = self.quotes.from_documents(u, on_code, top.name, self._answer_kinds(u, spec), asked)
            naming = [f for f in candidates if asked & set(f.entities)]
            if extracted and naming:
                chosen, matched = self._select_facts(u, spec, naming)
                from_facts = self._from_facts(u, chosen, matched, top.score, top.name)
                if not from_facts.abstained:
                    extracted.sentences = from_facts.sentences + extracted.sentences
                    extracted.confidence = max(extracted.confidence, from_facts.confidence)
            return extracted or self._abstain(_fill(spec.missing, self._subject(u, spec)), top.name)
        # What the sources know at any date: "POS 19 in 2015" is answered with the date POS 19 began.
        missing = self._missing_required(u.entities, spec, in_scope)
        chosen, matched = self._select_facts(u, spec, candidates)
        out_of_force = self._out_of_force(u, spec, chosen, period)
        if out_of_force and not chosen:
            draft = self._from_facts(u, [], True, top.score, top.name, out_of_force, period)
            draft.notes.append(_fill(self.phrasebook.phrasings.dated, period=period.describe() if period else ""))
            return draft
        required_missing = [e for e in missing if e.kind in spec.required_kinds]
        if (missing and not matched) or (required_missing and not self._matched_kind(chosen, u, spec)):
            closest = [f for f in candidates if f.summary]
            return self._abstain(_fill(spec.missing, self.recognizer.label(missing[0].key)), top.name, closest)
        if chosen and all(f.negative for f in chosen):
            # The sources state that they do not hold this (e.g. no policy number was found).
            return self._abstain(self.phrasebook.phrasings.stated_absent, top.name, chosen)
        if chosen:
            keys = {e.key for e in u.entities}
            chosen, conflicts = self._with_conflicts(chosen, period, top.name, keys)
            draft = self._from_facts(u, chosen, matched, top.score, top.name, out_of_force, period)
            draft.conflicts = conflicts
            # Answer what the sources hold; say plainly what they do not (no marker: not a claim).
            draft.notes = [_fill(spec.missing, self.recognizer.label(e.key)) for e in missing]
            draft.notes += [_fill(self.phrasebook.phrasings.conflict, topic=c.topic) for c in conflicts]
            if period is not None:
                draft.notes.append(_fill(self.phrasebook.phrasings.dated, period=period.describe()))
            return draft
        if spec.extract:
            extracted = self._quote_passages(u, passages, top.name)
            if extracted:
                return extracted
        return self._abstain(_fill(spec.missing, self._subject(u, spec)), top.name)

    def _choose_intent(self, u: Understanding) -> IntentScore:
        """The top intent, unless another intent's facts cover more of the named entities.

        "Can it target nerves in the leg?" may read as a technique question by its words, but only
        purpose facts mention limbs; "Which condition is R25.2?" reads as a question about conditions, but
        only diagnosis-code facts know R25.2. A close runner-up wins on coverage; when the top
        intent covers none of the entities, any intent not far below the threshold may. The
        publications' own subject codes do not steer this: facts of every kind name them.
        """
        top = u.top_intent
        asked = {e.key for e in u.entities if e.key not in self._publication_codes}
        if not asked or top.score < self.settings.intent_threshold - _INTENT_FALLBACK:
            return top
        if not self.phrasebook.intents[top.name].fact_types:
            return top  # a question the sources never answer (fees, edits ...) stays one
        required = set(self.phrasebook.intents[top.name].required_kinds)
        if top.score >= self.settings.intent_threshold and any(e.kind in required for e in u.entities):
            return top  # "Is 64645 covered by Molina?" stays a coverage question about Molina

        codes = {k for k in asked if k.split(":", 1)[0] in CODE_KINDS}

        def covered(score: IntentScore) -> tuple[int, int]:
            """Named codes, then named entities, that the intent's facts know."""
            known = self._intent_entity_keys[score.name]
            return len(codes & known), len(asked & known)

        threshold = self.settings.intent_threshold
        if top.score >= threshold and covered(top) > (0, 0):
            # A close runner-up may win on coverage; any intent over the threshold may when it knows
            # a named code the top one does not ("What kind of MS is G35.A?" asks about the code).
            near = [
                s for s in u.intents
                if s.score >= threshold and (s.score >= top.score - _INTENT_MARGIN or covered(s)[0] > covered(top)[0])
            ]
            return max(near, key=lambda s: (covered(s), s.score))
        # A code the publications are not about ("What is 95874 used for?") is strong evidence on
        # its own: any intent whose facts know it may answer.
        floor = 0.0 if any(k.split(":", 1)[0] in SUBJECT_CODE_KINDS for k in asked) else threshold - _INTENT_FALLBACK
        reachable = [s for s in u.intents if s.score >= floor and covered(s) > (0, 0)]
        if not reachable:
            return top
        best = max(reachable, key=lambda s: (covered(s), s.score))
        return IntentScore(best.name, max(best.score, threshold))

    def _with_conflicts(
        self, chosen: list[Fact], period: ServicePeriod | None, intent: str, keys: set[str]
    ) -> tuple[list[Fact], list[ConflictSpec]]:
        """``chosen`` plus every fact on the other sides of the declared conflicts it takes part
        in, for conflicts that concern the question."""
        by_id = self._facts_by_id
        ids = {f.fact_id for f in chosen}
        named = {k for f in chosen for k in f.entities}
        touched = [
            c
            for c in self.index.conflicts
            if c.concerns(intent, keys)
            and (any(i in ids for _, side in c.sides for i in side) or named & set(c.entities))
        ]
        facts = list(chosen)
        for conflict in touched:
            for _, side in conflict.sides:
                for fact_id in side:
                    fact = by_id[fact_id]
                    if fact not in facts and (period is None or fact.in_force(period.first, period.last)):
                        facts.append(fact)
        # A disagreement is shown only when two of its sides are (a side out of force is no side).
        ids = {f.fact_id for f in facts}
        shown = [c for c in touched if sum(1 for _, side in c.sides if ids & set(side)) >= 2]
        return facts, shown

    def _defining_facts(self, u: Understanding) -> list[Fact]:
        """For a question naming two or more codes, or one the publications are not about, each
        code's most specific facts (empty unless all have some)."""
        codes = list(dict.fromkeys(e.key for e in u.entities if e.kind in SUBJECT_CODE_KINDS))
        if len(codes) < 2 and not set(codes) - self._publication_codes:
            # One code: only one the publications are not about (a guidance code asked alone) is defined this way.
            return []
        chosen: list[Fact] = []
        for code in codes:
            own = [f for f in self.index.facts if code in f.entities]
            if not own:
                return []
            fewest = min(len(f.entities) for f in own)
            specific = [f for f in own if len(f.entities) == fewest]
            similarity = self._fact_similarity(u, specific)
            chosen += sorted(specific, key=lambda f: -similarity[f.fact_id])[:_FACTS_PER_COMPARED_CODE]
        return list(dict.fromkeys(chosen))[:_MAX_FACTS]

    def _in_code_scope(self, u: Understanding, keys: set[str]) -> bool:
        """Whether evidence tied to ``keys`` may answer a question about the codes it names.

        Evidence tied to procedure or drug codes (its own or its document's) answers only questions
        about one of those codes or about none: facts on CPT 64642 never answer for CPT 64615.
        Evidence tied to no code of a kind the question names (a POS definition) stays in scope.
        """
        for kind in _SCOPED_KINDS:
            asked = {e.key for e in u.entities if e.kind == kind}
            tied = {k for k in keys if k.startswith(f"{kind}:")}
            if asked and tied and not asked & tied:
                return False
        return True

    def _publications_without_facts_on_asked_code(self, u: Understanding) -> set[str]:
        """Publications about a procedure/drug code the question names that have no curated facts at all.

        A publication with curated facts (the seed) answers through them, and abstains where they
        are silent; one without (an ingested source) can only answer from its wording.
        """
        asked = _scoped_codes(u)
        if not asked:
            return set()
        with_facts = self._documents_with_facts
        return {
            doc_id
            for doc_id, keys in self._document_code_keys.items()
            if keys & asked and self.index.documents[doc_id].kind == "publication" and doc_id not in with_facts
        }

    def _says_what_is_asked(self, u: Understanding, spec: IntentSpec, quoted: Draft) -> bool:
        """For a kind of question the curated facts never answer (fees, age limits), whether a quoted
        sentence uses one of the words that marked the question as that kind."""
        asked = [k for k in spec.keywords if re.search(k, u.query, re.IGNORECASE)]
        cited = " ".join(self.index.documents[d].text[start:end] for _, spans in quoted.sentences for d, start, end, _ in spans)
        return any(re.search(k, cited, re.IGNORECASE) for k in asked)

    def _intent_without_publishers(self, u: Understanding, top: IntentScore) -> IntentScore:
        """``top``, unless it rests on the publisher's name: then the top intent of the question without it."""
        text = u.query
        for pattern, _ in self._documents_by_publisher:
            text = pattern.sub(" ", text)
        entities = self.recognizer.find(text)
        ranked = self.classifier.rank(mask_codes(text, entities), self.embed_query(text), entities)
        without = next(s.score for s in ranked if s.name == top.name)
        return ranked[0] if without < top.score - _INTENT_MARGIN else top

    def _named_publications(self, u: Understanding) -> set[str]:
        """Publications without curated facts whose publisher the question names, within its code scope.

        A document names the publisher in its front matter, title or text (a note "Example Health
        Plan prior authorization note" from an unknown publisher is one of that payer's documents).
        """
        return {
            doc_id
            for pattern, documents in self._documents_by_publisher
            if pattern.search(u.query)
            for doc_id in documents
            if self._in_code_scope(u, set(self._document_code_keys[doc_id]))
        }

    def _asked(self, u: Understanding, candidates: list[Fact]) -> set[str]:
        """Entity keys that pick facts: every non-code entity, and codes that single facts out.

        The codes the publications are about (their front-matter ``codes``) and codes that half the
        candidates mention pick nothing: every answer is about them. Other codes ("What is
        64643?") do.
        """
        asked = {e.key for e in u.entities if e.kind not in SUBJECT_CODE_KINDS}
        for entity in u.entities:
            if entity.kind in SUBJECT_CODE_KINDS and entity.key not in self._publication_codes:
                mentions = sum(1 for f in candidates if entity.key in f.entities)
                if 0 < mentions < len(candidates) / 2:
                    asked.add(entity.key)
        return asked

    def _missing_required(self, entities: list[Entity], spec: IntentSpec, candidates: list[Fact]) -> list[Entity]:
        """Entities of a required or noted kind that the question names but no candidate covers."""
        covered = {key for fact in candidates for key in fact.entities}
        kinds = {*spec.required_kinds, *spec.noted_kinds}
        return [e for e in entities if e.kind in kinds and e.key not in covered]

    def _matched_kind(self, chosen: list[Fact], u: Understanding, spec: IntentSpec) -> bool:
        """Whether a chosen fact covers an entity of a required kind that the question names."""
        named = {e.key for e in u.entities if e.kind in spec.required_kinds}
        return any(named & set(f.entities) for f in chosen)

    def _select_facts(self, u: Understanding, spec: IntentSpec, candidates: list[Fact]) -> tuple[list[Fact], bool]:
        """The facts that answer the question, and whether they were chosen by a named entity.

        Named entities (other than the subject code) pick the facts that mention most of them,
        the most specific first, then facts of the intent's first-listed type; otherwise the
        intent's summary facts answer, most similar first, or else the facts most similar to the
        question.
        """
        if not candidates:
            return [], False
        # Meaning, plus wording as the tie-breaker embeddings lack ("right dominant" is not "right non-dominant").
        wording = wording_scores(u.query, [f.statement for f in candidates])
        similarity = {
            fact_id: score + _FACT_WORDING_WEIGHT * float(w)
            for (fact_id, score), w in zip(self._fact_similarity(u, candidates).items(), wording, strict=True)
        }
        priority = {fact_type: rank for rank, fact_type in enumerate(spec.fact_types)}
        asked = self._asked(u, candidates)
        chosen: list[Fact] = []
        remaining = set(asked)

        question_codes = {e.key for e in u.entities if e.kind in SUBJECT_CODE_KINDS}

        def about_question_code(f: Fact) -> int:
            """1 when the fact or its document is about a code the question names."""
            return int(bool(question_codes & (set(f.entities) | self._document_code_keys[f.doc_id])))

        def key(f: Fact) -> tuple[int, int, float, int, float]:
            return (
                len(remaining & set(f.entities)),
                about_question_code(f),
                1 / len(f.entities),
                -priority[f.fact_type],
                similarity[f.fact_id],
            )

        while remaining:
            best = max(candidates, key=key)
            if not remaining & set(best.entities):
                break
            rank = key(best)[:4]
            # Facts as specific as the best one for the same entities (the publication saying the
            # same thing in several places) are all cited.
            peers = [
                f
                for f in candidates
                if f not in chosen
                and key(f)[:4] == rank
                and remaining & set(f.entities) == remaining & set(best.entities)
                and similarity[f.fact_id] >= similarity[best.fact_id] - self.settings.fact_margin
            ]
            chosen += sorted(peers, key=lambda f: -similarity[f.fact_id])
            remaining -= set(best.entities)
        # A fact naming several asked entities ("JW and JZ are never reported together") does not
        # say what each one is: add each entity's most specific fact as well.
        for entity_key in sorted(k for k in asked if k.split(":", 1)[0] in CODE_KINDS):
            remaining = {entity_key}
            own = [f for f in candidates if entity_key in f.entities]
            if chosen and own:
                best = max(own, key=key)
                if best not in chosen and len(best.entities) < min(len(f.entities) for f in chosen if entity_key in f.entities):
                    chosen.append(best)
        if chosen:
            return chosen[:_MAX_FACTS], True
        ranked = sorted(candidates, key=lambda f: -similarity[f.fact_id])
        summaries = [f for f in ranked if f.summary]
        if summaries:
            return summaries[:_MAX_FACTS], False
        best_score = similarity[ranked[0].fact_id]
        return [f for f in ranked if similarity[f.fact_id] >= best_score - self.settings.fact_margin][:_MAX_FACTS], False

    def _out_of_force(
        self, u: Understanding, spec: IntentSpec, chosen: list[Fact], period: ServicePeriod | None
    ) -> list[Fact]:
        """Facts that would answer but are not in force for the question's date of service."""
        if period is None:
            return []
        everything = [f for f in self.index.facts if f.fact_type in spec.fact_types]
        undated, _ = self._select_facts(u, spec, everything)
        # Also what the sources say of the very codes asked about ("POS 22 before 2016").
        codes = {e.key for e in u.entities if e.kind in CODE_KINDS}
        naming = [f for f in everything if codes & set(f.entities)]
        return [
            f for f in dict.fromkeys([*undated, *naming])
            if f not in chosen and not f.in_force(period.first, period.last)
        ][:_MAX_FACTS]

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
        similarity = self._fact_similarity(u, [*facts, *out_of_force])
        # Facts are chosen by intent and entities, so support is how surely the intent was read,
        # raised when a named entity matched the fact exactly.
        confidence = min(1.0, intent_score + (self.settings.entity_bonus if matched else 0.0))
        draft = Draft(confidence=confidence, intent=intent)
        for fact in facts:
            draft.sentences.append((_dated(fact), [(fact.doc_id, fact.start, fact.end, similarity[fact.fact_id])]))
        for fact in out_of_force:
            lead = _fill(self.phrasebook.phrasings.not_in_force, period=period.describe() if period else "")
            draft.sentences.append((f"{lead} {_dated(fact)}", [(fact.doc_id, fact.start, fact.end, similarity[fact.fact_id])]))
        if confidence < self.settings.abstain_threshold:
            return self._abstain(self.phrasebook.phrasings.unsupported, intent, facts, confidence)
        return draft

    def _quote_passages(self, u: Understanding, passages: list[ScoredPassage], intent: str | None) -> Draft | None:
        """Quote the retrieved sentences closest to the question, from documents in its code scope."""
        spans = [
            (p.passage.doc_id, p.passage.start, p.passage.end)
            for p in passages
            if self._in_code_scope(u, set(self._document_code_keys[p.passage.doc_id]))
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
        lead = _fill(self.phrasebook.phrasings.not_found, reason=reason)
        draft = Draft(lead=lead, abstained=True, confidence=confidence, intent=intent)
        draft.sentences = [(f.statement, [(f.doc_id, f.start, f.end, 0.0)]) for f in (closest or [])[:_MAX_CLOSEST]]
        return draft

    # -- assembling and checking ------------------------------------------------------------

    def _finish(self, draft: Draft, u: Understanding, passages: list[ScoredPassage]) -> Answer:
        documents = self.index.documents
        citations: dict[tuple[str, int, int], Citation] = {}
        sentences: list[str] = []
        for text, spans in draft.sentences:
            quotes = [documents[d].text[s:e] for d, s, e, _ in spans]
            if unsupported_entities(text, quotes, [documents[d] for d, *_ in spans], self.recognizer):
                continue
            markers = [self._cite(citations, d, s, e, score) for d, s, e, score in spans]
            sentences.append(with_markers(text, markers))
        if not sentences and not draft.abstained:
            draft = self._abstain(self.phrasebook.phrasings.unsupported, draft.intent)
        if draft.abstained:
            closest = [p for p in passages if (p.passage.doc_id, p.passage.start, p.passage.end) not in citations]
            closest = closest[: max(0, _MAX_CLOSEST - len(citations))]
            markers = list(
                dict.fromkeys(self._cite(citations, p.passage.doc_id, p.passage.start, p.passage.end, p.score) for p in closest)
            )
            parts = [draft.lead]
            if sentences or markers:
                parts.append(self.phrasebook.phrasings.closest)
                parts.extend(sentences)
                if markers:
                    parts.append(f"{self.phrasebook.phrasings.closest_marked} {' '.join(f'[{m}]' for m in markers)}")
            text = " ".join(parts)
        else:
            text = " ".join([*sentences, *draft.notes])
        ordered = tuple(sorted(citations.values(), key=lambda c: c.marker))
        conflicts = tuple(self._conflict_claims(c, citations) for c in draft.conflicts)
        if not markers_resolve(text, ordered) or not all(citation_is_exact(c, documents) for c in ordered):
            raise AnswerIntegrityError("an answer cited a span that does not resolve; please report this question")
        return Answer(
            text=text,
            abstained=draft.abstained,
            confidence=round(draft.confidence, 4),
            query=u.query,
            index_version=self.index.index_version,
            citations=ordered,
            intent=draft.intent,
            conflicts=conflicts,
        )

    def _conflict_claims(self, conflict: ConflictSpec, citations: dict[tuple[str, int, int], Citation]) -> Conflict:
        """A declared conflict as the claims of each side, with the markers citing them."""
        by_id = self._facts_by_id
        claims = []
        for label, side in conflict.sides:
            for fact_id in side:
                fact = by_id[fact_id]
                citation = citations.get((fact.doc_id, fact.start, fact.end))
                if citation is not None:
                    claims.append(ConflictClaim(text=f"{label}: {_dated(fact)}", citation=citation.marker))
        return Conflict(topic=conflict.topic, claims=tuple(claims))

    def _cite(self, citations: dict[tuple[str, int, int], Citation], doc_id: str, start: int, end: int, score: float) -> int:
        key = (doc_id, start, end)
        if key not in citations:
            document: Document = self.index.documents[doc_id]
            fact = self._attested_by_span.get(key)
            citations[key] = Citation(
                marker=len(citations) + 1,
                doc_id=doc_id,
                title=document.title,
                section=_section_of(self.index, doc_id, start),
                start=start,
                end=end,
                quote=document.text[start:end],
                source_url=fact.source_url if fact else document.source_url,
                score=round(float(score), 4),
                kind=document.kind,
                source=fact.source if fact else document.publisher,
                confidence=fact.confidence if fact else None,
            )
        return citations[key].marker

    # -- helpers ------------------------------------------------------------------------------

    def _fact_similarity(self, u: Understanding, facts: list[Fact]) -> dict[str, float]:
        rows = [self._fact_positions[f.fact_id] for f in facts]
        scores = self.index.fact_vectors[rows] @ u.vector
        return {f.fact_id: float(s) for f, s in zip(facts, scores.tolist(), strict=True)}

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


def _dated(fact: Fact) -> str:
    """The fact's statement, saying from (and until) when it applies where that is known."""
    if not fact.effective_from and not fact.effective_to:
        return fact.statement
    span = []
    if fact.effective_from:
        span.append(f"from {fact.effective_from}")
    if fact.effective_to:
        span.append(f"until {fact.effective_to}")
    return f"{fact.statement.rstrip('.')} (in effect {' '.join(span)})."


def _publisher_patterns(documents: Iterable[Document]) -> list[re.Pattern[str]]:
    """One whole-words pattern per known publisher name, without its parenthesised remark."""
    names = {re.sub(r"\s*\([^)]*\)", "", d.publisher).strip() for d in documents if d.publisher != UNKNOWN_PUBLISHER}
    return [re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.IGNORECASE) for name in sorted(names) if name]


def _scoped_codes(u: Understanding) -> set[str]:
    """The procedure and drug codes (CPT, HCPCS) a question names."""
    return {e.key for e in u.entities if e.kind in _SCOPED_KINDS}


def _fill(template: str, subject: str | None = None, **values: str) -> str:
    if subject is not None:
        values["subject"] = subject
    return template.format(**values)


def _section_of(index: HybridIndex, doc_id: str, start: int) -> str | None:
    for passage in index.passages:
        if passage.kind == "chunk" and passage.doc_id == doc_id and passage.start <= start < passage.end:
            return passage.section
    return None

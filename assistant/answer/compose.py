"""The grounded answerer: facts first, extraction otherwise, abstention when sources are silent.

Nothing here is keyed to a particular question: intents, examples and phrasings come from
prompts/, claims from corpus facts and document sentences. Every claim sentence ends with the
``[n]`` marker of the span it rests on and must name no code or payer absent from that span.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from assistant.answer.checks import citation_is_exact, markers_resolve, unsupported_entities
from assistant.answer.conversation import Understanding, understand
from assistant.answer.entities import SUBJECT_CODE_KINDS, Entity, EntityRecognizer
from assistant.answer.intents import IntentClassifier, IntentScore, mask_codes
from assistant.answer.phrasebook import IntentSpec, Phrasebook
from assistant.embed.protocol import Embedder
from assistant.errors import AnswerIntegrityError
from assistant.models import Answer, Citation, Document, Fact, ScoredPassage
from assistant.retrieve import RetrievalMode, RetrievalSettings, retrieve
from assistant.store.hybrid import HybridIndex

_MIN_QUOTED_WORDS = 5
_MAX_FACTS = 4
_MAX_CLOSEST = 3
_INTENT_MARGIN = 0.1


@dataclass(frozen=True)
class AnswerSettings:
    """Thresholds of the answerer, calibrated on eval/dev.jsonl."""

    intent_threshold: float = 0.5
    abstain_threshold: float = 0.5
    extract_threshold: float = 0.55
    fact_margin: float = 0.08
    entity_bonus: float = 0.2


@dataclass
class _Draft:
    """An answer being assembled: claim sentences, each with the spans it cites."""

    sentences: list[tuple[str, list[tuple[str, int, int, float]]]] = field(default_factory=list)
    lead: str = ""
    notes: list[str] = field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0
    intent: str | None = None


class GroundedAnswerer:
    """Answers a conversation from one index with no generative model."""

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
        self.classifier = IntentClassifier(phrasebook.intents, embedder)
        self._known_keys = self._corpus_entity_keys()

    def answer(self, user_turns: list[str], *, top_k: int | None = None) -> Answer:
        """Answer the last of ``user_turns`` (earlier ones give context), with citations."""
        understanding = understand(
            user_turns,
            recognizer=self.recognizer,
            classifier=self.classifier,
            embedder=self.embedder,
            intent_threshold=self.settings.intent_threshold,
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
        return self.embedder.embed([mask_codes(query, self.recognizer.find(query))])[0]

    # -- deciding what to say ------------------------------------------------------------

    def _draft(self, u: Understanding, passages: list[ScoredPassage]) -> _Draft:
        phrasings = self.phrasebook.phrasings
        unknown_codes = [e for e in u.entities if e.kind in SUBJECT_CODE_KINDS and e.key not in self._known_keys]
        if unknown_codes:
            labels = ", ".join(dict.fromkeys(e.label for e in unknown_codes))
            return self._abstain(f"The sources do not mention {labels}.", None)
        top = self._choose_intent(u)
        if top.score < self.settings.intent_threshold:
            if not any(e.kind != "concept" for e in u.entities):
                return self._abstain(phrasings.off_topic, None)
            return self._extract(u, passages, None) or self._abstain(phrasings.unsupported, None)
        spec = self.phrasebook.intents[top.name]
        if not spec.fact_types:
            return self._abstain(_fill(spec.missing, self._subject(u, spec)), top.name)
        candidates = [f for f in self.index.facts if f.fact_type in spec.fact_types]
        missing = self._missing_required(u.entities, spec, candidates)
        chosen, matched = self._select_facts(u, spec, candidates)
        if missing and not matched:
            closest = [f for f in candidates if f.summary]
            return self._abstain(_fill(spec.missing, self.recognizer.label(missing[0].key)), top.name, closest)
        if chosen:
            draft = self._from_facts(u, chosen, matched, top.score, top.name)
            # Answer what the sources hold; say plainly what they do not (no marker: not a claim).
            draft.notes = [_fill(spec.missing, self.recognizer.label(e.key)) for e in missing]
            return draft
        if spec.extract:
            extracted = self._extract(u, passages, top.name)
            if extracted:
                return extracted
        return self._abstain(_fill(spec.missing, self._subject(u, spec)), top.name)

    def _choose_intent(self, u: Understanding) -> IntentScore:
        """The top intent, unless a close runner-up's facts cover more of the named entities.

        "Can it target nerves in the leg?" may read as a technique question by its words, but only
        purpose facts mention limbs; entities settle near ties between intents.
        """
        top = u.top_intent
        asked = {e.key for e in u.entities if e.kind not in SUBJECT_CODE_KINDS}
        if not asked or top.score < self.settings.intent_threshold:
            return top
        contenders = [
            s for s in u.intents if s.score >= self.settings.intent_threshold and s.score >= top.score - _INTENT_MARGIN
        ]

        def covered(score: IntentScore) -> int:
            types = set(self.phrasebook.intents[score.name].fact_types)
            keys = {k for f in self.index.facts if f.fact_type in types for k in f.entities}
            return len(asked & keys)

        return max(contenders, key=lambda s: (covered(s), s.score))

    def _missing_required(self, entities: list[Entity], spec: IntentSpec, candidates: list[Fact]) -> list[Entity]:
        """Entities of a required kind that the question names but no candidate fact covers."""
        covered = {key for fact in candidates for key in fact.entities}
        return [e for e in entities if e.kind in spec.required_kinds and e.key not in covered]

    def _select_facts(self, u: Understanding, spec: IntentSpec, candidates: list[Fact]) -> tuple[list[Fact], bool]:
        """The facts that answer the question, and whether they were chosen by a named entity.

        Named entities (other than the subject code) pick the facts that mention most of them,
        the most specific first, then facts of the intent's first-listed type; otherwise the
        intent's summary facts answer, most similar first, or else the facts most similar to the
        question.
        """
        if not candidates:
            return [], False
        similarity = self._fact_similarity(u, candidates)
        priority = {fact_type: rank for rank, fact_type in enumerate(spec.fact_types)}
        asked = {e.key for e in u.entities if e.kind not in SUBJECT_CODE_KINDS}
        chosen: list[Fact] = []
        remaining = set(asked)

        def key(f: Fact) -> tuple[int, float, int, float]:
            return (len(remaining & set(f.entities)), 1 / len(f.entities), -priority[f.fact_type], similarity[f.fact_id])

        while remaining:
            best = max(candidates, key=key)
            if not remaining & set(best.entities):
                break
            rank = key(best)[:3]
            # Facts as specific as the best one for the same entities (the publication saying the
            # same thing in several places) are all cited.
            peers = [
                f
                for f in candidates
                if f not in chosen and key(f)[:3] == rank and remaining & set(f.entities) == remaining & set(best.entities)
            ]
            chosen += sorted(peers, key=lambda f: -similarity[f.fact_id])
            remaining -= set(best.entities)
        if chosen:
            return chosen[:_MAX_FACTS], True
        ranked = sorted(candidates, key=lambda f: -similarity[f.fact_id])
        summaries = [f for f in ranked if f.summary]
        if summaries:
            return summaries[:_MAX_FACTS], False
        best_score = similarity[ranked[0].fact_id]
        return [f for f in ranked if similarity[f.fact_id] >= best_score - self.settings.fact_margin][:_MAX_FACTS], False

    def _from_facts(self, u: Understanding, facts: list[Fact], matched: bool, intent_score: float, intent: str) -> _Draft:
        similarity = self._fact_similarity(u, facts)
        # Facts are chosen by intent and entities, so support is how surely the intent was read,
        # raised when a named entity matched the fact exactly.
        confidence = min(1.0, intent_score + (self.settings.entity_bonus if matched else 0.0))
        draft = _Draft(confidence=confidence, intent=intent)
        for fact in facts:
            draft.sentences.append((fact.statement, [(fact.doc_id, fact.start, fact.end, similarity[fact.fact_id])]))
        if confidence < self.settings.abstain_threshold:
            return self._abstain(self.phrasebook.phrasings.unsupported, intent, facts, confidence)
        return draft

    def _extract(self, u: Understanding, passages: list[ScoredPassage], intent: str | None) -> _Draft | None:
        """Quote the one to two retrieved sentences closest to the question, if close enough."""
        spans = [(p.passage.doc_id, p.passage.start, p.passage.end) for p in passages]
        rows = [
            i
            for i, s in enumerate(self.index.sentences)
            if any(s.doc_id == d and s.start < end and start < s.end for d, start, end in spans)
        ]
        if not rows:
            return None
        scores = self.index.sentence_vectors[rows] @ u.vector
        order = np.argsort(-scores)
        picked: list[tuple[int, float]] = []
        for position in order:
            sentence = self.index.sentences[rows[int(position)]]
            text = self.index.documents[sentence.doc_id].text[sentence.start : sentence.end]
            score = float(scores[position])
            if len(text.split()) < _MIN_QUOTED_WORDS:
                continue
            if score < self.settings.extract_threshold or (picked and score < picked[0][1] - self.settings.fact_margin):
                break
            picked.append((rows[int(position)], score))
            if len(picked) == 2:
                break
        if not picked:
            return None
        draft = _Draft(confidence=min(1.0, picked[0][1]), intent=intent)
        for row, score in picked:
            sentence = self.index.sentences[row]
            document = self.index.documents[sentence.doc_id]
            quoted = " ".join(document.text[sentence.start : sentence.end].split())
            text = _fill(self.phrasebook.phrasings.extract_sentence, publisher=document.publisher, sentence=quoted)
            draft.sentences.append((text, [(sentence.doc_id, sentence.start, sentence.end, score)]))
        return draft

    def _abstain(
        self, reason: str, intent: str | None, closest: list[Fact] | None = None, confidence: float = 0.0
    ) -> _Draft:
        lead = _fill(self.phrasebook.phrasings.not_found, reason=reason)
        draft = _Draft(lead=lead, abstained=True, confidence=confidence, intent=intent)
        draft.sentences = [(f.statement, [(f.doc_id, f.start, f.end, 0.0)]) for f in (closest or [])[:_MAX_CLOSEST]]
        return draft

    # -- assembling and checking ------------------------------------------------------------

    def _finish(self, draft: _Draft, u: Understanding, passages: list[ScoredPassage]) -> Answer:
        documents = self.index.documents
        citations: dict[tuple[str, int, int], Citation] = {}
        sentences: list[str] = []
        for text, spans in draft.sentences:
            quotes = [documents[d].text[s:e] for d, s, e, _ in spans]
            if unsupported_entities(text, quotes, [documents[d] for d, *_ in spans], self.recognizer):
                continue
            markers = [self._cite(citations, d, s, e, score) for d, s, e, score in spans]
            sentences.append(_with_markers(text, markers))
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
        )

    def _cite(self, citations: dict[tuple[str, int, int], Citation], doc_id: str, start: int, end: int, score: float) -> int:
        key = (doc_id, start, end)
        if key not in citations:
            document: Document = self.index.documents[doc_id]
            citations[key] = Citation(
                marker=len(citations) + 1,
                doc_id=doc_id,
                title=document.title,
                section=_section_of(self.index, doc_id, start),
                start=start,
                end=end,
                quote=document.text[start:end],
                source_url=document.source_url,
                score=round(float(score), 4),
            )
        return citations[key].marker

    # -- helpers ------------------------------------------------------------------------------

    def _fact_similarity(self, u: Understanding, facts: list[Fact]) -> dict[str, float]:
        positions = {f.fact_id: i for i, f in enumerate(self.index.facts)}
        rows = [positions[f.fact_id] for f in facts]
        scores = self.index.fact_vectors[rows] @ u.vector
        return {f.fact_id: float(s) for f, s in zip(facts, scores.tolist(), strict=True)}

    def _subject(self, u: Understanding, spec: IntentSpec) -> str:
        for entity in u.entities:
            if entity.kind in spec.required_kinds:
                return entity.label
        return "this"

    def _corpus_entity_keys(self) -> set[str]:
        keys: set[str] = set()
        for fact in self.index.facts:
            keys.update(fact.entities)
        for document in self.index.documents.values():
            keys |= self.recognizer.keys(document.text)
            for code in document.codes:
                keys |= self.recognizer.keys(code)
        return keys


def _with_markers(sentence: str, markers: list[int]) -> str:
    """Put ``[n]`` markers before the sentence's closing punctuation."""
    tags = "".join(f"[{m}]" for m in markers)
    stripped = sentence.rstrip()
    if stripped.endswith((".", "!", "?")):
        return f"{stripped[:-1]} {tags}{stripped[-1]}"
    return f"{stripped} {tags}"


def _fill(template: str, subject: str | None = None, **values: str) -> str:
    if subject is not None:
        values["subject"] = subject
    return template.format(**values)


def _section_of(index: HybridIndex, doc_id: str, start: int) -> str | None:
    for passage in index.passages:
        if passage.kind == "chunk" and passage.doc_id == doc_id and passage.start <= start < passage.end:
            return passage.section
    return None

"""Turn a facts-first draft into a checked answer, for the facts-first answerer (``compose.py``).

A :class:`~assistant.answer.draft.Draft` holds claim sentences, each with the spans it rests on.
Assembling drops a sentence naming a code or payer absent from its spans, numbers the citations
``[n]`` in order of first use, words an abstention with the closest passages, and refuses (with
:class:`~assistant.errors.AnswerIntegrityError`) an answer whose markers or quotes do not resolve.
The small wording helpers the answerer shares with it (``fill``, ``dated``, ``abstention``) live here.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.answer.checks import citation_is_exact, markers_resolve, unsupported_entities
from assistant.answer.conversation import Understanding
from assistant.answer.draft import Draft
from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import Phrasings
from assistant.answer.writer import with_markers
from assistant.errors import AnswerIntegrityError
from assistant.models import Answer, Citation, Conflict, ConflictClaim, ConflictSpec, Document, Fact, ScoredPassage
from assistant.store.hybrid import HybridIndex

MAX_CLOSEST = 3
"""An abstention cites at most this many closest facts or passages."""


class AnswerAssembler:
    """Assembles the answers of one index: citations, abstention wording and integrity checks."""

    def __init__(
        self,
        index: HybridIndex,
        recognizer: EntityRecognizer,
        phrasings: Phrasings,
        facts_by_id: Mapping[str, Fact],
    ) -> None:
        """``facts_by_id``: every fact of ``index`` by fact id (the sides of declared conflicts)."""
        self.index = index
        self.recognizer = recognizer
        self.phrasings = phrasings
        self.facts_by_id = facts_by_id
        self._attested_by_span = {(f.doc_id, f.start, f.end): f for f in index.facts if f.attested}

    def finish(self, draft: Draft, u: Understanding, passages: list[ScoredPassage]) -> Answer:
        """The answer ``draft`` makes, its unsupported sentences dropped (an abstention when none is
        left), citing ``passages`` as the closest when it abstains.

        Raises:
            AnswerIntegrityError: a marker or a cited span does not resolve (a bug, never bad input).
        """
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
            draft = abstention(self.phrasings, self.phrasings.unsupported, draft.intent)
        if draft.abstained:
            closest = [p for p in passages if (p.passage.doc_id, p.passage.start, p.passage.end) not in citations]
            closest = closest[: max(0, MAX_CLOSEST - len(citations))]
            markers = list(
                dict.fromkeys(self._cite(citations, p.passage.doc_id, p.passage.start, p.passage.end, p.score) for p in closest)
            )
            parts = [draft.lead]
            if sentences or markers:
                parts.append(self.phrasings.closest)
                parts.extend(sentences)
                if markers:
                    parts.append(f"{self.phrasings.closest_marked} {' '.join(f'[{m}]' for m in markers)}")
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
        by_id = self.facts_by_id
        claims = []
        for label, side in conflict.sides:
            for fact_id in side:
                fact = by_id[fact_id]
                citation = citations.get((fact.doc_id, fact.start, fact.end))
                if citation is not None:
                    claims.append(ConflictClaim(text=f"{label}: {dated(fact)}", citation=citation.marker))
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


def abstention(
    phrasings: Phrasings, reason: str, intent: str | None, closest: list[Fact] | None = None, confidence: float = 0.0
) -> Draft:
    """A draft saying the sources do not answer (``reason``), citing up to ``MAX_CLOSEST`` of ``closest``."""
    lead = fill(phrasings.not_found, reason=reason)
    draft = Draft(lead=lead, abstained=True, confidence=confidence, intent=intent)
    draft.sentences = [(f.statement, [(f.doc_id, f.start, f.end, 0.0)]) for f in (closest or [])[:MAX_CLOSEST]]
    return draft


def dated(fact: Fact) -> str:
    """The fact's statement, saying from (and until) when it applies where that is known."""
    if not fact.effective_from and not fact.effective_to:
        return fact.statement
    span = []
    if fact.effective_from:
        span.append(f"from {fact.effective_from}")
    if fact.effective_to:
        span.append(f"until {fact.effective_to}")
    return f"{fact.statement.rstrip('.')} (in effect {' '.join(span)})."


def fill(template: str, subject: str | None = None, **values: str) -> str:
    """``template`` (a phrasing) with ``{subject}`` and the other named ``values`` filled in."""
    if subject is not None:
        values["subject"] = subject
    return template.format(**values)


def _section_of(index: HybridIndex, doc_id: str, start: int) -> str | None:
    for passage in index.passages:
        if passage.kind == "chunk" and passage.doc_id == doc_id and passage.start <= start < passage.end:
            return passage.section
    return None

"""Which curated facts answer a question, for the facts-first answerer (``compose.py``).

The facts of an index, with what is derived from them once (each document's code keys, the codes
the publications are about, the entities each intent's facts mention), and the choices made among
them: the intent whose facts cover the question, the facts that answer it, the other sides of
declared conflicts, and the facts not in force on the question's date of service. Nothing here
writes a sentence; ``compose.py`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.answer.conversation import Understanding
from assistant.answer.dates import ServicePeriod
from assistant.answer.draft import AnswerSettings
from assistant.answer.entities import CODE_KINDS, SUBJECT_CODE_KINDS, Entity, EntityRecognizer
from assistant.answer.intents import IntentScore
from assistant.answer.phrasebook import IntentSpec
from assistant.answer.wording import wording_scores
from assistant.models import ConflictSpec, Fact
from assistant.store.hybrid import HybridIndex

MAX_FACTS = 4
"""At most this many facts answer one question."""
# Code kinds that tie evidence to a procedure or drug: such evidence never answers for another code.
_SCOPED_KINDS = ("cpt", "hcpcs")
# A question comparing codes: how many facts per code.
_FACTS_PER_COMPARED_CODE = 2
# Weight of a fact statement's (scaled) BM25 match to the question when ranking facts.
_FACT_WORDING_WEIGHT = 0.1
INTENT_MARGIN = 0.1
"""How far below the top intent another may score and still be preferred for what it covers."""
_INTENT_FALLBACK = 0.15


class FactSelector:
    """The curated facts of one index and the choices among them (see the module docstring)."""

    def __init__(
        self,
        index: HybridIndex,
        recognizer: EntityRecognizer,
        intents: Mapping[str, IntentSpec],
        settings: AnswerSettings,
    ) -> None:
        """Derive, once, the code keys of each document's front-matter codes, the codes the
        publications are about, and every entity key the facts of each intent mention."""
        self.index = index
        self.intents = intents
        self.settings = settings
        self.document_code_keys = {
            d.doc_id: frozenset(key for code in d.codes for key in recognizer.keys(code))
            for d in index.documents.values()
        }
        self.publication_codes = {
            key for d in index.documents.values() if d.kind == "publication" for key in self.document_code_keys[d.doc_id]
        }
        self.facts_by_id = {f.fact_id: f for f in index.facts}
        self._fact_positions = {f.fact_id: i for i, f in enumerate(index.facts)}
        self._intent_entity_keys = {
            name: frozenset(k for f in index.facts if f.fact_type in spec.fact_types for k in f.entities)
            for name, spec in intents.items()
        }
        self.documents_with_facts = frozenset(f.doc_id for f in index.facts)

    def similarity(self, u: Understanding, facts: list[Fact]) -> dict[str, float]:
        """Cosine similarity of each fact's vector to the question's, by fact id."""
        rows = [self._fact_positions[f.fact_id] for f in facts]
        scores = self.index.fact_vectors[rows] @ u.vector
        return {f.fact_id: float(s) for f, s in zip(facts, scores.tolist(), strict=True)}

    def choose_intent(self, u: Understanding) -> IntentScore:
        """The top intent, unless another intent's facts cover more of the named entities.

        "Can it target nerves in the leg?" may read as a technique question by its words, but only
        purpose facts mention limbs; "Which condition is R25.2?" reads as a question about conditions, but
        only diagnosis-code facts know R25.2. A close runner-up wins on coverage; when the top
        intent covers none of the entities, any intent not far below the threshold may. The
        publications' own subject codes do not steer this: facts of every kind name them.
        """
        top = u.top_intent
        asked = {e.key for e in u.entities if e.key not in self.publication_codes}
        if not asked or top.score < self.settings.intent_threshold - _INTENT_FALLBACK:
            return top
        if not self.intents[top.name].fact_types:
            return top  # a question the sources never answer (fees, edits ...) stays one
        required = set(self.intents[top.name].required_kinds)
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
                if s.score >= threshold and (s.score >= top.score - INTENT_MARGIN or covered(s)[0] > covered(top)[0])
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

    def with_conflicts(
        self, chosen: list[Fact], period: ServicePeriod | None, intent: str, keys: set[str]
    ) -> tuple[list[Fact], list[ConflictSpec]]:
        """``chosen`` plus every fact on the other sides of the declared conflicts it takes part
        in, for conflicts that concern the question."""
        by_id = self.facts_by_id
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

    def defining(self, u: Understanding) -> list[Fact]:
        """For a question naming two or more codes, or one the publications are not about, each
        code's most specific facts (empty unless all have some)."""
        codes = list(dict.fromkeys(e.key for e in u.entities if e.kind in SUBJECT_CODE_KINDS))
        if len(codes) < 2 and not set(codes) - self.publication_codes:
            # One code: only one the publications are not about (a guidance code asked alone) is defined this way.
            return []
        chosen: list[Fact] = []
        for code in codes:
            own = [f for f in self.index.facts if code in f.entities]
            if not own:
                return []
            fewest = min(len(f.entities) for f in own)
            specific = [f for f in own if len(f.entities) == fewest]
            similarity = self.similarity(u, specific)
            chosen += sorted(specific, key=lambda f: -similarity[f.fact_id])[:_FACTS_PER_COMPARED_CODE]
        return list(dict.fromkeys(chosen))[:MAX_FACTS]

    def asked(self, u: Understanding, candidates: list[Fact]) -> set[str]:
        """Entity keys that pick facts: every non-code entity, and codes that single facts out.

        The codes the publications are about (their front-matter ``codes``) and codes that half the
        candidates mention pick nothing: every answer is about them. Other codes ("What is
        64643?") do.
        """
        asked = {e.key for e in u.entities if e.kind not in SUBJECT_CODE_KINDS}
        for entity in u.entities:
            if entity.kind in SUBJECT_CODE_KINDS and entity.key not in self.publication_codes:
                mentions = sum(1 for f in candidates if entity.key in f.entities)
                if 0 < mentions < len(candidates) / 2:
                    asked.add(entity.key)
        return asked

    def select(self, u: Understanding, spec: IntentSpec, candidates: list[Fact]) -> tuple[list[Fact], bool]:
        """The facts that answer the question, and whether they were chosen by a named entity.

        Named entities (other than the subject code) pick the facts that mention most of them,
        the most specific first, then facts of the intent's first-listed type; otherwise the
        intent's summary facts answer, most similar first, or else the facts most similar to the
        question.
        """
        asked_payers = {e.key for e in u.entities if e.kind == "payer"}
        if asked_payers:
            # A fact about another payer answers nothing about the one asked: "does UnitedHealthcare
            # require prior authorization?" is not answered by Aetna's precertification rule.
            candidates = [f for f in candidates if (named := _payers(f)) & asked_payers or not named]
        if not candidates:
            return [], False
        # Meaning, plus wording as the tie-breaker embeddings lack ("right dominant" is not "right non-dominant").
        wording = wording_scores(u.query, [f.statement for f in candidates])
        similarity = {
            fact_id: score + _FACT_WORDING_WEIGHT * float(w)
            for (fact_id, score), w in zip(self.similarity(u, candidates).items(), wording, strict=True)
        }
        priority = {fact_type: rank for rank, fact_type in enumerate(spec.fact_types)}
        asked = self.asked(u, candidates)
        chosen: list[Fact] = []
        remaining = set(asked)

        question_codes = {e.key for e in u.entities if e.kind in SUBJECT_CODE_KINDS}

        def about_question_code(f: Fact) -> int:
            """1 when the fact or its document is about a code the question names."""
            return int(bool(question_codes & (set(f.entities) | self.document_code_keys[f.doc_id])))

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
            return chosen[:MAX_FACTS], True
        ranked = sorted(candidates, key=lambda f: -similarity[f.fact_id])
        summaries = [f for f in ranked if f.summary]
        if summaries:
            return summaries[:MAX_FACTS], False
        best_score = similarity[ranked[0].fact_id]
        return [f for f in ranked if similarity[f.fact_id] >= best_score - self.settings.fact_margin][:MAX_FACTS], False

    def out_of_force(
        self, u: Understanding, spec: IntentSpec, chosen: list[Fact], period: ServicePeriod | None
    ) -> list[Fact]:
        """Facts that would answer but are not in force for the question's date of service."""
        if period is None:
            return []
        everything = [f for f in self.index.facts if f.fact_type in spec.fact_types]
        undated, _ = self.select(u, spec, everything)
        # Also what the sources say of the very codes asked about ("POS 22 before 2016").
        codes = {e.key for e in u.entities if e.kind in CODE_KINDS}
        naming = [f for f in everything if codes & set(f.entities)]
        return [
            f for f in dict.fromkeys([*undated, *naming])
            if f not in chosen and not f.in_force(period.first, period.last)
        ][:MAX_FACTS]


def in_code_scope(u: Understanding, keys: set[str]) -> bool:
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


def scoped_codes(u: Understanding) -> set[str]:
    """The procedure and drug codes (CPT, HCPCS) a question names."""
    return {e.key for e in u.entities if e.kind in _SCOPED_KINDS}


def missing_required(entities: list[Entity], spec: IntentSpec, candidates: list[Fact]) -> list[Entity]:
    """Entities of a required or noted kind that the question names but no candidate covers."""
    covered = {key for fact in candidates for key in fact.entities}
    kinds = {*spec.required_kinds, *spec.noted_kinds}
    return [e for e in entities if e.kind in kinds and e.key not in covered]


def matched_kind(chosen: list[Fact], u: Understanding, spec: IntentSpec) -> bool:
    """Whether a chosen fact covers an entity of a required kind that the question names."""
    named = {e.key for e in u.entities if e.kind in spec.required_kinds}
    return any(named & set(f.entities) for f in chosen)


def _payers(fact: Fact) -> set[str]:
    """The payer keys a fact names ("payer:aetna")."""
    return {key for key in fact.entities if key.startswith("payer:")}

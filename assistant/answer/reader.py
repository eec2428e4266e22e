"""The evidence-first reader: understand -> gather and rank evidence -> abstain or compose.

Every answer starts from evidence in whatever documents are loaded: sentences, table rows and
list items of the documents, and the curated facts, ranked together. Nothing here is keyed to a
document, payer or question; the ranker's weights and threshold are data (prompts/ranker.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from assistant.answer.abstain import Verdict, choose, missing_names
from assistant.answer.criteria import MAX_CHECKS, applies_criteria, asked_values, checked, comparisons, fits
from assistant.answer.dates import date_of_service
from assistant.answer.entities import EntityRecognizer
from assistant.answer.evidence import EvidenceSet, EvidenceUnit
from assistant.answer.masking import mask_codes
from assistant.answer.phrasebook import Phrasebook
from assistant.answer.question import Question, QuestionReader
from assistant.answer.rank import RankerWeights, Scored, keyed_by, rank
from assistant.answer.shorthand import Shorthand
from assistant.answer.terms import corpus_vocabulary, stem, unknown_terms
from assistant.answer.turns import asking_sentences, split_parts, topic
from assistant.answer.writer import Composer
from assistant.embed.protocol import Embedder
from assistant.ingest.injection import unflagged_text
from assistant.models import Answer, ConflictSpec, ScoredPassage
from assistant.retrieve import RetrievalMode, RetrievalSettings, retrieve
from assistant.store.hybrid import HybridIndex

_CLOSEST = 3
_CRITERIA_ITEMS = 24  # list items held against a case's numbers, beside the quoted ones
# Passages retrieved per question whose units become candidates with their passage's rank.
_PASSAGES = 10


@dataclass(frozen=True)
class ReaderSettings:
    """How many evidence units an answer may quote at most: in general, and the rows of a code table
    a question asking for a list of codes is answered with; and the least cosine similarity
    (-1..1, the unit with its list's lead-in) a unit needs to the question to answer it. Of the
    dev questions' best evidence units (realdocs, realdocs-train, dev, references-dev and -dev2),
    99% lie above 0.088 and the lowest is 0.028
    (``scripts/train_ranker.py`` data, 2026-11-30).

    Four units, not three: the evidence is often 2nd to 4th. Measured on 2026-12-01 (answer accuracy,
    3 -> 4 -> 5 units): realdocs 0.778 -> 0.800 -> 0.800, realdocs-train 0.618 -> 0.632 -> 0.639,
    realdocs-train2 (then unseen) 0.625 -> 0.667 -> 0.698; curated dev/test unchanged. Five gains
    more on some sets but makes every answer longer to check."""

    max_units: int = 4
    max_list_units: int = 12
    min_similarity: float = 0.08


class EvidenceReader:
    """Answers a conversation from one index with no generative model."""

    def __init__(
        self,
        index: HybridIndex,
        embedder: Embedder,
        phrasebook: Phrasebook,
        retrieval: RetrievalSettings,
        weights: RankerWeights,
        settings: ReaderSettings | None = None,
    ) -> None:
        """Wire the parts and build the evidence units of ``index`` (no embedding happens here)."""
        self.index = index
        self.embedder = embedder
        self.phrasebook = phrasebook
        self.retrieval = retrieval
        self.weights = weights
        self.settings = settings or ReaderSettings()
        self.recognizer = EntityRecognizer(phrasebook.vocabulary)
        self.evidence = EvidenceSet(index)
        documents = list(index.documents.values())
        # Lines written for a model (flagged at ingest) give no names, synonyms, payers or words either.
        texts = [unflagged_text(d.text, d.flagged) for d in documents]
        own = [f"{d.title} {d.publisher} {text} {d.source_url or ''}" for d, text in zip(documents, texts, strict=True)]
        everything = [*own, *(f.statement for f in index.facts)]
        # The sources' words: unknown_terms checks a question against them, and a follow-up naming
        # nothing of its own continues the conversation when it uses them. Those only the loaded
        # documents use (stems: "bariatric", "rimegepant") make a question theirs (answerer.py).
        loaded = corpus_vocabulary(t for d, t in zip(documents, own, strict=True) if d.ingested)
        curated = corpus_vocabulary(
            [*(t for d, t in zip(documents, own, strict=True) if not d.ingested), *(f.statement for f in index.facts)]
        )
        self._vocabulary = loaded.union(curated)
        self.loaded_only = frozenset(stem(w) for w in loaded.words) - {stem(w) for w in curated.words}
        self.questions = QuestionReader(
            self.recognizer,
            Shorthand(phrasebook.abbreviations, phrasebook.case_sensitive_abbreviations),
            [(d.doc_id, d.title, d.publisher, text) for d, text in zip(documents, texts, strict=True)],
            self._vocabulary,
        )
        self._facts = {f.fact_id: f for f in index.facts}
        self._fact_units = {u.fact_id: u.position for u in self.evidence.units if u.fact_id}
        self.payer_words = {
            key: re.compile(
                r"(?<![\w&])(" + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in entry.aliases) + r")(?![\w&])",
                re.IGNORECASE,
            )
            for key, entry in ((f"payer:{k}", e) for k, e in phrasebook.vocabulary.get("payer", {}).items())
        }
        self._known_payers = {k for text in everything for k in self.recognizer.keys(text, frozenset({"payer"}))}
        self._last: tuple[Question, list[Scored]] | None = None
        self._prepared: tuple[Question, list[Question], dict[str, npt.NDArray[np.float32]]] | None = None

    def answer(self, user_turns: list[str], *, top_k: int | None = None, question: Question | None = None) -> Answer:
        """Answer the last of ``user_turns`` (earlier ones fill in an elliptical follow-up).

        ``top_k`` caps how many evidence units the answer quotes; ``question`` is ``user_turns``
        already read (``questions.read``), when the caller has read them. Raises ValueError when no
        turn has text.
        """
        question = question if question is not None else self.questions.read(user_turns)
        composer = Composer(self.evidence, self.phrasebook.phrasings, self._facts)
        phrasings = self.phrasebook.phrasings
        missing = missing_names(question, self.evidence, self._known_payers, self.recognizer.labels)
        named = {w.lower() for e in question.entities for w in question.query[e.start : e.end].split()}
        named |= {w.lower() for name in question.named_names for w in name.split()}
        # A brand the sources give only as its generic ("Zoloft" for sertraline) is known. When no drug
        # the question names is in the sources, the drugs are missing, capitalised or not; beside one
        # that is ("does a lamotrigine augmentation count for <a drug the policy covers>?") an absent
        # one may be a member of a class the sources list, which the evidence can still answer.
        # Only the sentences that ask count: a word the sources lack in the case told before the
        # question ("T2DM on metformin. does she meet the criteria?") is a detail, not what is asked.
        asking = asking_sentences(question.query)
        known_drugs = [d for d in question.drugs if d.in_sources or d.written.lower() in self._vocabulary.words]
        for drug in question.drugs:
            named.update(drug.written.lower().split())
            if not known_drugs and drug.written in asking:
                missing.append(drug.written)
        missing += unknown_terms(asking, self._vocabulary, self.questions.shorthand.words | named)
        verdicts: list[tuple[Question, Verdict, list[Scored]]] = []
        earlier: set[int] = set()  # the units chosen for the parts before
        for asked in self._prepare(question)[0]:
            ranked = self.rank(asked)
            if missing:
                verdict = Verdict((), f"The sources do not mention {', '.join(dict.fromkeys(missing))}.")
            else:
                verdict = self._choose(ranked, asked, top_k)
                if verdict.chosen and {s.unit.position for s in verdict.chosen} <= earlier:
                    # A later part whose best units an earlier part already quotes ("how many times
                    # can we bill 90867? and does the device have to be FDA cleared?", both nearest
                    # the 90867 sentence) takes its own next best where any passes the checks.
                    own = self._choose([s for s in ranked if s.unit.position not in earlier], asked, top_k)
                    verdict = verdict if own.abstained else own
                earlier.update(s.unit.position for s in verdict.chosen)
            verdicts.append((asked, verdict, ranked))
        answered = [(q, v) for q, v, _ in verdicts if not v.abstained]
        conflicts: list[ConflictSpec] = []
        if answered:
            sentences: list[str] = []
            quoted: set[int] = set()  # two parts answered by the same units quote them once
            kept = [(asked, verdict, self._fitting(question, verdict.chosen)) for asked, verdict in answered]
            for asked, verdict, fitting in kept:
                chosen = [(s.unit, s.score) for s in self._users_first(fitting) if s.unit.position not in quoted]
                chosen += self._conflicting(asked, verdict, conflicts)
                quoted.update(unit.position for unit, _ in chosen)
                if chosen:
                    sentences += composer.claims(chosen, asked.wants_list)
            check = self._criteria_check(question, [s for _, _, fitting in kept for s in fitting], composer)
            sentences += [check] if check else []
            notes = list(dict.fromkeys(v.note for _, v in answered if v.note))
            notes += [f"The sources do not answer: {q.query}" for q, v, _ in verdicts if v.abstained]
            text = " ".join([*sentences, *notes])
            confidence = max(s.score for _, v in answered for s in v.chosen)
            abstained = False
        else:
            reasons = list(dict.fromkeys(str(v.reason) for _, v, _ in verdicts))
            closest = [(s.unit, s.score) for s in verdicts[0][2][:_CLOSEST]]
            markers = composer.closest(closest, _CLOSEST)  # what is near, for the reader to check, even when a name is missing
            text = phrasings.not_found.format(reason=" ".join(reasons))
            if markers:
                text += f" {phrasings.closest} {phrasings.closest_marked} {' '.join(f'[{m}]' for m in markers)}"
            confidence = verdicts[0][2][0].score if verdicts[0][2] else 0.0
            abstained = True
        return Answer(
            text=text,
            abstained=abstained,
            confidence=round(float(1 / (1 + np.exp(-4 * (confidence - self.weights.threshold)))), 4),
            query=question.query,
            index_version=self.index.index_version,
            citations=composer.finished(text),
            intent=question.expects,
            conflicts=composer.conflicts(conflicts),
        )

    def _choose(self, ranked: list[Scored], asked: Question, top_k: int | None) -> Verdict:
        """``abstain.choose`` with this reader's thresholds and limits."""
        return choose(
            ranked,
            asked,
            self.evidence,
            self.payer_words,
            threshold=self.weights.threshold,
            margin=self.weights.margin,
            limit=top_k or self.settings.max_units,
            list_limit=top_k or self.settings.max_list_units,
            min_similarity=self.settings.min_similarity,
        )

    @staticmethod
    def _fitting(question: Question, chosen: tuple[Scored, ...]) -> tuple[Scored, ...]:
        """``chosen`` without the rows keyed by the asked codes whose thresholds the question's case
        is outside, when another chosen row keyed by those asked codes (and maybe more) has one it
        meets ("75 min" keeps the "99215 x 1 and G2212 x 1; ... 69–83 minutes" row, not the "84–98
        minutes" one).
        Rows of different codes stay ("35 min - 90834 or 90832?": that 90834 asks 38 minutes is the
        answer), and so do the items of a list of criteria: which one fails is the answer."""
        values = asked_values(question.query) if question.codes else []
        if not values:
            return chosen  # the common case: no case with numbers, nothing to hold rows against
        groups: dict[int, frozenset[str]] = {}
        fitting: dict[int, bool | None] = {}
        for s in chosen:
            codes = frozenset(c for c in question.codes if keyed_by(s.unit, (c,)))
            if codes:
                groups[s.unit.position], fitting[s.unit.position] = codes, fits(values, s.unit.text)
        met = [groups[p] for p, fit in fitting.items() if fit]

        def outside(s: Scored) -> bool:  # its asked codes are all in a row whose threshold the case meets
            codes = groups.get(s.unit.position)
            return codes is not None and fitting[s.unit.position] is False and any(codes <= m for m in met)

        return tuple(s for s in chosen if not outside(s))

    def _criteria_check(self, question: Question, chosen: list[Scored], composer: Composer) -> str | None:
        """"BMI 34 ... does she meet the criteria?": the question's numbers held against the thresholds
        of the quoted units and of the other items of the lists they sit in, and of the lists those
        are items of (each cited), or None."""
        if not applies_criteria(question.query) or not asked_values(question.query):
            return None  # the common case: no case held against criteria, nothing to parse per unit
        units: dict[int, tuple[EvidenceUnit, float]] = {}
        for scored in chosen:
            unit = scored.unit
            members = [unit]
            lead = unit
            for _ in range(2):  # its list, and the list that list is an item of ("... co-morbidities:" under "One of the following")
                lead = self.evidence.units[lead.lead_in] if lead.lead_in is not None else lead
                members += [lead, *self.evidence.following_items(lead, _CRITERIA_ITEMS)]
            for member in members:
                units.setdefault(member.position, (member, scored.score))
        stating: list[tuple[EvidenceUnit, float]] = []
        count = 0
        for unit, score in units.values():
            found = len(comparisons(question.query, [(unit.text, 0)]))
            if found and count < MAX_CHECKS:  # only the units whose comparisons are said get cited
                stating.append((unit, score))
                count += found
        return checked(question.query, [(u.text, composer.cite(u, score)) for u, score in stating])

    def rank(self, question: Question) -> list[Scored]:
        """Candidate evidence for ``question``, best first (facts out of force on its date left out).

        The last ranking is kept, so routing a question and then answering it ranks once."""
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] == question:
            return last[1]
        ranked = self._rank(question)
        self._last = (question, ranked)
        return ranked

    def _prepare(self, question: Question) -> tuple[list[Question], dict[str, npt.NDArray[np.float32]]]:
        """The questions ``question`` is answered as (itself, or each part of a compound question)
        and the query vectors of it and its parts, embedded in one batch (one call costs about as
        much as one text alone). The last preparation is kept: routing ranks the question, answering
        ranks its parts."""
        prepared = self._prepared  # one read: another thread may replace it meanwhile
        if prepared is not None and prepared[0] == question:
            return prepared[1], prepared[2]
        texts = [question.query] if question.carried else split_parts(question.query)
        parts = [question]
        if len(texts) > 1:
            parts = []
            opening = topic(question.query)
            for part in texts:
                # "does BCBSTX cover 97153, and how many units per day?": a part keeps the code,
                # payer, drug or source the other parts name where it names none of that kind, and
                # the topic the question opens with ("UHC spravato - ...").
                names = self.questions.carried_names(question.query, part)
                if opening and opening not in part:
                    names = list(dict.fromkeys([opening, *names]))  # "(Quarry Glen, 0997T)", not the name twice
                search = f"{part} ({', '.join(names)})" if names else part
                parts.append(self.questions.analyse(part, search, carried=question.carried))
        masked = list(dict.fromkeys(self._masked(q.search_text) for q in [question, *parts]))
        vectors = dict(zip(masked, self.embedder.embed(masked), strict=True))
        self._prepared = (question, parts, vectors)
        return parts, vectors

    def _rank(self, question: Question) -> list[Scored]:
        period = date_of_service(question.query)
        allowed = None
        if period is not None:
            stale = {
                self._fact_units[f.fact_id] for f in self._facts.values() if not f.in_force(period.first, period.last)
            }
            allowed = set(range(len(self.evidence.units))) - stale
        masked = self._masked(question.search_text)
        prepared = self._prepared  # one read: another thread may replace it meanwhile
        vector = prepared[2].get(masked) if prepared is not None else None
        if vector is None:
            vector = self._prepare(question)[1][masked]
        hits = retrieve(self.index, question.search_text, vector, replace(self.retrieval, top_k=_PASSAGES))
        passages: dict[int, float] = {}
        for place, hit in enumerate(hits, start=1):
            p = hit.passage
            inside = [self.evidence.fact_position(p.fact_id)] if p.fact_id else self.evidence.within(p.doc_id, p.start, p.end)
            for position in inside:
                if position is not None and position not in passages:
                    passages[position] = 1.0 / place
        return rank(self.evidence, question, vector, self.weights, self.payer_words, passages, allowed)

    def candidates(self, query: str, k: int) -> list[tuple[EvidenceUnit, str]]:
        """The ``k`` best evidence units for a standalone ``query``, each with its text as the
        answer would quote it (the list's lead-in first)."""
        units = []
        for scored in self.rank(self.questions.analyse(query, query, carried=False))[:k]:
            unit = scored.unit
            lead = self.evidence.quote(self.evidence.units[unit.lead_in]) + " " if unit.lead_in is not None else ""
            units.append((unit, lead + self.evidence.quote(unit)))
        return units

    def search(self, query: str, *, top_k: int | None = None, mode: RetrievalMode | None = None) -> list[ScoredPassage]:
        """Ranked passages for a free-text query (hybrid unless ``mode`` says otherwise)."""
        settings = replace(self.retrieval, top_k=top_k or self.retrieval.top_k, mode=mode or self.retrieval.mode)
        return retrieve(self.index, query, self.embed_query(query), settings)

    def embed_query(self, query: str) -> npt.NDArray[np.float32]:
        """The vector retrieval uses for ``query``: its embedding with billing codes masked."""
        vector: npt.NDArray[np.float32] = self.embedder.embed([self._masked(query)])[0]
        return vector

    def _masked(self, query: str) -> str:
        """``query`` as it is embedded: billing codes masked."""
        return mask_codes(query, self.recognizer.find(query))

    def _users_first(self, chosen: tuple[Scored, ...]) -> list[Scored]:
        """``chosen`` with the evidence of documents the user loaded before curated evidence
        (the order within each kept): curated facts may stand beside the user's documents, never
        before them."""
        documents = self.evidence.documents
        return sorted(chosen, key=lambda s: not (s.unit.kind != "fact" and documents[s.unit.doc_id].ingested))

    def _conflicting(self, question: Question, verdict: Verdict, conflicts: list[ConflictSpec]) -> list[tuple[EvidenceUnit, float]]:
        """Units stating the other sides of a declared conflict that a chosen fact belongs to, when
        the conflict is what is asked: its fact is the best evidence, or the question names a code
        its facts name. A fact quoted beside a document's answer about another service ("bilat TKA
        same day": modifier 50 means both sides) does not bring the 64642 family's coding dispute."""
        chosen_facts = {s.unit.fact_id for s in verdict.chosen if s.unit.fact_id}
        extra = []
        for spec in self.index.conflicts:
            ids = {fact_id for _, side in spec.sides for fact_id in side}
            if not chosen_facts & ids or spec in conflicts:
                continue
            units = [self.evidence.units[self._fact_units[fact_id]] for fact_id in sorted(ids)]
            asked = verdict.chosen[0].unit.fact_id in ids or any(c in u.codes for u in units for c in question.codes)
            if asked:
                conflicts.append(spec)
                extra += [(u, verdict.chosen[0].score) for u in units if u.fact_id not in chosen_facts]
        return extra

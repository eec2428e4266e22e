"""Understand a question: the standalone query, what it names and what kind of answer it expects.

Only an elliptical last turn ("What about <another payer>?", "so the report has to be filed too?") borrows
from the turns before it; a complete or unrelated question stands alone. Names (payers,
publishers, documents, drugs) are recognised from the loaded documents themselves plus the
vocabulary in prompts/entities.yaml, so a new document needs no code change.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from wordfreq import zipf_frequency

from assistant.answer.acronyms import expansions, spelled_out
from assistant.answer.code_systems import asked_code_system
from assistant.answer.drugs import DrugMention, DrugNames
from assistant.answer.entities import Entity, EntityRecognizer
from assistant.answer.kinds import (
    MEASURE,
    AnswerType,
    answer_words,
    asked_measure,
    asks_what_code_is,
    expected_answer,
    measure_words,
)
from assistant.answer.shorthand import Shorthand
from assistant.answer.source_names import name_patterns, source_names
from assistant.answer.terms import Vocabulary, completions, respell
from assistant.answer.turns import STOP_WORDS as _STOP
from assistant.answer.turns import WORD as _WORD
from assistant.answer.turns import has_own_predicate, is_elliptical, merge_follow_up
from assistant.codes import SUBJECT_CODE_KINDS

_LOOKBACK = 3
# A document that names a payer this often concerns it (a Medicare contractor's article names Medicare).
_PAYER_MENTIONS = 3
# A typed word rarer than this in English may be a clipped one ("reauth", "recert"; "revise" is not).
_CLIPPED_ZIPF = 1.0
# An acronym as documents write it: "TKA", "E/M", "O/O", "PHQ" (a plural "s" aside).
_WRITTEN_ACRONYM = re.compile(r"(?<![\w/&])([A-Z](?:[A-Z]|[/&][A-Z]){1,5})s?(?![\w/&])")
# ... that names a topic: three letters or more, or joined ("E/M"); not a credential ("MD", "NP")
# or a Roman numeral ("class II", "III").
_NAMES_TOPIC = re.compile(r"(?![IVXL]+$)(?:[A-Z]{3,6}|[A-Z][/&][A-Z](?:[/&]?[A-Z])*)")
# Question words that make a turn a complete question of its own.
_OPENING = 300  # characters of a document's text that may name who it is from
# Share of a follow-up's content words that must be the documents' own for it to continue the
# conversation when it names nothing of its own.
_CONTINUING_SHARE = 0.75
# Words of an earlier turn rarer than this in English name its topic ("spravato", "TMS", "bariatric").
_TOPIC_ZIPF = 2.5
# An acronym names a thing however common its letters are elsewhere ("TMS", "OSA"): a topic too.
_ACRONYM = re.compile(r"[A-Z]{2,5}s?")
# Words that point at a source rather than at what is asked of it.
_META = frozenset(
    "policy policies document documents article articles lcd lcds guideline guidelines publication manual booklet "
    "say says said state states mention mentions listed list cover covered coverage bill billed billing code codes "
    "plan plans payer payers source sources per according want wants require requires required need needed "
    "allow allowed use used describe describes mean means meaning stand anything cpt hcpcs icd covers covering bills needs allows uses "
    "difference between versus compare "
    # paying for a service is covering it; what the user tells the assistant to do is no subject
    "pay pays paid paying payable billable confirm confirms forget ignore docs "
    # "can we add 90785?" asks whether a code is billed with another, like "bill" and "use"
    "add adds added adding "
    # words of the kind of answer ("how often", "how much does it pay"), which `expects` checks instead
    "often frequently".split()
)

_LIST = re.compile(
    r"\b(list|all( of)?( the)?|full|every|each|which (\w+ )?(codes|states|drugs|services|ones|criteria|conditions|"
    r"modifiers|diagnos\w+)|what (\w+ )?(codes|states|drugs|services|criteria|conditions|modifiers|are the)|"
    r"codes)\b|"
    # "which depression rating scales will UHC accept?", "what documents are needed?": a plural asked
    # for, then the verb or the end of the question
    r"\b(which|what) ([a-z-]+ ){0,2}?(?!(?:doe|ha|wa|i|thi)s\b)[a-z-]{2,}[^su\W]s "
    r"(are|were|will|would|do|does|did|can|could|should|must|may|might|need|qualify|count|have|get)\b|"
    r"\b(which|what) ([a-z-]+ ){0,2}?[a-z-]{2,}[^su\W]s\s*\?",
    re.I,
)
# "Which code from the plan's list ...?" asks for one code, whatever list it is taken from.
_ONE_CODE = re.compile(r"\b(which|what) ([\w-]+ ){0,2}code\b(?!s)(?![^?]*\b(all|every|each)\b)", re.I)
# Brand and generic names as documents write them: "Quellara (vostarimab)", "vostarimab (Quellara)".
# A brand is no acronym: "bariatric surgery (LRBS)" defines an abbreviation.
_BRAND_GENERIC = re.compile(r"\b([A-Z][a-z][A-Za-z]{2,})(?:®|™)?\s*\(([a-z][a-z-]{4,}(?: [a-z-]{4,})?)\)")
_GENERIC_BRAND = re.compile(r"\b([a-z][a-z-]{4,})\s*\(([A-Z][a-z][A-Za-z]{2,})(?:®|™)?\)")
# ... and a generic name is rare in English: "surgery (Conditional)" and "device (EndoBarrier)" pair
# no drug names.
_DRUG_NAME_ZIPF = 3.0


@dataclass(frozen=True)
class Question:
    """A question ready for evidence: standalone text, named things and the expected answer.

    ``codes`` are bare subject codes (CPT, HCPCS, ICD-10-CM, NUCC); ``payers`` entity keys;
    ``named_documents`` ids of loaded documents whose publisher or title the question names;
    ``synonyms`` words added for matching (a brand for its generic and the reverse); ``drugs`` the
    drugs it names, with the names of each that the loaded documents use (``drugs.DrugNames``).
    """

    text: str
    query: str
    carried: bool
    entities: tuple[Entity, ...]
    codes: tuple[str, ...]
    payers: tuple[str, ...]
    named_documents: frozenset[str]
    named_names: tuple[str, ...]
    payer_documents: frozenset[str]
    expects: AnswerType
    wants_list: bool
    focus: tuple[str, ...]
    synonyms: tuple[str, ...] = field(default_factory=tuple)
    context: str = ""
    measure: str | None = None
    code_system: str | None = None  # "which ICD-10 codes ..." -> "icd" (code_systems.asked_code_system)
    drugs: tuple[DrugMention, ...] = ()
    # Each focus word with the other names the sources use for it ("zoloft" -> ("sertraline",)).
    variants: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The source names as the question writes them ("BCBSTX" for the name "bcbst").
    named_written: tuple[str, ...] = ()

    def variants_of(self, word: str) -> tuple[str, ...]:
        """The other names of focus ``word`` that the sources use (empty when it has none)."""
        return next((names for w, names in self.variants if w == word), ())

    @functools.cached_property
    def payer_names(self) -> tuple[str, ...]:
        """The payers the question names, as it writes them ("UHC"), for messages."""
        return tuple(dict.fromkeys(self.query[e.start : e.end] for e in self.entities if e.kind == "payer"))

    @functools.cached_property
    def modifiers(self) -> frozenset[str]:
        """The modifiers the question names ("25", "GT"), without their "modifier:" prefix."""
        return frozenset(e.key.split(":", 1)[1] for e in self.entities if e.kind == "modifier")

    @property
    def asks_definition(self) -> bool:
        """Whether the question asks what a code it names is ("What does 0999T describe?")."""
        return bool(self.codes) and asks_what_code_is(self.query)

    @functools.cached_property
    def key_terms(self) -> tuple[str, ...]:
        """The focus words that say what is asked: without the words of the names it gives
        (source, payer, code) and words that only point at a document ("policy", "say")."""
        named = set(_given_words(self.query, self.named_names, self.entities))
        named |= answer_words(self.query)  # "how many": the kind of answer, not its subject
        # A named source's words as the question splits them: "CPCP051" -> "cpcp", "BCBSTX" -> "bcbst".
        prefixes = tuple(n for n in named if len(n) >= 4)
        return tuple(w for w in self.focus if w not in named and w not in _META and not w.startswith(prefixes)
                     and not any(n.startswith(w) for n in prefixes))

    @functools.cached_property
    def subject_terms(self) -> tuple[str, ...]:
        """``key_terms`` without the words of the measure asked (``kinds.measure_words``: "times",
        "minutes", the "time" of "min time for G3002?"): what the answer is about. Another
        measure's word is a subject: "how long does the first visit ... have to be?" is about visits."""
        measures = measure_words(self.measure) if self.measure else {m.group(1).lower() for m in MEASURE.finditer(self.query)}
        return tuple(w for w in self.key_terms if w not in measures)

    @functools.cached_property
    def search_text(self) -> str:
        """What is searched: the query (without the source names it gives, which the ranker matches
        on documents instead), synonyms, and the earlier turn a follow-up continues."""
        text = self.query
        for name in self.named_written:
            text = re.sub(r"(?<![\w])" + re.escape(name) + r"(?![\w])", " ", text, flags=re.IGNORECASE)
        return " ".join(f"{text} {' '.join(self.synonyms)} {self.context}".split())


class QuestionReader:
    """Reads questions against the loaded documents (their publishers, titles and drug names)."""

    def __init__(
        self,
        recognizer: EntityRecognizer,
        shorthand: Shorthand,
        documents: Iterable[tuple[str, str, str, str]],
        vocabulary: Vocabulary | None = None,
    ) -> None:
        """``documents`` yields ``(doc_id, title, publisher, text)`` of every loaded document;
        ``vocabulary`` is their words (``terms.corpus_vocabulary``): misspellings of them are spelled out."""
        self.recognizer = recognizer
        self.shorthand = shorthand
        self.payer_documents: dict[str, set[str]] = {}
        by_name: dict[str, set[str]] = {}
        synonyms: dict[str, set[str]] = {}
        anonymous: list[tuple[str, str]] = []  # documents with no publisher: (doc_id, opening text)
        acronyms: dict[str, frozenset[str]] = {}
        written_acronyms: Counter[str] = Counter()  # acronym as the documents write it -> documents writing it
        loaded = 0
        for doc_id, title, publisher, text in documents:
            loaded += 1
            written_acronyms.update({a.lower() for a in _WRITTEN_ACRONYM.findall(text)})
            for name in source_names(title, publisher):
                by_name.setdefault(name.lower(), set()).add(doc_id)
            if not re.sub(r"(?i)\bunknown\b|\([^)]*\)", "", publisher).strip():
                anonymous.append((doc_id, f"{title}\n{text[:_OPENING]}"))
            mentions = Counter(e.key for e in recognizer.find(text) if e.kind == "payer")
            for key in recognizer.keys(f"{title} {publisher}", frozenset({"payer"})) | {
                k for k, n in mentions.items() if n >= _PAYER_MENTIONS
            }:
                self.payer_documents.setdefault(key, set()).add(doc_id)
            for key, phrases in expansions([text]).items():
                acronyms[key] = acronyms.get(key, frozenset()) | phrases
            for brand, generic in [*_BRAND_GENERIC.findall(text), *((b, g) for g, b in _GENERIC_BRAND.findall(text))]:
                if zipf_frequency(generic.lower(), "en") >= _DRUG_NAME_ZIPF:
                    continue
                synonyms.setdefault(brand.lower(), set()).add(generic.lower())
                synonyms.setdefault(generic.lower(), set()).add(brand.lower())
        self._names = name_patterns(by_name, anonymous)
        self.synonyms = {k: frozenset(v) for k, v in synonyms.items()}
        self.spellings = vocabulary or Vocabulary(frozenset(), ())
        self.vocabulary = self.spellings.words
        self.drugs = DrugNames(self.vocabulary)
        self.acronyms = acronyms  # "lmft" -> {"licensed marriage family therapist"}
        self._written_acronyms = written_acronyms
        self._documents = max(1, loaded)

    def read(self, user_turns: list[str]) -> Question:
        """The question the last of ``user_turns`` asks (earlier turns fill in an elliptical one).

        Raises:
            ValueError: ``user_turns`` holds no text.
        """
        written = [t.strip() for t in user_turns if t.strip()]
        if not written:
            raise ValueError("user_turns must hold at least one non-blank message")
        turns = [respell(self.shorthand.expand(t), self.spellings, self._names_in(t)) for t in written]
        last = turns[-1]
        earlier = turns[:-1][-_LOOKBACK:]
        # Judged as typed, before shorthand is spelled out.
        if earlier and (is_elliptical(written[-1]) or self._continues(written[-1], earlier[-1])):
            if has_own_predicate(last, self.recognizer):
                # "what must the record show for it?": its own question about what was named before.
                carried = self.carried_names(earlier[-1], last) + self._carried_topic(earlier[-1], last)
                query = f"{last} ({', '.join(dict.fromkeys(carried))})" if carried else last
                return replace(self.analyse(last, query, carried=True), context=earlier[-1])
            else:
                # "What about <another payer>?": the previous question, asked of the new names.
                query = merge_follow_up(earlier[-1], last, self.recognizer)
            return self.analyse(last, query, carried=True)
        return self.analyse(last, last, carried=False)

    def _names_in(self, turn: str) -> frozenset[str]:
        """The words of the names ``turn`` gives (payers, codes, modifiers), lower case: never misspellings."""
        return frozenset(
            w.lower() for e in self.recognizer.find(turn) if e.kind != "concept" for w in _WORD.findall(turn[e.start : e.end])
        )

    def _continues(self, turn: str, previous: str) -> bool:
        """Whether ``turn``, naming no code, payer or source of its own, goes on about the names of
        ``previous`` ("which services are not covered?" after a question about a plan's
        prior authorization): most of its content words are the documents' own words. An unrelated
        question ("What is the capital of France?") uses words the documents do not."""
        if any(e.kind != "concept" for e in self.recognizer.find(turn)) or any(p.search(turn) for p, _, _ in self._names):
            return False
        if self._own_topic(turn, previous):
            return False
        if not self.carried_names(previous, turn):
            return False
        words = [w.lower() for w in _WORD.findall(turn) if not w.isdigit()]
        content = [w for w in words if w not in _STOP and len(w) > 2]
        known = sum(1 for w in content if w in self.vocabulary)
        return bool(content) and known >= _CONTINUING_SHARE * len(content)

    def _own_topic(self, turn: str, previous: str) -> bool:
        """Whether ``turn`` names a topic of its own: an acronym ``previous`` does not write that few
        of the loaded documents write ("E/M", "THA": at most a third of them; "ICD" or "CPT", which
        most write, names no topic), and no billing-desk shorthand ("PA"), credential ("MD") or
        Roman numeral ("class II")."""
        before = {a.lower() for a in _WRITTEN_ACRONYM.findall(previous)}
        rare = max(1, self._documents // 3)
        return any(
            0 < self._written_acronyms[a] <= rare
            for a in (w.lower() for w in _WRITTEN_ACRONYM.findall(turn) if _NAMES_TOPIC.fullmatch(w))
            if a not in before and a not in self.shorthand.words
        )

    def _carried_topic(self, previous: str, follow_up: str) -> list[str]:
        """The rare words and acronyms of ``previous`` that the documents use and ``follow_up`` does
        not: what the conversation is about ("spravato", "TMS"), which "how long does that approval
        last?" asks of. An acronym of the documents in ``follow_up`` (not a payer's or source's)
        takes the place of those of ``previous``: "and for THA how many ...?" after "criteria for TKA?"."""
        own = {w.lower() for w in _WORD.findall(follow_up)}
        names = self._names_in(follow_up)
        replaced = any(
            _ACRONYM.fullmatch(w) and len(w) > 2 and w.lower() in self.vocabulary and w.lower() not in names
            for w in _WORD.findall(follow_up)
        )
        return [
            w for w in dict.fromkeys(_WORD.findall(previous))
            if len(w) > 2 and not w.isdigit() and w.lower() not in own and w.lower() not in _STOP
            and w.lower() in self.vocabulary and (zipf_frequency(w.lower(), "en") < _TOPIC_ZIPF or _ACRONYM.fullmatch(w))
            and not (replaced and _ACRONYM.fullmatch(w))
        ]

    def carried_names(self, previous: str, follow_up: str) -> list[str]:
        """Codes, payers, drugs and source names of ``previous`` of kinds ``follow_up`` does not name itself."""
        kinds = {e.kind for e in self.recognizer.find(follow_up)}
        names = [previous[e.start : e.end] for e in self.recognizer.find(previous) if e.kind not in kinds and e.kind != "concept"]
        names += [m.group(0) for pattern, _, _ in self._names if not pattern.search(follow_up) for m in [pattern.search(previous)] if m]
        if not self.drugs.mentions(follow_up):  # "UHC spravato - how many sessions, and whats the max dose?"
            names += [d.written for d in self.drugs.mentions(previous)]
        return list(dict.fromkeys(names))

    def analyse(self, text: str, query: str, *, carried: bool) -> Question:
        """The question ``text`` asks, searched as ``query`` (the same text unless it is a follow-up)."""
        entities = tuple(self.recognizer.find(query))
        codes = tuple(dict.fromkeys(e.key.split(":", 1)[1] for e in entities if e.kind in SUBJECT_CODE_KINDS))
        payers = tuple(dict.fromkeys(e.key for e in entities if e.kind == "payer"))
        named: set[str] = set()
        names: list[str] = []
        written: list[str] = []
        for pattern, name, ids in self._names:
            if match := pattern.search(query):
                named |= ids
                names.append(name)
                written.append(match.group(0))
        words = [_bare(w.lower()) for w in _WORD.findall(_CONFIRMING.sub(" ", query))]
        drugs = tuple(self.drugs.mentions(query))
        variants: dict[str, set[str]] = {w: {*self.synonyms.get(w, ()), *_REVISION_WORDS.get(w, ())} for w in words}
        for phrase in _TAKEN_OUT.finditer(query):  # "when did they take out ..." is a removal too
            variants.setdefault(phrase.group(1).lower(), set()).update(_REVISION_WORDS["drop"])
        given = _given_words(query, names, entities)
        for acronym, spelled in spelled_out(query, self.acronyms, self.vocabulary).items():
            if acronym not in given:  # a source's or payer's initials ("NGS") name it, not a topic
                variants.setdefault(acronym, set()).update(spelled)  # "LMFT" -> licensed, marriage, ...
        for w in words:
            # "reauth" for "reauthorization": a clipped word is no English word ("revise" is one)
            if w not in _STOP and w not in self.vocabulary and zipf_frequency(w, "en") < _CLIPPED_ZIPF:
                variants.setdefault(w, set()).update(completions(w, self.spellings.spellings))
        for drug in drugs:
            for w in _WORD.findall(drug.written.lower()):
                variants.setdefault(w, set()).update(drug.in_sources)
        synonyms = sorted({s for names in variants.values() for s in names if s not in words})
        focus = tuple(dict.fromkeys(w for w in words if w not in _STOP and len(w) > 2 and not w.isdigit()))
        return Question(
            text=text,
            query=query,
            carried=carried,
            entities=entities,
            codes=codes,
            payers=payers,
            named_documents=frozenset(named),
            named_names=tuple(names),
            payer_documents=frozenset(d for p in payers for d in self.payer_documents.get(p, ())),
            expects=expected_answer(query),
            measure=asked_measure(text),
            code_system=asked_code_system(query),
            wants_list=bool(_LIST.search(query)) and not _ONE_CODE.search(query),
            focus=focus,
            synonyms=tuple(synonyms),
            drugs=drugs,
            variants=tuple((w, tuple(sorted(n - {w}))) for w, n in variants.items() if n - {w}),
            named_written=tuple(written),
        )


# A tag asking to confirm what was just said ("90 days, right?", "... correct?") says nothing of
# what is asked: "right" there is no right knee.
_CONFIRMING = re.compile(r"[,;-]?\s*(?<!the\s)\b(right|correct|true|ok|okay|yes|no)\s*\?+(?=\s*(\(|$))", re.I)

# How revision histories word a change ("Removed requirement for ...", "Added PHQ-9 ...") for the
# words a question asks it with ("when did they drop ...", "stop requiring", "pull").
_REMOVED = frozenset({"removed", "remove", "removal"})
_REVISION_WORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("drop", "dropped", "pull", "pulled", "stop", "stopped", "eliminate", "eliminated", "delete", "deleted"), _REMOVED),
    **dict.fromkeys(("change", "changed", "modify", "modified"), frozenset({"updated", "revised"})),
}
_TAKEN_OUT = re.compile(r"\b(take|took|taken|taking)\s+out\b", re.I)


def _given_words(query: str, names: Iterable[str], entities: Iterable[Entity]) -> frozenset[str]:
    """The lower-case words of the source names and of the codes, payers and modifiers ``query``
    gives (its concepts aside): names, not what is asked about."""
    words = {w.lower() for n in names for w in n.split()}
    words |= {w.lower() for e in entities if e.kind != "concept" for w in _WORD.findall(query[e.start : e.end])}
    return frozenset(words)


def _bare(word: str) -> str:
    """A word without a possessive, a closing quote or the hyphen before a number it was written
    with: "what's" -> "what", "with'" -> "with", "icd-" (of "ICD-10") -> "icd"."""
    return re.sub(r"'s?$|-+$", "", word)

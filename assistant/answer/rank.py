"""Gather candidate evidence units for a question and rank them by a weighted sum of features.

Candidates are the union of the nearest units by meaning (dense), the best by words (BM25) and
the units naming a code the question names. Each gets the features below; their weights live in
``prompts/ranker.yaml`` (set by hand or fitted by ``scripts/train_ranker.py`` on dev data), so
ranking changes are data changes, measured by ``assistant eval``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.answer.evidence import EvidenceSet, EvidenceUnit, first_cell_codes
from assistant.answer.kinds import AnswerType
from assistant.answer.question import Question
from assistant.answer.terms import stem
from assistant.errors import ConfigError

FEATURES = (
    "dense",
    "dense_context",
    "bm25",
    "focus",
    "heading",
    "code",
    "code_document",
    "code_subject",
    "answer_type",
    "named_source",
    "other_source",
    "payer",
    "numeric_fit",
    "short",
    "fact",
    "bibliography",
    "passage",
    "literature",
    "history",
    "evidence_section",
    "history_unasked",
)
_DEPTH = 100
_MAX_CODE_CANDIDATES = 80

_NUMBER_WORDS = (
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|"
    r"ninety|hundred|once|twice|half|single)\b"
)
_PRESENT: dict[AnswerType, re.Pattern[str]] = {
    "date": re.compile(
        r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|"
        r"nov(ember)?|dec(ember)?)\b\.? ?\d{0,2},? ?(19|20)\d\d|\b\d{1,2}/\d{1,2}/(19|20)?\d\d\b|\b(19|20)\d\d\b",
        re.I,
    ),
    "money": re.compile(r"\$\s?\d|(?<![\d.])\d+\.\d\d(?![\d.])|\bdollars?\b|\brvus? (of|is|are|=)\s*\d", re.I),
    "number": re.compile(r"(?<![\w.-])\d{1,4}(?:\.\d+)?(?![\w])|" + _NUMBER_WORDS, re.I),
    "contact": re.compile(r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\b1-8\d\d-|[\w.+-]+@[\w-]+\.[\w.]+|\bwww\.|https?://"),
    "code": re.compile(r"(?<![\w.])([A-V]\d{4}|\d{4}[0-9FTU]|\d{5}|[A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4})(?![\w])|\bmodifier\b|\bPOS\b", re.I),
    "yesno": re.compile(
        r"\b(not|no|never|only|must|may|required|requires|covered|eligible|allowed|payable|medically necessary|"
        r"considered|limited|should)\b",
        re.I,
    ),
}
# Kinds of answer a quote must contain to answer at all (a "when" needs a date, "how many" a number).
REQUIRED_TYPES = frozenset({"contact", "date", "money", "number", "code"})


def is_literature(text: str) -> bool:
    """Whether ``text`` reports a study ("a prospective, multicenter study enrolled 242 ..."):
    two or more words of study reports."""
    return len(_LITERATURE.findall(text)) >= 2


def keyed_by(unit: EvidenceUnit, codes: tuple[str, ...]) -> bool:
    """Whether ``unit`` is a table row whose first cell ("Code: 90839") names one of ``codes``."""
    if unit.kind != "row":
        return False
    first = unit.text.split(";", 1)[0]
    return any(re.search(rf"(?<![\w.]){re.escape(c)}(?![\w])", first) for c in codes)


def row_of(unit: EvidenceUnit, codes: tuple[str, ...]) -> bool:
    """Whether ``unit`` is the table row of one of ``codes``: its first cell names that code and no
    other ("CPT Code: 90839", not "Codes: CPT code 99215 x 1 and HCPCS code G2212 x 2")."""
    return keyed_by(unit, codes) and len(first_cell_codes(unit.text)) == 1


def defines(text: str, code: str) -> bool:
    """Whether ``text`` says what ``code`` is: "CPT 64615 is ...", "0999T describes ...", "64612 (...): ..."."""
    code = re.escape(code)
    return bool(
        re.search(rf"(?<![\w.]){code}(?![\w])\)?,?\s*(is|are|describes|means|refers to|covers|reports|\(|:|-|–)", text, re.I)
        or re.search(rf"\w{{4,}}\s*\((?:CPT|HCPCS|code)?\s*(?:code\s*)?{code}\)", text, re.I)  # "... of the face (CPT 64612)"
    )


@functools.lru_cache(maxsize=1 << 16)  # units are ranked again and again
def has_answer_type(text: str, kind: AnswerType) -> bool:
    """Whether ``text`` contains an answer of ``kind`` (always False for "other")."""
    pattern = _PRESENT.get(kind)
    return bool(pattern and pattern.search(text))


# A reference-list entry or revision-history line: true to its document, but no answer.
_BIBLIOGRAPHY = re.compile(
    r"\bet al\b|\(\d{4}\)|\b(19|20)\d\d;\s?\d+|\bdoi\b|\bPMID\b|\baccessed\b|\bavailable at\b|https?://|"
    r"\bJ\.? [A-Z][a-z]+\.? \d{4}\b",
    re.I,
)
# Study reports of a policy's evidence review: they discuss the topic but decide nothing.
_LITERATURE = re.compile(
    r"\b(study|studies|trial|trials|randomi[sz]ed|meta-analys[ie]s|cohort|retrospective|prospective|authors?|"
    r"concluded|participants|enrolled|n ?= ?\d+|p ?[<=>] ?0?\.\d+|confidence interval|systematic review|"
    r"mean|median)\b",
    re.I,
)
# Licence and copyright text (the AMA's CPT notice, the AHA's UB-04 notice, a disclaimer): printed
# in most Medicare articles and LCDs; it says who owns the codes, not how to bill them.
_NOTICE = re.compile(
    r"\ball rights reserved\b|\bcopyright(ed)?\b|©|\btrademarks?\b|\blicen[cs]e agreement\b|\bend users?\b|"
    r"\bwarrant(y|ies)\b|\bdisclaim\w*|\bcompleteness or accuracy\b|\baccuracy or completeness\b",
    re.I,
)
# A question about that text itself.
ASKS_NOTICE = re.compile(r"\b(copyright\w*|licen[cs]\w*|trademarks?|disclaim\w*|warrant(y|ies)|reproduc\w*)\b", re.I)


def is_notice(text: str) -> bool:
    """Whether ``text`` is licence, copyright or disclaimer text ("CPT is a registered trademark
    of ...", "... is not responsible for the completeness or accuracy of any information ..."),
    not a line that runs into it from a header giving dates ("Original Effective Date 10/24/2019
    ... CPT codes ... are copyright 2025 ...")."""
    return bool(_NOTICE.search(text)) and not _HISTORY_DATE.search(text)


# A revision-history line: a date with what changed ("12/2020 ... Updated coverage criteria").
_CHANGE = re.compile(r"\b(annual review|updated|revised|clarified|reformatted|retired|added|removed|new policy|replaced)\b", re.I)
_HISTORY_DATE = re.compile(r"\b\d{1,2}/(\d{1,2}/)?(19|20)?\d\d\b")
_HISTORY_SECTION = re.compile(r"\b(references?|bibliography|sources|revision|history|change summary|changes)\b", re.I)
_ASKS_SOURCES = re.compile(r"\b(bibliograph\w*|references?|literature|sources?|cites?|cited|citations?|studies|study|articles?|journals?)\b", re.I)
_NUMBER_RANGE = re.compile(r"\b(\d{1,3})\s*(?:-|–|to|through)\s*(\d{1,3})\b")
_EACH_ADDITIONAL = re.compile(r"\beach additional (\d{1,3})\b", re.I)
_QUESTION_NUMBER = re.compile(r"(?<![\w.])(\d{1,3})(?![\w.]|\d)")
_WORD = re.compile(r"[a-z][a-z'-]+|\d+")


class RankerWeights(BaseModel):
    """Feature weights, bias and the abstention threshold of the ranker (prompts/ranker.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    weights: dict[str, float]
    bias: float = 0.0
    threshold: float
    margin: float = 0.15
    trained_on: str = "set by hand"

    def vector(self) -> npt.NDArray[np.float64]:
        """The weights in ``FEATURES`` order (a feature not named weighs 0)."""
        return np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)


def load_weights(path: Path) -> RankerWeights:
    """Read ranker weights.

    Raises:
        ConfigError: the file is missing, not YAML, or names an unknown feature.
    """
    try:
        weights = RankerWeights.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: cannot read the ranker weights ({exc}).") from exc
    unknown = set(weights.weights) - set(FEATURES)
    if unknown:
        raise ConfigError(f"{path}: unknown features {sorted(unknown)}; known: {list(FEATURES)}.")
    return weights


@dataclass(frozen=True)
class Scored:
    """A candidate unit, its feature values (``FEATURES`` order) and its score."""

    unit: EvidenceUnit
    features: tuple[float, ...]
    score: float

    def feature(self, name: str) -> float:
        """The value of feature ``name`` (one of ``FEATURES``) for this unit."""
        return self.features[FEATURES.index(name)]


def candidates(
    evidence: EvidenceSet, question: Question, vector: npt.NDArray[np.float32], passages: dict[int, float]
) -> tuple[list[int], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Positions of candidate units, with every unit's dense similarity and scaled BM25 score.

    ``passages`` maps the units inside the best retrieved passages to their passage's reciprocal
    rank; those units are candidates too."""
    dense = (evidence.vectors @ vector).astype(np.float64)
    lexical = evidence.lexical_scores(question.search_text)
    top = float(lexical.max()) if len(lexical) else 0.0
    lexical = lexical / top if top > 0 else lexical
    picked: set[int] = set(passages)
    for scores in (dense, lexical):
        depth = min(_DEPTH, len(scores))
        if depth:
            picked.update(np.argpartition(-scores, depth - 1)[:depth].tolist())
    if question.codes:
        naming = sorted({p for code in question.codes for p in evidence.naming(code)})
        naming.sort(key=lambda p: -dense[p])
        picked.update(naming[:_MAX_CODE_CANDIDATES])
    return sorted(picked), dense, lexical


def rank(
    evidence: EvidenceSet,
    question: Question,
    vector: npt.NDArray[np.float32],
    weights: RankerWeights,
    payer_words: dict[str, re.Pattern[str]],
    passages: dict[int, float],
    allowed: set[int] | None = None,
) -> list[Scored]:
    """Candidate units best first. ``passages`` maps units inside the best retrieved passages to
    the passage's reciprocal rank; ``allowed`` (positions) leaves out units that may not answer
    (facts out of force on the question's date of service)."""
    positions, dense, lexical = candidates(evidence, question, vector, passages)
    w = weights.vector()
    asks_change = question.expects == "date" or bool(_CHANGE.search(question.query))
    # A reference list's entries answer only a question about the sources a document cites.
    skipped = evidence.contents_lines if _ASKS_SOURCES.search(question.query) else evidence.contents_and_references
    scored = []
    for position in positions:
        if (allowed is not None and position not in allowed) or position in skipped:
            continue
        unit = evidence.units[position]
        marks = _marks(unit.text, unit.section or "")
        values = features(evidence, question, vector, unit, float(dense[position]), float(lexical[position]), payer_words, marks)
        literature, history, _ = marks
        descriptive = 1.0 if position in evidence.descriptive else 0.0
        # A revision-history row answers when or why a policy changed, rarely anything else.
        unasked = 0.0 if asks_change else history
        values = (*values, passages.get(position, 0.0), literature, history, descriptive, unasked)
        scored.append(Scored(unit, values, float(np.dot(w, values) + weights.bias)))
    scored.sort(key=lambda s: (-s.score, s.unit.position))
    return scored


def features(
    evidence: EvidenceSet,
    question: Question,
    vector: npt.NDArray[np.float32],
    unit: EvidenceUnit,
    dense: float,
    lexical: float,
    payer_words: dict[str, re.Pattern[str]],
    marks: tuple[float, float, float],
) -> tuple[float, ...]:
    """The feature values of ``unit`` for ``question``, in ``FEATURES`` order up to "bibliography"
    (``rank`` adds the rest); ``marks`` is the unit's ``_marks``."""
    # What gives the unit its meaning: for a footnote the sentence calling it, else its list's lead-in.
    context_of = unit.note_of if unit.note_of is not None else unit.lead_in
    lead = evidence.units[context_of] if context_of is not None else None
    if lead is not None:
        context = evidence.vectors[unit.position] + 0.7 * evidence.vectors[lead.position]
        dense_context = max(dense, float(context @ vector) / max(float(np.linalg.norm(context)), 1e-6))
    else:
        dense_context = dense
    words, stems = _words_and_stems(unit.text)
    context_words = _words_and_stems(f"{unit.section or ''} {lead.text if lead else ''}")[0]
    focus = question.focus
    focus_share = (
        sum(1 for f in focus if f in words or stem(f) in stems or any(v in words for v in question.variants_of(f)))
        / len(focus) if focus else 0.0
    )
    heading = sum(1 for f in focus if f in context_words) / len(focus) if focus else 0.0
    code = document_code = code_subject = 0.0
    if question.codes:
        code = sum(1 for c in question.codes if unit.names_code(c) or (lead is not None and lead.names_code(c))) / len(question.codes)
        doc_codes = evidence.document_codes.get(unit.doc_id, frozenset())
        document_code = sum(1 for c in question.codes if c in doc_codes) / len(question.codes)
        # The unit is about the code (its table row, its definition), not one mentioning it in passing.
        code_subject = 1.0 if keyed_by(unit, question.codes) or any(defines(unit.text, c) for c in question.codes) else 0.0
    answer_type = 1.0 if has_answer_type(unit.text, question.expects) else 0.0
    named = other = 0.0
    if question.named_documents:
        named = 1.0 if unit.doc_id in question.named_documents else 0.0
        other = 1.0 - named
    payer = 0.0
    if question.payers:
        in_text = sum(1 for p in question.payers if p in payer_words and payer_words[p].search(unit.text))
        payer = max(in_text / len(question.payers), 1.0 if unit.doc_id in question.payer_documents else 0.0)
    return (
        dense,
        dense_context,
        lexical,
        focus_share,
        heading,
        code,
        document_code,
        code_subject,
        answer_type,
        named,
        other,
        payer,
        _numeric_fit(question.query, unit.text),
        1.0 if len(unit.text.split()) < 5 else 0.0,
        1.0 if unit.kind == "fact" else 0.0,
        marks[2],
    )


_COUNTED = re.compile(r"(?<![\w.])(\d{1,3})[- ]?([a-z]{3,})", re.I)
_AT_LEAST = re.compile(r"(?<![\w.])(\d{1,3})\s*(?:or more|\+|or greater)\s+([a-z]{3,})", re.I)
_AT_MOST = re.compile(r"(?<![\w.])(\d{1,3})\s*(?:or fewer|or less)\s+([a-z]{3,})", re.I)
_SPAN = re.compile(r"(?<![\w.])(\d{1,3})\s*(?:-|–|to|through)\s*(\d{1,3})\s+([a-z]{3,})", re.I)


def numeric_conflict(question: str, text: str) -> bool:
    """Whether ``text`` states a count of something that excludes the question's count of it:
    "5 or more muscles" for "3 muscles", "1-4 muscle(s)" for "6 muscles"."""
    asked = [(int(n), _noun(w)) for n, w in _COUNTED.findall(question)]
    if not asked:
        return False
    for n, noun in asked:
        for low, word in _AT_LEAST.findall(text):
            if _noun(word) == noun and n < int(low):
                return True
        for high, word in _AT_MOST.findall(text):
            if _noun(word) == noun and n > int(high):
                return True
        for low, high, word in _SPAN.findall(text):
            if _noun(word) == noun and not int(low) <= n <= int(high):
                return True
    return False


def _noun(word: str) -> str:
    """A counted noun's key: "muscles", "muscle" -> "muscl"."""
    return word.lower().rstrip("s").rstrip("e")


def _numeric_fit(question: str, text: str) -> float:
    """1.0 when a small number of the question falls in a range the unit states ("1-4 muscles"
    for "3 muscles") or the unit counts in the question's increments ("each additional 30")."""
    numbers = {int(n) for n in _QUESTION_NUMBER.findall(question)}
    if not numbers:
        return 0.0
    for low, high in _NUMBER_RANGE.findall(text):
        if int(low) < int(high) and any(int(low) <= n <= int(high) for n in numbers):
            return 1.0
    if any(int(step) in numbers or any(n > int(step) for n in numbers) for step in _EACH_ADDITIONAL.findall(text)):
        return 1.0
    return 0.0


@functools.lru_cache(maxsize=1 << 16)
def _marks(text: str, section: str) -> tuple[float, float, float]:
    """The question-independent marks of a unit (cached: units are ranked again and again):
    how much it reads as a study report (0, 0.5 or 1), whether it is a revision-history line
    (a change with a date), and whether it is a reference-list entry or sits in a references or
    history section."""
    literature = min(1.0, len(_LITERATURE.findall(text)) / 2)
    history = 1.0 if _CHANGE.search(text) and _HISTORY_DATE.search(text) else 0.0
    bibliography = 1.0 if _BIBLIOGRAPHY.search(text) or _HISTORY_SECTION.search(section) else 0.0
    return literature, history, bibliography


@functools.lru_cache(maxsize=1 << 16)
def _words_and_stems(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The lower-case words of ``text`` and their stems (cached: units are ranked again and again)."""
    words = frozenset(_WORD.findall(text.lower()))
    return words, frozenset(stem(w) for w in words)

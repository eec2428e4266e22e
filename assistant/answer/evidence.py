"""Evidence units: every sentence, table row and list item of every document, and every fact.

A unit carries what a reader needs to judge it: its exact span (the citation), its document's
title and publisher, its section, the lead-in line of the list it sits in, the billing codes it
names (code ranges such as ``99341-99342`` included) and its vector. The set is built once when an
index is loaded; nothing here is keyed to a document or a question.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass
from typing import Literal

import bm25s
import numpy as np
import numpy.typing as npt

from assistant.codes import SUBJECT_CODE_KINDS, find_codes
from assistant.store.hybrid import HybridIndex
from assistant.store.tokenize import tokenize

UnitKind = Literal["sentence", "item", "row", "fact"]
Vectors = npt.NDArray[np.float32]

# "99341-99342", "99341 – 99350", "99202 through 99205", "G0101 to G0104"
_RANGE = re.compile(r"(?<![\w.])([A-V]?\d{4,5})\s*(?:-|–|—|through|thru|to)\s*([A-V]?\d{4,5})(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class CodeRange:
    """An inclusive range of codes of one shape, e.g. 99341-99350 or G0101-G0104."""

    prefix: str
    low: int
    high: int

    def holds(self, code: str) -> bool:
        """Whether ``code`` (a bare value such as ``99345``) falls inside the range."""
        prefix, digits = (code[0].upper(), code[1:]) if code[:1].isalpha() else ("", code)
        return prefix == self.prefix and digits.isdigit() and self.low <= int(digits) <= self.high


def code_ranges(text: str) -> list[CodeRange]:
    """The code ranges ``text`` states (both ends of one shape, low end first, at most 1,000 wide)."""
    ranges = []
    for match in _RANGE.finditer(text):
        first, last = match.group(1).upper(), match.group(2).upper()
        p1, d1 = (first[0], first[1:]) if first[0].isalpha() else ("", first)
        p2, d2 = (last[0], last[1:]) if last[0].isalpha() else ("", last)
        if p1 == p2 and len(d1) == len(d2) and 0 < int(d2) - int(d1) <= 1000:
            ranges.append(CodeRange(p1, int(d1), int(d2)))
    return ranges


@dataclass(frozen=True)
class EvidenceUnit:
    """One quotable piece of evidence.

    ``text`` is what the unit says (a fact's statement, else the span's own words); ``start`` and
    ``end`` index the span it cites in ``documents[doc_id].text``. ``lead_in`` is the unit index of
    the line introducing the list it belongs to (None when it has none); ``note_of``, for a
    footnote, the unit index of the sentence whose marker calls it.
    """

    position: int
    kind: UnitKind
    doc_id: str
    start: int
    end: int
    text: str
    section: str | None
    lead_in: int | None
    codes: frozenset[str]
    ranges: tuple[CodeRange, ...]
    fact_id: str | None = None
    modifiers: frozenset[str] = frozenset()
    note_of: int | None = None

    def names_code(self, code: str) -> bool:
        """Whether the unit names ``code`` (a bare value) itself, inside a range it states or, for
        an ICD-10-CM category ("M97"), by a code under it ("M97.01XA")."""
        return code in self.codes or any(r.holds(code) for r in self.ranges) or any(category_of(c) == code for c in self.codes)


@functools.lru_cache(maxsize=1 << 14)  # rows are checked again and again while choosing
def first_cell_codes(text: str) -> frozenset[str]:
    """The code keys ("cpt:90839") a table row's first cell names ("CPT Code: +90839; ..."), empty
    for a row keyed by no code."""
    return frozenset(m.key for m in find_codes(text.split(";", 1)[0]))


def category_of(code: str) -> str | None:
    """The three-character ICD-10-CM category of ``code`` ("M97" for "M97.01XA", "C50" for
    "C50.911"), or None for a code of another shape."""
    category, dot, _ = code.partition(".")
    return category if dot and len(category) == 3 and category[0].isalpha() and category[1:].isdigit() else None

_HAS_WORD = re.compile(r"[^\W_]")
_DOT_LEADERS = re.compile(r"\.{5,}|(?:\. ){4,}\.|…{2,}")


class EvidenceSet:
    """All units of an index with their vectors and a BM25 index over their words.

    Vectors are the index's own sentence and fact vectors (no embedding happens here).
    """

    def __init__(self, index: HybridIndex) -> None:
        """Build the units of ``index``; costs one BM25 indexing pass over all units."""
        self.documents = index.documents
        units: list[EvidenceUnit] = []
        rows: list[Vectors] = []
        starts: dict[tuple[str, int, int], int] = {}
        for number, sentence in enumerate(index.sentences):
            document = index.documents[sentence.doc_id]
            if document.kind == "reference":
                continue  # a generated reference document's lines are its facts' spans: the facts are the units
            if document.is_flagged(sentence.start, sentence.end):
                continue  # a line addressing a model (assistant/ingest/injection.py) is never evidence
            text = document.text[sentence.start : sentence.end]
            if not _HAS_WORD.search(text):
                continue  # ":" left alone by the extractor says nothing
            lead_in = starts.get((sentence.doc_id, *sentence.lead_in)) if sentence.lead_in else None
            note_of = starts.get((sentence.doc_id, *sentence.note_of)) if sentence.note_of else None
            starts[(sentence.doc_id, sentence.start, sentence.end)] = len(units)
            units.append(
                _unit(len(units), sentence.kind, sentence.doc_id, sentence.start, sentence.end, text, sentence.section, lead_in, note_of=note_of)
            )
            rows.append(index.sentence_vectors[number])
        for number, fact in enumerate(index.facts):
            units.append(
                _unit(len(units), "fact", fact.doc_id, fact.start, fact.end, fact.statement, None, None, fact.fact_id)
            )
            rows.append(index.fact_vectors[number])
        self.units = units
        dimension = index.dimension
        self.vectors: Vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dimension), np.float32)
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokenize(self.lexical_text(u)) or [""] for u in units], show_progress=False)
        self.document_codes = {
            d.doc_id: frozenset(c for code in d.codes for c in _subject_codes(code)) for d in index.documents.values()
        }
        self._by_code: dict[str, list[int]] = {}
        self._ranged: list[tuple[CodeRange, int]] = []
        self._by_category: dict[str, list[int]] = {}  # ICD-10-CM category -> units naming a code under it
        for unit in units:
            for code in unit.codes:
                self._by_code.setdefault(code, []).append(unit.position)
                if category := category_of(code):
                    self._by_category.setdefault(category, []).append(unit.position)
            self._ranged += [(r, unit.position) for r in unit.ranges]
        self.known_codes = frozenset(self._by_code).union(*self.document_codes.values())
        self._starts: dict[str, list[tuple[int, int]]] = {}
        for unit in units:
            if unit.kind != "fact":
                self._starts.setdefault(unit.doc_id, []).append((unit.start, unit.position))
        self._fact_positions = {u.fact_id: u.position for u in units if u.fact_id}
        self.known_modifiers: frozenset[str] = frozenset().union(*(u.modifiers for u in units))
        self.document_modifiers: dict[str, frozenset[str]] = {}
        for unit in units:
            if unit.modifiers:
                self.document_modifiers[unit.doc_id] = self.document_modifiers.get(unit.doc_id, frozenset()) | unit.modifiers
        self.descriptive = _descriptive(units)
        self.references = _reference_lists(units)
        # A contents line ("4 HCPCS Code G2211 & Modifier 25 .......") names a part; it answers nothing.
        self.contents_lines = frozenset(u.position for u in units if _DOT_LEADERS.search(u.text))
        self.contents_and_references = self.contents_lines | self.references  # built once, not per question
        # Table rows keyed by a code in their first cell ("Code: 0991T; Description: ..."), with the
        # kinds of those codes, by document: the code tables a list question is answered from.
        self.code_rows: dict[str, list[tuple[EvidenceUnit, frozenset[str]]]] = {}
        for unit in units:
            if unit.kind == "row":
                kinds = frozenset(key.split(":", 1)[0] for key in first_cell_codes(unit.text))
                if kinds:
                    self.code_rows.setdefault(unit.doc_id, []).append((unit, kinds))

    def within(self, doc_id: str, start: int, end: int) -> list[int]:
        """Positions of the document units whose span starts inside ``[start, end)``."""
        starts = self._starts.get(doc_id, [])
        first = bisect.bisect_left(starts, (start, -1))
        return [position for begin, position in itertools.takewhile(lambda pair: pair[0] < end, starts[first:])]

    def fact_position(self, fact_id: str) -> int | None:
        """The position of a fact's unit."""
        return self._fact_positions.get(fact_id)

    def naming(self, code: str) -> list[int]:
        """Positions of the units naming ``code`` itself, inside a range they state or, for an
        ICD-10-CM category, by a code under it."""
        ranged = (p for r, p in self._ranged if r.holds(code))
        return sorted({*self._by_code.get(code, ()), *ranged, *self._by_category.get(code, ())})

    def lexical_text(self, unit: EvidenceUnit) -> str:
        """What BM25 indexes for a unit: its words after its section title, its lead-in and, for a
        footnote, the sentence calling it."""
        parts = [unit.section or "", *(self.units[p].text for p in (unit.lead_in, unit.note_of) if p is not None), unit.text]
        return " ".join(p for p in parts if p)

    def lexical_scores(self, query: str) -> npt.NDArray[np.float64]:
        """BM25 score of every unit for ``query`` (zeros when no query word is indexed)."""
        tokens = [t for t in tokenize(query) if t in self.bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self.units))
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float64)

    def quote(self, unit: EvidenceUnit) -> str:
        """The exact text the unit cites."""
        return self.documents[unit.doc_id].text[unit.start : unit.end]

    def following_items(self, unit: EvidenceUnit, limit: int, *, nested: bool = False) -> list[EvidenceUnit]:
        """The list items introduced by ``unit`` (a lead-in), in order, at most ``limit`` of them;
        with ``nested``, the items of lists nested under them too, each after its own lead-in
        (those count towards ``limit`` as well)."""
        items: list[EvidenceUnit] = []
        within: set[int] = set()  # the items and the units of lists nested under them
        for other in self.units[unit.position + 1 : unit.position + 1 + limit * 2]:
            if other.doc_id == unit.doc_id and other.lead_in in within:
                within.add(other.position)  # an item of a nested list: the list goes on after it
                if nested:
                    items.append(other)
                    if len(items) >= limit:
                        break
                continue
            if other.doc_id != unit.doc_id or other.lead_in != unit.position:
                if items:
                    break
                continue
            items.append(other)
            within.add(other.position)
            if len(items) >= limit:
                break
        return items


# A heading of a part that reviews evidence or describes a service (a policy's "Clinical Evidence",
# an LCD's "Summary of Evidence", "Background", "FDA", what a professional society recommends), and
# one of a part stating rules ("Coverage Rationale", "Indications", "Limitations", "Documentation
# Requirements", "Billing and Coding", "Utilization Guidelines", "Additional Clinical Rules").
_DESCRIPTIVE_HEADING = re.compile(
    r"\b(clinical evidence|evidence|background|description of (services?|procedures?)|literature|fda|food and drug|"
    r"professional societ\w*|clinical trials?|references|bibliography|"
    # a guideline's or a society's own part ("Clinical Practice Guidelines", "Endocrine Society")
    r"(clinical|practice) guidelines|societ(y|ies)|association|college|academy|institute|task force)\b",
    re.I,
)
_RULE_HEADING = re.compile(
    r"\b(coverage|criteria|indications?|limitations?|polic(y|ies)|billing|coding|documentation|requirements?|"
    r"guidance|reimbursement|payments?|instructions?|authori[zs]ation|codes?|definitions?|benefits?|revision history|policy history|"
    r"utilization|rules?)\b",
    re.I,
)


def _descriptive(units: list[EvidenceUnit]) -> frozenset[int]:
    """Positions of the units in a part of a document that reviews evidence or describes: from a
    descriptive heading until the next heading of rules (headings naming neither, such as a
    procedure's name under "Clinical Evidence", keep the part they are in; PDF headings are flat).
    In a document with a table of contents only a heading it lists ends the part: "Indications for
    Surgery" inside a society's guideline under "Clinical Evidence" is the society's, not a rule."""
    found: set[int] = set()
    contents = _contents(units)
    document, section, inside = None, None, False
    for unit in units:
        if unit.kind == "fact":
            continue
        if unit.doc_id != document:
            document, section, inside = unit.doc_id, None, False
        if unit.section != section:
            section = unit.section
            heading = (section or "").rsplit(" > ", 1)[-1]
            listed = document not in contents or _words(heading) <= contents[document]
            if _RULE_HEADING.search(heading) and listed:
                inside = False
            elif _DESCRIPTIVE_HEADING.search(section or ""):  # "Description of Services > Obesity"
                inside = True
        if inside:
            found.add(unit.position)
    return frozenset(found)


def _contents(units: list[EvidenceUnit]) -> dict[str, frozenset[str]]:
    """The words of each document's table of contents (the units under a heading "Table of
    Contents"), for the documents that have one."""
    words: dict[str, set[str]] = {}
    for unit in units:
        if unit.kind != "fact" and re.search(r"\btable of contents\b", unit.section or "", re.I):
            words.setdefault(unit.doc_id, set()).update(_words(unit.text))
    return {doc_id: frozenset(w) for doc_id, w in words.items()}


def _words(text: str) -> frozenset[str]:
    """The lower-case words of ``text`` (letters only)."""
    return frozenset(re.findall(r"[a-z]+", text.lower()))


# A line standing alone that names a reference list: a PDF often prints it as plain text, not a heading.
_REFERENCES_LINE = re.compile(r"^\W*(bibliography|references|reference list|works cited|sources of information|citations)\W*$", re.I)


def _reference_lists(units: list[EvidenceUnit]) -> frozenset[int]:
    """Positions of the entries of reference lists: the units of a section headed "References"
    or "Bibliography", or after such a line up to the end of its section ("9. Feeley, BT, ...
    Journal of ..."); true to the document, but no answer unless sources are asked about."""
    found: set[int] = set()
    document, section, inside = None, None, False
    for unit in units:
        if unit.kind == "fact":
            continue
        if (unit.doc_id, unit.section) != (document, section):
            document, section = unit.doc_id, unit.section
            inside = bool(_REFERENCES_LINE.match((section or "").rsplit(" > ", 1)[-1]))
        if _REFERENCES_LINE.match(unit.text):
            inside = True
        elif inside:
            found.add(unit.position)
    return frozenset(found)


def _subject_codes(text: str) -> set[str]:
    return {m.key.split(":", 1)[1] for m in find_codes(text) if m.key.split(":", 1)[0] in SUBJECT_CODE_KINDS}


def _unit(
    position: int,
    kind: UnitKind,
    doc_id: str,
    start: int,
    end: int,
    text: str,
    section: str | None,
    lead_in: int | None,
    fact_id: str | None = None,
    *,
    note_of: int | None = None,
) -> EvidenceUnit:
    found = find_codes(text)
    codes = frozenset(m.key.split(":", 1)[1] for m in found)
    modifiers = frozenset(m.key.split(":", 1)[1] for m in found if m.key.startswith("modifier:"))
    return EvidenceUnit(
        position, kind, doc_id, start, end, text, section, lead_in, codes, tuple(code_ranges(text)), fact_id, modifiers, note_of
    )

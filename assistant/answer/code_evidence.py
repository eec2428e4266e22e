"""What the evidence says about the billing codes a question names (the gather-evidence stage).

Whether a unit concerns the asked code, names it nearby, names only other codes of its kind, or
is part of a list of codes that leaves it out ("code C56.1 is not among the codes listed there").
"""

from __future__ import annotations

import functools
import re

from assistant.answer.evidence import CodeRange, EvidenceSet, EvidenceUnit, code_ranges
from assistant.answer.question import Question
from assistant.answer.rank import Scored
from assistant.codes import SUBJECT_CODE_KINDS, find_codes


def carries(unit: EvidenceUnit, question: Question, evidence: EvidenceSet, payer_words: dict[str, re.Pattern[str]]) -> bool:
    """Whether ``unit`` (with its lead-in and document) concerns the question's codes and payers."""
    lead = evidence.units[unit.lead_in] if unit.lead_in is not None else None
    if question.codes:
        doc_codes = evidence.document_codes.get(unit.doc_id, frozenset())
        if not any(
            unit.names_code(c) or c in doc_codes or (lead and lead.names_code(c)) or under_heading(unit, c) for c in question.codes
        ):
            return False
    for payer in question.payers:
        pattern = payer_words.get(payer)
        in_text = bool(pattern and (pattern.search(unit.text) or (lead and pattern.search(lead.text))))
        if not in_text and unit.doc_id not in question.payer_documents:
            return False
    return True


_LOOK_BACK = 3  # sentences before a unit that may name the code it goes on about


def concerns(unit: EvidenceUnit, codes: tuple[str, ...], evidence: EvidenceSet) -> bool:
    """Whether ``unit`` is about one of ``codes`` itself: it, its lead-in or a sentence just before
    it names one, or a heading of its section does (not only its document's code list)."""
    return names_any(unit, codes, evidence) or any(under_heading(unit, c) for c in codes)


def under_heading(unit: EvidenceUnit, code: str) -> bool:
    """Whether a heading of ``unit``'s section path names ``code`` (ranges count): every line under
    "Hospital Outpatient Clinic Visits > HCPCS Code G0463" is about G0463."""
    codes, ranges = _heading_codes(unit.section or "")
    return code in codes or any(r.holds(code) for r in ranges)


@functools.lru_cache(maxsize=1 << 12)
def _heading_codes(section: str) -> tuple[frozenset[str], tuple[CodeRange, ...]]:
    """The codes and code ranges a section path names (cached: a section holds many units)."""
    return frozenset(m.key.split(":", 1)[1] for m in find_codes(section)), tuple(code_ranges(section))


def names_any(unit: EvidenceUnit, codes: tuple[str, ...], evidence: EvidenceSet) -> bool:
    """Whether ``unit``, its lead-in or one of the few sentences before it in its section names
    one of ``codes`` (ranges count): "Report CPT 64615 once per session. Bill the drug with J0585 ..."."""
    around = [unit]
    if unit.lead_in is not None:
        around.append(evidence.units[unit.lead_in])
    for position in range(unit.position - 1, max(unit.position - 1 - _LOOK_BACK, -1), -1):
        before = evidence.units[position]
        if unit.kind == "fact" or before.doc_id != unit.doc_id or before.section != unit.section:
            break
        around.append(before)
    return any(u.names_code(c) for u in around for c in codes)


def listing_without(
    ranked: list[Scored], question: Question, evidence: EvidenceSet, limit: int
) -> tuple[list[Scored], tuple[str, ...]]:
    """The code table of one kind of the asked codes (CPT, ICD-10-CM, ...) in the document the
    question names (or its payer's), when that document names none of the asked codes of that
    kind (see ``code_table``), with those codes; else ``([], ())``."""
    scope = question.named_documents or question.payer_documents
    if not scope or question.expects in ("money", "number", "date", "contact"):
        return [], ()  # a list of codes says nothing of a fee, a count, a date or a phone number
    by_kind: dict[str, list[str]] = {}
    for entity in question.entities:
        kind, _, code = entity.key.partition(":")
        if kind in SUBJECT_CODE_KINDS and code in question.codes and code not in by_kind.get(kind, []):
            by_kind.setdefault(kind, []).append(code)
    for kind, codes in sorted(by_kind.items()):
        if any(evidence.units[p].doc_id in scope for code in codes for p in evidence.naming(code)):
            continue
        table = code_table(ranked, evidence, scope, {kind}, (), limit)
        if table:
            return table, tuple(codes)
    return [], ()


def code_table(
    ranked: list[Scored], evidence: EvidenceSet, scope: frozenset[str], kinds: set[str], terms: tuple[str, ...], limit: int
) -> list[Scored]:
    """The rows of one table keyed by codes of ``kinds`` in the ``scope`` documents, in document
    order, at most ``limit``: the table of the best-ranked such row (the first in the documents when
    none is ranked). With ``terms``, only rows whose text or section holds one of them count.
    Rows not among the candidates take the best candidate's score."""
    # A contractor row's number ("Contract Number: 04111") is no CPT code: only first cells count.
    rows = [
        u for doc_id in sorted(scope) for u, row_kinds in evidence.code_rows.get(doc_id, [])
        if row_kinds & kinds and (not terms or any(t in f"{u.section or ''} {u.text}".lower() for t in terms))
    ]
    if not rows:
        return []
    scored = {s.unit.position: s for s in ranked}
    best = min(rows, key=lambda u: (u.position not in scored, -scored[u.position].score if u.position in scored else 0.0, u.position))
    score = ranked[0].score if ranked else 0.0
    same = [u for u in rows if u.doc_id == best.doc_id and u.section == best.section]
    return [scored.get(u.position) or Scored(u, (), score) for u in same[:limit]]


def names_others(unit: EvidenceUnit, question: Question, evidence: EvidenceSet) -> bool:
    """Whether ``unit`` (with its lead-in and section headings) names codes of the kind the
    question asks about (CPT, HCPCS, ...), none of them the asked one (ranges count)."""
    lead = evidence.units[unit.lead_in] if unit.lead_in is not None else None
    if any(unit.names_code(c) or (lead is not None and lead.names_code(c)) or under_heading(unit, c) for c in question.codes):
        return False
    kinds = {k for e in question.entities for k, v in [e.key.split(":", 1)] if v in question.codes}
    text = unit.text if lead is None else f"{lead.text} {unit.text}"
    if kinds & _code_kinds(unit.section or ""):
        return True  # a line under "HCPCS Code G9997" speaks of G9997, not of the G9998 asked
    # A drug's HCPCS code beside a CPT procedure is no other procedure: kinds are compared as they are.
    return bool(kinds & _code_kinds(text)) or bool(unit.ranges)


@functools.lru_cache(maxsize=1 << 14)
def _code_kinds(text: str) -> frozenset[str]:
    """The kinds of code ``text`` names ("cpt", "hcpcs", ...); cached, for the units checked again and again."""
    return frozenset(m.key.split(":", 1)[0] for m in find_codes(text))


def code_label(code: str) -> str:
    """How an answer names a bare code: "code 64615"."""
    return f"code {code}"

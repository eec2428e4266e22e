"""Billing-code shapes and their normalisation, shared by the tokenizer and entity recognition.

Codes are tokens, not words: ``64642``, ``G35.A``, ``J0585``, modifier ``59`` and ``POS 11`` must
survive tokenizing and matching intact. Each match becomes a key such as ``cpt:64642``,
``icd:G35.A``, ``hcpcs:J0585``, ``modifier:59``, ``pos:11`` or ``nucc:208100000X``. CPT has three
shapes: Category I is five digits (``64642``), Category II four digits and ``F`` (``1234F``,
performance measures) and Category III four digits and ``T`` (``0999T``, emerging technology); all
three are ``cpt:`` keys, the letter upper-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "cpt64642", "CPT#64642", "cpt code 64642" -> the bare code is matched by CPT_RE afterwards.
_CPT_PREFIX_RE = re.compile(r"(?i)\bcpt(?:\s*code)?\s*#?\s*(?=(?:\d{5}|\d{4}[FT])\b)")
# A bare CPT code (Category I "64642", II "1234F", III "0999T"), or one glued to "cpt" as hurried
# people type it ("cpt64642", "cpt0999t").
CPT_RE = re.compile(r"(?:(?<=[cC][pP][tT])|(?<![\w.-]))(\d{5}|\d{4}[FTft])(?![\w])")
HCPCS_RE = re.compile(r"(?i)(?<![\w.])([A-V]\d{4})(?![\w])")
ICD_RE = re.compile(r"(?i)(?<![\w.])([A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?![\w])")
NUCC_RE = re.compile(r"(?i)(?<![\w])(\d{3}[0-9A-Z]{6}X)(?![\w])")
# A modifier in a list: two digits or two capitals ("25", "GA", "Q0"); how list items are joined.
_MOD = r"\d{2}|[A-Z][A-Z0-9]"
_AND = r"(?:and|or|,|/|&|vs\.?|versus)"
MODIFIER_RES = (
    # "modifier 59", "mod 59", "mod. 59", "modifier\n50(Bilateral", "modifiers 59"
    # Letter modifiers must be upper case (or a known one), so "modes" is not modifier ES.
    re.compile(
        r"(?i:\bmod(?:ifier)?s?\.?)\s*-?\s*(\d{2}|[A-Z]{2}|(?i:x[espu]|lt|rt|j[wz]))(?![0-9A-Za-z])"
    ),
    # "59 modifier", "XS modifier"
    re.compile(r"(?i)(?<![\w-])(\d{2}|X[ESPU]|LT|RT)[\s-]+modifier\b"),
    # "64642-59", "64642 -59", "0213T-50", "-59" standing alone
    re.compile(r"(?i)(?:(?<=\d{5})|(?<=\d{4}[FT])|(?<![\w-]))\s?-(\d{2}|X[ESPU]|LT|RT)(?![\w])"),
    # A number listed with a letter modifier is one too: "59 and XU", "XS or 59", "59/XE".
    re.compile(r"(?i)(?<![\w.-])(\d{2})(?=\s*(?:and|or|,|/|&|vs\.?|versus)\s*(?:X[ESPU]|LT|RT)(?![\w]))"),
    re.compile(r"(?i)(?<![\w-])(?:X[ESPU]|LT|RT)\s*(?:and|or|,|/|&|vs\.?|versus)\s*(\d{2})(?![\w.])"),
)
# Modifiers in capitals named as such, alone or listed ("GA or GZ modifier", "mod 95 or GT", "modifiers
# 59, XU"); each match's group is the modifier, its span the modifier alone.
_LISTED_MODIFIER_RES = (
    re.compile(rf"(?<![\w-])({_MOD})(?=(?:\s*{_AND}\s*(?:{_MOD}))+[\s-]+(?i:modifiers?)\b)"),
    re.compile(rf"(?<![\w-])({_MOD})[\s-]+(?i:modifiers?)\b"),
    # the rest of a list after "modifiers 59": ", XU and XS"
    re.compile(rf"(?i:\bmod(?:ifier)?s?\.?)\s*-?\s*(?:{_MOD})((?:\s*{_AND}\s*(?:{_MOD})(?![0-9A-Za-z]))+)"),
)
_LIST_ITEM = re.compile(rf"(?<![0-9A-Za-z])({_MOD})(?![0-9A-Za-z])")
# Capitals that are words or titles in billing talk, not modifiers ("OR modifier", "the PA modifier").
_NOT_MODIFIERS = frozenset({"OR", "AND", "MD", "DO", "NP", "PA", "RN", "ER", "ED", "IV", "ID", "NO", "IN", "ON", "TO", "IS", "IT", "IF", "OF", "AT", "BY", "AN", "AS", "BE", "US"})
POS_RE = re.compile(r"(?i)\b(?:POS|place\s+of\s+service)\s*(?:code\s*)?#?\s*(\d{2})(?!\d)")

CODE_KINDS = frozenset({"cpt", "hcpcs", "icd", "nucc", "modifier", "pos"})
"""Every kind of billing code this module recognises."""
SUBJECT_CODE_KINDS = frozenset({"cpt", "hcpcs", "icd", "nucc"})
"""Code kinds that name what a document or question is about (not how it is billed: modifier, POS)."""


@dataclass(frozen=True)
class CodeMatch:
    """One code found in text: its normalised key and where it stood."""

    key: str
    start: int
    end: int


def normalize_code_text(text: str) -> str:
    """Rewrite glued or prefixed code spellings into plain ones ("cpt64642" -> "64642")."""
    return _CPT_PREFIX_RE.sub("", text)


# A number its label gives another meaning: "CR 10080" (a change request), "Contract Number: 07301",
# "TN 716", "ZIP 10001", "NPI", "P.O. Box 12345".
_OTHER_NUMBER = re.compile(
    r"\b(?:CR|TN|transmittal|change request|contract(?: (?:number|no\.?|#))?|zip(?: code)?|npi|tax id|ein|"
    r"p\.? ?o\.? box|suite|ste\.?|ext\.?|fax|phone|tel\.?|claim (?:number|no\.?|#)|member id)"
    r"\s*(?:number|no\.?|#)?\s*[:#]?\s*(?:\d{4,5}\s*(?:,|and|&)\s*)*$",
    re.IGNORECASE,
)


# An issue or page number of a journal citation: "Lancet. 2022;400(10350):441", "96(50):e8924".
_CITATION_PLACE = re.compile(r"\d\($|\d\)?:$")


def find_codes(text: str) -> list[CodeMatch]:
    """Every billing code in ``text`` as normalised keys, in order of appearance, overlaps removed."""
    found: list[CodeMatch] = []
    for match in MODIFIER_RES[0].finditer(text):
        found.append(CodeMatch(f"modifier:{match.group(1).upper()}", match.start(), match.end()))
    for regex in MODIFIER_RES[1:]:
        for match in regex.finditer(text):
            found.append(CodeMatch(f"modifier:{match.group(1).upper()}", match.start(), match.end()))
    for regex in _LISTED_MODIFIER_RES[:2]:
        for match in regex.finditer(text):
            if match.group(1) not in _NOT_MODIFIERS:
                found.append(CodeMatch(f"modifier:{match.group(1)}", match.start(1), match.end(1)))
    for match in _LISTED_MODIFIER_RES[2].finditer(text):
        for item in _LIST_ITEM.finditer(text, match.start(1), match.end(1)):
            if item.group(1) not in _NOT_MODIFIERS:
                found.append(CodeMatch(f"modifier:{item.group(1)}", item.start(1), item.end(1)))
    for match in POS_RE.finditer(text):
        found.append(CodeMatch(f"pos:{match.group(1)}", match.start(), match.end()))
    for match in NUCC_RE.finditer(text):
        found.append(CodeMatch(f"nucc:{match.group(1).upper()}", match.start(), match.end()))
    for kind, regex in (("cpt", CPT_RE), ("hcpcs", HCPCS_RE)):
        for match in regex.finditer(text):
            before = text[max(0, match.start(1) - 40) : match.start(1)]
            if not _OTHER_NUMBER.search(before) and not _CITATION_PLACE.search(before):
                found.append(CodeMatch(f"{kind}:{match.group(1).upper()}", match.start(1), match.end(1)))
    for match in ICD_RE.finditer(text):
        code = match.group(1).upper()
        if code[0] == "X" and code[1:].isdigit():
            continue  # "x10 wks", "99292 x2": a count, not the ICD-10-CM category X10
        if "." in code or code[1:].isdigit():
            found.append(CodeMatch(f"icd:{code}", match.start(1), match.end(1)))
    return _drop_overlaps(found)


def _drop_overlaps(matches: list[CodeMatch]) -> list[CodeMatch]:
    """Keep the earliest, then longest, match of each overlapping group (modifiers win ties)."""
    kept: list[CodeMatch] = []
    for match in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and match.start < kept[-1].end:
            continue
        kept.append(match)
    return kept


def code_keys(text: str) -> set[str]:
    """The set of normalised code keys in ``text``."""
    return {match.key for match in find_codes(text)}


def code_value(key: str) -> str:
    """The code part of a key: ``"modifier:59"`` -> ``"59"``."""
    return key.split(":", 1)[1]

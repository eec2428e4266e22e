"""The names that single out a loaded document: its publisher, the publisher's distinctive words
and initials, and the identifiers its title gives; each as a pattern a question may name it by."""

from __future__ import annotations

import re

from wordfreq import zipf_frequency

from assistant.codes import find_codes

# Publisher words rarer than this in English single a publisher out ("Novitas", not "Services").
_DISTINCTIVE_ZIPF = 3.0

NamePattern = tuple[re.Pattern[str], str, frozenset[str]]  # (pattern, lower-case name, document ids)


def name_patterns(by_name: dict[str, set[str]], anonymous: list[tuple[str, str]]) -> list[NamePattern]:
    """One ``(pattern, name, doc_ids)`` per name of ``by_name`` (lower-case name -> ids of the
    documents it names), longest name first.

    A document of ``anonymous`` (``(doc_id, opening text)``: no publisher given) is named by the
    names its title or opening lines give ("Example Health Plan prior authorization note"): nothing
    says it is someone else's. Initials may be typed with a state or region after them ("BCBST" as
    "BCBSTX").
    """
    for name, ids in by_name.items():
        pattern = re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, name.split())) + r"(?![\w])", re.IGNORECASE)
        ids |= {doc_id for doc_id, opening in anonymous if pattern.search(opening)}
    patterns: list[NamePattern] = []
    for name, ids in sorted(by_name.items(), key=lambda kv: -len(kv[0])):
        tail = r"[A-Za-z]{0,2}" if " " not in name and len(name) >= 4 else ""
        pattern = re.compile(r"(?<![\w])" + r"\s+".join(map(re.escape, name.split())) + tail + r"(?![\w])", re.IGNORECASE)
        patterns.append((pattern, name, frozenset(ids)))
    return patterns


# Words an organisation's name may end with that name no one in particular.
_GENERIC_ENDINGS = frozenset(
    "health healthcare medicare medicaid service services solutions insurance plan plans inc llc company "
    "corporation corp options administrators group network pharmacy".split()
)


def _generic(word: str) -> bool:
    """Whether ``word`` is one an organisation's name may end with ("Services", "Inc.")."""
    return word.lower().rstrip(".,") in _GENERIC_ENDINGS


def source_names(title: str, publisher: str) -> set[str]:
    """The names that single out a document: its publisher (without remarks in parentheses), the
    publisher's distinctive words ("Novitas", "CMS") and initials ("NGS"), and the identifiers its
    title gives in parentheses ("L36007")."""
    names: set[str] = set()
    plain = re.sub(r"\s*\([^)]*\)", "", publisher).strip()
    if plain and plain.lower() != "unknown":
        names.add(plain)
        words = plain.split()
        for word in words:
            if (word.isupper() and len(word) >= 2) or (len(word) >= 4 and zipf_frequency(word.lower(), "en") < _DISTINCTIVE_ZIPF):
                names.add(word)
        initials = "".join(w[0] for w in words if w[:1].isupper())
        if len(words) > 1 and len(initials) >= 3:
            names.add(initials)
        # "Quarry Glen" for "Quarry Glen Medicare Services", "First Coast" for "First Coast Service
        # Options": the name before words any organisation may end with, when two words or more remain.
        stem = words[:]
        while len(stem) > 2 and _generic(stem[-1]):
            stem.pop()
        if "," not in plain and len(stem) < len(words) and not _generic(stem[-1]):
            names.add(" ".join(stem))
    for ident in re.findall(r"\(([A-Z0-9][A-Z0-9 .-]{3,})\)", title):
        if any(ch.isdigit() for ch in ident) and not find_codes(ident):  # "(CPT 64615)" names a code, not the document
            names.add(ident.strip())
    return {n for n in names if len(n) >= 2}

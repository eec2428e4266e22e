"""Which code system a "which code" question asks for (question analysis, the understand stage)."""

from __future__ import annotations

import re

from assistant.answer.shorthand import without_glosses

_CODE_ASKED = re.compile(
    r"\b(?:which|what)(?:'?s|\s+is|\s+are)?\s+((?:[\w+-]+\s+){0,3}?(?:codes?\b|(?:cpt|hcpcs)\b(?=\s+(?:codes?\s+)?(?:for|to)\b|\s*(?:[?.!]|$))))"
    # "cpt for the initial scalp cooling visit?": the system first, then what it is for
    r"|^\W*((?:cpt|hcpcs|icd(?:-?10)?(?:-?cm)?))(?:\s+codes?)?\s+for\b"
    # "what ICD-10 do we put ...": the system named alone, then what is done with it
    r"|\b(?:which|what)\s+((?:cpt|hcpcs|icd(?:-?10)?(?:-?cm)?|dx|diagnosis))\s+(?:do|does|did|should|would|can|could|goes?|to|is|are)\b",
    re.I,
)
_SYSTEMS = (
    ("revenue", re.compile(r"\brevenue\b", re.I)),
    ("nucc", re.compile(r"\b(nucc|taxonomy)\b", re.I)),
    ("icd", re.compile(r"\b(icd(-?10)?(-?cm)?|diagnos\w*|dx)\b", re.I)),
    ("hcpcs", re.compile(r"\b(hcpcs|j-?codes?|drug)\b", re.I)),
    ("cpt", re.compile(r"\b(cpt|procedure)\b", re.I)),
)


def asked_code_system(question: str) -> str | None:
    """The code system a "which code" question names ("which ICD-10 codes ..." -> "icd"), if any."""
    match = _CODE_ASKED.search(without_glosses(question))
    if not match:
        return None
    asked = match.group(1) or match.group(2) or match.group(3)
    return next((kind for kind, pattern in _SYSTEMS if pattern.search(asked)), None)

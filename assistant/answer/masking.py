"""Mask the subject codes of a question for the sentence embedding model."""

from __future__ import annotations

import re

from assistant.answer.entities import Entity
from assistant.codes import SUBJECT_CODE_KINDS

_CODE_PREFIX = re.compile(r"(?i)\b(?:cpt|hcpcs|icd(?:-?10(?:-cm)?)?)(?:\s*code)?\s*#?\s*$")
_MASKS = {"cpt": "it", "hcpcs": "this drug", "icd": "this diagnosis", "nucc": "this provider type"}


def mask_codes(text: str, entities: list[Entity]) -> str:
    """``text`` with subject codes and their prefix replaced by a word for their kind.

    "Is CPT 64642 covered by Aetna?" -> "Is it covered by Aetna?": the kind of code says something
    about the question to a sentence embedding model, its number does not (BM25 and the code
    features match numbers exactly).
    """
    for entity in sorted(entities, key=lambda e: -e.start):
        if entity.kind in SUBJECT_CODE_KINDS:
            prefix = _CODE_PREFIX.search(text[: entity.start])
            start = prefix.start() if prefix else entity.start
            text = text[:start] + _MASKS[entity.kind] + text[entity.end :]
    return text

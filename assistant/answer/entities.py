"""Find the entities a text names: billing codes by shape, payers and concepts by vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.phrasebook import VocabularyEntry
from assistant.codes import CODE_KINDS, SUBJECT_CODE_KINDS, find_codes

__all__ = ["CODE_KINDS", "EVIDENCE_KINDS", "SUBJECT_CODE_KINDS", "Entity", "EntityRecognizer"]
# Kinds that every claim sentence must find in its own evidence (the code-in-evidence rule).
EVIDENCE_KINDS = CODE_KINDS | {"payer"}


@dataclass(frozen=True)
class Entity:
    """An entity occurrence: its key (``kind:value``), display label and where it stood."""

    key: str
    label: str
    start: int
    end: int

    @property
    def kind(self) -> str:
        """The part of the key before the colon: ``payer``, ``cpt``, ``modifier`` ..."""
        return self.key.split(":", 1)[0]


class EntityRecognizer:
    """Recognises codes by their shape and vocabulary entries by any alias, whole words only."""

    def __init__(self, vocabulary: dict[str, dict[str, VocabularyEntry]]) -> None:
        """Compile one pattern over every alias; longer aliases win over their prefixes."""
        self._by_alias: dict[str, tuple[str, str]] = {}
        for kind, entries in vocabulary.items():
            for value, entry in entries.items():
                for alias in entry.aliases:
                    self._by_alias[_fold(alias)] = (f"{kind}:{value}", entry.label)
        self.labels = {key: label for key, label in self._by_alias.values()}
        aliases = sorted(self._by_alias, key=len, reverse=True)
        body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in aliases) or r"(?!x)x"
        self._pattern = re.compile(rf"(?<![\w&])({body})(?![\w&])", re.IGNORECASE)

    def find(self, text: str) -> list[Entity]:
        """Entities in ``text`` in order of appearance (codes first where spans overlap)."""
        found = [Entity(m.key, _code_label(m.key), m.start, m.end) for m in find_codes(text)]
        taken = [(e.start, e.end) for e in found]
        for match in self._pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            key, label = self._by_alias[_fold(match.group(1))]
            found.append(Entity(key, label, match.start(), match.end()))
        return sorted(found, key=lambda e: e.start)

    def keys(self, text: str, kinds: frozenset[str] | None = None) -> set[str]:
        """The set of entity keys in ``text``, optionally only of the given kinds."""
        return {e.key for e in self.find(text) if kinds is None or e.kind in kinds}

    def label(self, key: str) -> str:
        """How to show an entity key to a person."""
        return self.labels.get(key) or _code_label(key)


def _fold(alias: str) -> str:
    return " ".join(alias.lower().split())


def _code_label(key: str) -> str:
    kind, value = key.split(":", 1)
    prefix = {"cpt": "CPT ", "hcpcs": "HCPCS ", "icd": "ICD-10-CM ", "modifier": "modifier ", "pos": "POS "}
    return f"{prefix.get(kind, '')}{value}"

"""Drug names in a question, with the other names of the same drug that the loaded documents use.

Staff write a brand ("Wellbutrin", "Zoloft") where a policy lists the generic ("bupropion",
"sertraline"), or the reverse. The names come from a named general source: the
drug-named-entity-recognition package (Fast Data Science, MIT licence; DrugBank, NHS, MeSH,
MedlinePlus and Wikipedia names), read offline from the dictionary it ships. The loaded documents'
own "Brand (generic)" pairs are read by ``question.QuestionReader``. A name is kept only where the
documents use it, so a question's search words grow by the names the evidence can hold; a drug
none of whose names any document uses is reported as absent, so the answer can abstain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from wordfreq import zipf_frequency

# A name word at least this common in English is an everyday word ("patch", "type", "oral"),
# not a drug's name, and is never added to a question.
_EVERYDAY_ZIPF = 3.0
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
# Keys of a single drug's entry; an entry without any of them is a MeSH class ("Indicators and
# Reagents", "Antidepressive Agents"), whose names are ordinary words.
_SINGLE_DRUG_KEYS = ("drugbank_id", "medline_plus_id", "nhs_url")


class _Finder(Protocol):
    def __call__(self, tokens: list[str], *, is_ignore_case: bool) -> list[tuple[dict[str, Any], int, int]]: ...


@dataclass(frozen=True)
class DrugMention:
    """A drug a question names: as written, its canonical name, and its names (lower case, single
    words) that the loaded documents use (empty when none does)."""

    written: str
    name: str
    in_sources: tuple[str, ...]


@cache
def _finder() -> _Finder:
    """The package's ``find_drugs`` (its import reads its dictionary once, about 1.5 s).

    Exact matching only: the n-gram index the package builds for fuzzy matching (about 190 MB of
    the 340 MB its import takes, measured with VmRSS) is never used here, so it is emptied."""
    from drug_named_entity_recognition import drugs_finder

    for index in ("ngram_to_variant", "variant_to_ngrams"):
        getattr(drugs_finder, index, {}).clear()
    return drugs_finder.find_drugs  # type: ignore[no-any-return]


class DrugNames:
    """Finds drugs in questions and maps them onto the names the loaded documents use."""

    def __init__(self, vocabulary: frozenset[str]) -> None:
        """``vocabulary``: every word of the loaded documents, lower case (``terms.corpus_vocabulary``).
        Reads the package's dictionary now (once per process), not on the first question."""
        self.vocabulary = vocabulary
        _finder()

    def mentions(self, question: str) -> list[DrugMention]:
        """The single drugs ``question`` names (drug classes such as "antidepressant" are not drugs
        here: their names are ordinary words the ranker already matches)."""
        tokens = _TOKEN.findall(question)
        if not tokens:
            return []
        found: dict[str, DrugMention] = {}
        for data, start, end in _finder()(tokens, is_ignore_case=True):
            if not any(data.get(key) for key in _SINGLE_DRUG_KEYS):
                continue
            written = str(data.get("matching_string") or " ".join(tokens[start:end]))
            names = {str(data.get("name", "")), *map(str, data.get("synonyms", ()))}
            words = {w.lower() for n in names for w in re.split(r"[\s/]+", n) if w}
            in_sources = sorted(w for w in words if w in self.vocabulary and zipf_frequency(w, "en") < _EVERYDAY_ZIPF)
            found.setdefault(written.lower(), DrugMention(written, str(data.get("name", written)), tuple(in_sources)))
        return list(found.values())

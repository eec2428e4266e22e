"""Spell out an acronym a question types by the capitalised name the loaded documents write.

Staff type "LMFT" and "LPC" where a policy lists "Licensed Marriage Family Therapist" and
"Licensed Professional Counselor" without ever abbreviating them; nothing but the initials joins
the two. A document phrase of two to six capitalised words (with "and", "of", "&", "for", "the"
between them not counted) whose initials spell the acronym is taken as its expansion, only for an
acronym the documents never write themselves (then it means what they mean by it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Two to six capitalised words, small joining words allowed between them:
# "Licensed Marriage and Family Therapist", "Obstructive Sleep Apnea".
_PHRASE = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:(?:and|of|&|for|the) )?[A-Z][a-z]+){1,5}\b")
_JOINING = frozenset({"and", "of", "&", "for", "the"})
_MIN_LETTERS = 3  # "AD", "PA": two letters spell too many names
_MAX_PHRASES = 3  # initials more phrases spell than this say nothing


def initials(phrase: str) -> str:
    """The lower-case initials of ``phrase``'s words other than joining words:
    "Licensed Marriage and Family Therapist" -> "lmft"."""
    return "".join(w[0] for w in re.split(r"[ -]", phrase) if w and w.lower() not in _JOINING).lower()


def expansions(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Every acronym (lower case, at least three letters) that capitalised phrases of ``texts``
    spell, with those phrases (lower case). Cost: one regex pass over each text."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for match in _PHRASE.finditer(text):
            words = match.group(0).split()
            # Every run of two or more words inside the phrase: "Independently Licensed Marriage
            # Family Therapist" also holds "Licensed Marriage Family Therapist".
            for first in range(len(words) - 1):
                if words[first].lower() in _JOINING:
                    continue
                for last in range(first + 2, len(words) + 1):
                    if words[last - 1].lower() in _JOINING:
                        continue
                    phrase = " ".join(words[first:last])
                    letters = initials(phrase)
                    if len(letters) >= _MIN_LETTERS:
                        found.setdefault(letters, set()).add(phrase.lower())
    return {k: frozenset(v) for k, v in found.items()}


def spelled_out(
    question: str, known: dict[str, frozenset[str]], vocabulary: frozenset[str]
) -> dict[str, frozenset[str]]:
    """The acronyms typed in capitals in ``question`` that the documents never write
    (not in ``vocabulary``), each with the words of the phrases ``known`` spells it by."""
    out: dict[str, frozenset[str]] = {}
    for typed in re.findall(r"(?<![\w])([A-Z]{3,6})s?(?![\w])", question):
        key = typed.lower()
        if key in vocabulary or key not in known or len(known[key]) > _MAX_PHRASES:
            continue
        out[key] = frozenset(w for phrase in known[key] for w in phrase.split() if w not in _JOINING)
    return out

"""Spell out billing-desk shorthand in a question ("dx codes" -> "dx (diagnosis) codes")."""

from __future__ import annotations

import re


class Shorthand:
    """Abbreviations and what they stand for; the original word is kept, its expansion follows it."""

    def __init__(self, expansions: dict[str, str], case_sensitive: dict[str, str]) -> None:
        """``expansions`` match in any case; ``case_sensitive`` only as written ("PA", not "pa")."""
        self._folded = {k.lower(): v for k, v in expansions.items()}
        self._case_sensitive = dict(case_sensitive)
        self._any_case = _pattern(expansions, re.IGNORECASE)
        self._exact_case = _pattern(case_sensitive, 0)

    @property
    def words(self) -> frozenset[str]:
        """Every abbreviation, lower-cased."""
        return frozenset([*self._folded, *(k.lower() for k in self._case_sensitive)])

    def expand(self, text: str) -> str:
        """``text`` with each abbreviation followed by its expansion in parentheses."""
        text = self._any_case.sub(lambda m: f"{m.group(0)} ({self._folded[m.group(0).lower()]})", text)
        return self._exact_case.sub(lambda m: f"{m.group(0)} ({self._case_sensitive[m.group(0)]})", text)


def _pattern(words: dict[str, str], flags: int) -> re.Pattern[str]:
    """Whole-word alternation of ``words``, longest first; never matches when there are none."""
    if not words:
        return re.compile(r"(?!x)x")
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w/-])(?:{body})(?![\w/-])", flags)


# A word's spelled-out shorthand or respelling in parentheses ("dx (diagnosis)", "modifier (modifer)").
_GLOSS = re.compile(r"(?<=\w) \([A-Za-z][A-Za-z -]{0,40}\)")


def without_glosses(text: str) -> str:
    """``text`` without the words in parentheses after a word ("dx (diagnosis)" -> "dx"), so the
    patterns that read what is asked see the question as typed: "which ICD-10 dx (diagnosis) code"
    still asks for a code."""
    return _GLOSS.sub("", text)

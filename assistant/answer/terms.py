"""Find the rare terms a question names that no source mentions (a drug such as prabotulinumtoxinA).

A question about a drug, condition or product the sources never name must abstain, not answer
about its nearest neighbour. A term counts as unknown when it is rare in English (so it names
something rather than being an everyday word the sources happen not to use), absent from the
corpus, and not a misspelling of a corpus word. A capitalised word inside a sentence is left
alone where it reads as a person's name (after "pt", "Dr", ... or beside another capitalised
word: "Pt Wennerstrom-Achebe", "Ana Quillfeather"), which the answer should not repeat; alone it is
checked, as brands are written ("PA criteria for Auvelity?").
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import top_n_list, zipf_frequency

# Words rarer than this (Zipf scale: 1 is once per 100 million words) name things, not ideas.
RARE_ZIPF = 1.5
# A word one typing slip (a letter missing, extra, wrong or swapped) from a corpus word misspells it.
_SPELLING_EDITS = 1
_MIN_LENGTH = 6
# A misspelling is seldom written: rarer than this in English (Zipf 3: once per million words).
_TYPO_ZIPF = 3.0
_WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")
_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Vocabulary:
    """The corpus's words (lower-cased), and those long enough to be misspelt by a question's word."""

    words: frozenset[str]
    spellings: tuple[str, ...]

    def union(self, other: Vocabulary) -> Vocabulary:
        """The words of both vocabularies."""
        return Vocabulary(self.words | other.words, tuple(sorted(set(self.spellings) | set(other.spellings))))


def corpus_vocabulary(texts: Iterable[str]) -> Vocabulary:
    """Every word (lower-cased) of ``texts``, and each part of its hyphenated words."""
    words: set[str] = set()
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group().lower()
            words.add(word)
            words.update(word.split("-"))
    return Vocabulary(frozenset(words), tuple(sorted(w for w in words if len(w) >= _MIN_LENGTH - _SPELLING_EDITS)))


@functools.lru_cache(maxsize=1 << 16)  # called for every word of every candidate unit while ranking
def stem(word: str) -> str:
    """``word``'s English Snowball stem (PyStemmer, as the BM25 index uses): "gepants" -> "gepant",
    "billed" -> "bill", "interpreter" and "interpretation" -> "interpret"."""
    stemmed: str = _STEMMER.stemWord(word)
    return stemmed


def respell(text: str, vocabulary: Vocabulary, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with each misspelt word replaced by the corpus word it misspells, the word as typed
    after it in parentheses ("what modifer for a split visit?" -> "what modifier (modifer) for a
    split visit?", which reads as asking for a modifier): a word of six letters or more that the
    corpus lacks and English rarely uses, one typing slip from exactly one corpus word. Words in
    ``keep`` (lower-cased: names the question gives, such as a payer the corpus never mentions,
    "humana" beside "human") are as meant."""

    def spelled(match: re.Match[str]) -> str:
        word = match.group()
        folded = word.lower()
        if folded in keep:
            return word
        if len(folded) < _MIN_LENGTH or folded in vocabulary.words or zipf_frequency(folded, "en") >= _TYPO_ZIPF:
            return word
        near = process.extract(folded, vocabulary.spellings, scorer=OSA.distance, score_cutoff=_SPELLING_EDITS, limit=2)
        if len(near) == 1:
            return f"{near[0][0]} ({word})"
        # A slip in a common English word the sources need not use ("interpeter": they say
        # "interpretation"): the word meant, which their stems can still match.
        meant = _english_near(folded) if not near else ()
        return f"{meant[0]} ({word})" if len(meant) == 1 else word

    return _WORD.sub(spelled, text)


@functools.lru_cache(maxsize=1 << 12)  # respell and unknown_terms ask of the same words
def _english_near(word: str) -> tuple[str, ...]:
    """Up to two common English words ``word`` (lower case) is a typing slip from."""
    return tuple(w for w, _, _ in process.extract(word, _english_words(), scorer=OSA.distance, score_cutoff=_SPELLING_EDITS, limit=2))


@functools.cache
def _english_words() -> tuple[str, ...]:
    """Common English words as long as a word respelt: wordfreq's most frequent, which reach down to
    about ``_TYPO_ZIPF`` (Zipf 2.97 at rank 30,000)."""
    return tuple(w for w in top_n_list("en", _ENGLISH_WORDS) if len(w) >= _MIN_LENGTH - _SPELLING_EDITS and w.isalpha())


_ENGLISH_WORDS = 30_000


def unknown_terms(question: str, vocabulary: Vocabulary, skip: frozenset[str] = frozenset()) -> list[str]:
    """Rare words of ``question`` that the corpus's ``vocabulary`` lacks, as written; words in
    ``skip`` (lower-cased: spelled-out shorthand, names) are never unknown."""
    known = vocabulary.words
    unknown: list[str] = []
    for match in _WORD.finditer(question):
        word = match.group()
        if word.lower() in skip:
            continue
        if len(word) < _MIN_LENGTH or word[0].isupper() and _names_a_person(question, match.start(), match.end()):
            continue
        folded = word.lower()
        if folded in known or any(part in known for part in folded.split("-") if len(part) >= _MIN_LENGTH):
            continue
        if zipf_frequency(folded, "en") >= RARE_ZIPF:
            continue
        if process.extractOne(folded, vocabulary.spellings, scorer=OSA.distance, score_cutoff=_SPELLING_EDITS):
            continue
        if _english_near(folded):
            continue  # a slip in a common word ("interpeter"), which ``respell`` spells out
        if _abbreviates(folded, vocabulary.spellings):
            continue  # "reauth" for "reauthorization"
        if any(w in known or _abbreviates(w, vocabulary.spellings) for w in _stems_of(folded)):
            continue  # "rebill" for "bill", "requalify" for "qualify", "comorbs" for "comorbidities"
        unknown.append(word)
    return list(dict.fromkeys(unknown))


# Prefixes that make a new word of a known one: "rebill", "preauth", "nonbillable".
_PREFIX = re.compile(r"^(re|pre|non)-?(?=[a-z]{4})")


def _stems_of(word: str) -> list[str]:
    """``word`` without a prefix that makes a new word of a known one ("rebill" -> "bill"), and a
    clipped word without its plural "s" ("comorbs" -> "comorb"); only stems of four letters or more."""
    stems = [_PREFIX.sub("", word, count=1)] if _PREFIX.match(word) else []
    if word.endswith("s") and len(word) >= 5:
        stems.append(word[:-1])
    return [w for w in stems if len(w) >= 4 and w != word]


def completions(word: str, spellings: tuple[str, ...], limit: int = 3) -> tuple[str, ...]:
    """The corpus words a clipped ``word`` begins ("reauth" -> ("reauthorization",)), when it is no
    corpus word itself, has four letters or more and begins at most ``limit`` of them (more say
    nothing: "auth" begins "author" too). ``spellings`` is sorted."""
    at = bisect.bisect_left(spellings, word)
    if len(word) < 4 or (at < len(spellings) and spellings[at] == word):
        return ()
    found = [w for w in spellings[at : at + limit + 1] if w.startswith(word)]
    return tuple(found) if len(found) <= limit else ()


def _abbreviates(word: str, spellings: tuple[str, ...]) -> bool:
    """Whether a corpus word begins with ``word`` (``spellings`` is sorted)."""
    at = bisect.bisect_left(spellings, word)
    return at < len(spellings) and spellings[at].startswith(word)


# Words a person's name follows in a billing question ("pt Quill", "Dr. Abara", "seen by NP Ostrander").
_PERSON_CUE = re.compile(r"\b(pt|patient|pts|dr|mr|mrs|ms|miss|mx|np|pa|rn|md|do|doctor|nurse|provider|surgeon|physician|member|mbr)\.?\s*$", re.I)
_NAME_BEFORE = re.compile(r"(?<![\w.])[A-Z][a-z][\w'-]*\s+$")
_NAME_AFTER = re.compile(r"\s+[A-Z][a-z][\w'-]*")


def _names_a_person(text: str, start: int, end: int) -> bool:
    """Whether the capitalised word at ``text[start:end]`` reads as part of a person's name: it
    follows a word that names a person ("pt", "Dr") or stands beside another capitalised word.
    The first word of a sentence is checked as any word is."""
    before = text[:start]
    if _PERSON_CUE.search(before):  # before the sentence check: "Dr." ends with a full stop
        return True
    if _starts_sentence(text, start):
        return False
    return bool(_NAME_BEFORE.search(before) or _NAME_AFTER.match(text, end))


def _starts_sentence(text: str, position: int) -> bool:
    """Whether ``position`` is the first word of ``text`` or follows a sentence end."""
    before = text[:position].rstrip()
    return not before or before[-1] in ".?!:"

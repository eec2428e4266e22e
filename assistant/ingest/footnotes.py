"""Tie each footnote to the sentence whose marker calls it.

A PDF prints a footnote marker as a superscript, and the extracted text glues it to the word it
follows: "History of failure of a trialb of at least two ... for at least 8 weeks each" with, under
the criteria, "b For Connecticut, Kentucky and Mississippi business, only a 30-day trial will be
required."; "Codes to Bill: Initial hospital services only*" with "* Plus prolonged ... services, if
applicable." under the table. The footnote changes what the marked sentence means, and says little
without it, so each footnote records the span of the nearest sentence before it that calls it.

A line is a footnote when it opens with a marker ("*", "†", a lowercase letter or a number of one
or two digits), then a capitalised word, and an earlier sentence of the same document calls that
marker glued to a word ("trialb", "criteria1", "only*"). A heading is no sentence, so a note
called from a heading ("Coverage Criteria a") stays unlinked. A letter or number glued to a word counts only when the word
without it is a common English word the document writes elsewhere and the word with it is no
English word, so "idea" does not call footnote "a", "G2212" calls nothing and an author named
"Fetissova" next to "Fetissov" calls nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from wordfreq import zipf_frequency

from assistant.models import Sentence

# "b For Connecticut ...", "* Plus prolonged ...", "1Note: CPT codes ..." (a number glued to its note).
_FOOTNOTE = re.compile(r"(\*{1,3}|[†‡§]|[a-z](?= )|\d{1,2})[ \t]*(?=[A-Z])")
# A marker glued after a word or a closing mark: "trialb", "criteria1", "only*", "Reporting*:".
_GLUED_SYMBOL = re.compile(r"(?<=[\w)\]])(\*{1,3}|[†‡§])(?!\w)")
_GLUED_ALPHANUMERIC = re.compile(r"\b([A-Za-z]{3,})([a-z]|\d{1,2})\b")
# Below this wordfreq Zipf frequency a token is no English word ("trialb"; "idea" is far above).
_NOT_A_WORD_ZIPF = 1.0
# The word a marker is glued to is a common English one ("trial" 4.5): an author's name is not.
_WORD_ZIPF = 3.0


def with_footnotes(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """``sentences`` (one document's, in order, spans into ``text``) with ``note_of`` set on each
    footnote to the span of the nearest earlier sentence calling its marker; others unchanged.
    One pass; a document with no footnote line is returned as it is."""
    markers = [_footnote_marker(text, s) for s in sentences]
    used = {m for m in markers if m is not None}
    if not used:
        return sentences
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    callers: dict[str, Sentence] = {}  # marker -> the latest sentence calling it
    out: list[Sentence] = []
    for sentence, marker in zip(sentences, markers, strict=True):
        caller = callers.get(marker) if marker is not None else None
        out.append(replace(sentence, note_of=(caller.start, caller.end)) if caller else sentence)
        for called in _markers_called(text, sentence, words, used):
            callers[called] = sentence
    return out


def _footnote_marker(text: str, sentence: Sentence) -> str | None:
    """The marker a sentence opening its line with one ("b For ...") opens with, else None."""
    line_start = text.rfind("\n", 0, sentence.start) + 1
    match = _FOOTNOTE.match(text, line_start, sentence.end)
    if match is None or match.end() < sentence.start:
        return None  # text before the sentence on its line, or no marker
    return match.group(1)


def _markers_called(text: str, sentence: Sentence, words: set[str], used: set[str]) -> set[str]:
    """The markers of ``used`` (those some footnote line opens with) that ``sentence`` calls, each
    glued to a word."""
    end = sentence.end
    while end < len(text) and text[end] in "*†‡§":
        end += 1  # a span ends at the word; the marker after it ("only*") is outside it
    body = text[sentence.start : end]
    called = {m.group(1) for m in _GLUED_SYMBOL.finditer(body)} & used
    for match in _GLUED_ALPHANUMERIC.finditer(body):
        word, marker = match.groups()
        if marker not in used or marker in called:
            continue  # most words end in a letter: the word lists are asked only for a footnote's
        common = zipf_frequency(word, "en") >= _WORD_ZIPF  # "Fetissova" is no "Fetissov" + "a"
        if common and word.lower() in words and zipf_frequency(match.group(0).lower(), "en") < _NOT_A_WORD_ZIPF:
            called.add(marker)
    return called

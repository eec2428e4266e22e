"""Rare terms no source mentions are found; everyday words, misspellings and names are not."""

from __future__ import annotations

import pytest

from assistant.answer.terms import corpus_vocabulary, unknown_terms

VOCABULARY = corpus_vocabulary(["Chemodenervation with abobotulinumtoxinA, billed per unit (openpayer.com)."])


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("Which J-code for prabotulinumtoxinA?", ["prabotulinumtoxinA"]),
        ("Jeuveau dosing?", ["Jeuveau"]),  # a capitalised word that starts the question is still checked
        ("is chemodenervaton billed per unit?", []),  # one edit from a corpus word: a misspelling
        ("how many leftover units can we bill?", []),  # everyday English, though the corpus lacks it
        ("Pt Wennerstrom-Achebe needs abobotulinumtoxinA", []),  # names inside a sentence are left alone
        ("what does openpayer say?", []),  # a word of the corpus (here in a URL)
    ],
)
def test_unknown_terms(question: str, unknown: list[str]) -> None:
    assert unknown_terms(question, VOCABULARY) == unknown


def test_vocabulary_holds_the_parts_of_hyphenated_words() -> None:
    assert {"on-campus", "on", "campus"} <= corpus_vocabulary(["POS 22 is On Campus-Outpatient or on-campus"]).words

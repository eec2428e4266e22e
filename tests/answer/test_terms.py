"""Rare terms no source mentions are found; everyday words, misspellings and names are not."""

from __future__ import annotations

import pytest

from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.question import QuestionReader
from assistant.answer.shorthand import Shorthand
from assistant.answer.terms import corpus_vocabulary, respell, stem, unknown_terms
from tests.conftest import ROOT

VOCABULARY = corpus_vocabulary(["Chemodenervation with abobotulinumtoxinA, billed per unit (openpayer.com)."])


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("Which J-code for prabotulinumtoxinA?", ["prabotulinumtoxinA"]),
        ("Jeuveau dosing?", ["Jeuveau"]),  # a capitalised word that starts the question is still checked
        ("is chemodenervaton billed per unit?", []),  # one edit from a corpus word: a misspelling
        ("how many leftover units can we bill?", []),  # everyday English, though the corpus lacks it
        ("Pt Wennerstrom-Achebe needs abobotulinumtoxinA", []),  # a name after "pt" is left alone
        ("seen by Dr. Quillfeather for abobotulinumtoxinA", []),
        ("is Ana Quillfeather due for abobotulinumtoxinA?", []),  # beside another capitalised word
        ("PA criteria for Zanthorelle?", ["Zanthorelle"]),  # a brand alone inside a sentence is checked
        ("what does openpayer say?", []),  # a word of the corpus (here in a URL)
        ("does interpeter time count?", []),  # a slip in a common English word the corpus lacks
    ],
)
def test_unknown_terms(question: str, unknown: list[str]) -> None:
    assert unknown_terms(question, VOCABULARY) == unknown


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("can the pt requalify after a year?", []),  # "qualify" with a prefix that makes a new word of it
        ("any comorbs needed?", []),  # a clipped "comorbidities" with a plural "s"
        ("can we rebill vexolitherapy?", ["vexolitherapy"]),  # "rebill" is known by "bill"; "vexolitherapy" is not
    ],
)
def test_a_known_word_with_a_prefix_or_a_clipped_plural_is_known(question: str, unknown: list[str]) -> None:
    vocabulary = corpus_vocabulary(["Patients qualify when comorbidities are documented; bill the claim."])
    assert unknown_terms(question, vocabulary) == unknown


def test_vocabulary_holds_the_parts_of_hyphenated_words() -> None:
    assert {"on-campus", "on", "campus"} <= corpus_vocabulary(["POS 22 is On Campus-Outpatient or on-campus"]).words


@pytest.mark.parametrize(
    ("question", "respelled"),
    [
        ("is chemodenervaton billed per unit?", "is chemodenervation (chemodenervaton) billed per unit?"),
        # Neither the corpus nor common English has "modifier" to spell ...
        ("wat modifer for both arms?", "wat modifer for both arms?"),
        # ... a slip in a common English word the corpus lacks is spelled out all the same.
        ("does interpeter time count?", "does interpreter (interpeter) time count?"),
        ("how many leftover units?", "how many leftover units?"),  # everyday English is not a misspelling
    ],
)
def test_a_misspelt_corpus_word_is_spelled_out_beside_it(question: str, respelled: str) -> None:
    assert respell(question, VOCABULARY) == respelled


def test_a_misspelling_near_two_corpus_words_is_left_as_typed() -> None:
    vocabulary = corpus_vocabulary(["The requirement is met before retirement."])
    assert respell("bmi reqirement?", vocabulary) == "bmi reqirement?"


def test_a_name_the_question_gives_is_never_respelled() -> None:
    vocabulary = corpus_vocabulary(["Benefits for every human resource"])
    assert respell("does humana cover it?", vocabulary) == "does human (humana) cover it?"  # a slip, read alone
    assert respell("does humana cover it?", vocabulary, frozenset({"humana"})) == "does humana cover it?"


def test_a_payer_the_question_names_is_read_as_written() -> None:
    # The recogniser knows "humana" as a payer; the documents only have "human".
    text = "Benefits for every human resource"
    reader = QuestionReader(
        EntityRecognizer(load_phrasebook(ROOT / "prompts").vocabulary), Shorthand({}, {}), [("doc", "Policy", "Plan", text)],
        corpus_vocabulary([text]),
    )
    assert reader.read(["does humana cover it?"]).query == "does humana cover it?"


@pytest.mark.parametrize(
    ("asked", "written"),
    [("interpreter", "interpretation"), ("billed", "billing"), ("muscles", "muscle"), ("authorizations", "authorized")],
)
def test_a_question_word_and_a_document_word_of_one_root_share_a_stem(asked: str, written: str) -> None:
    assert stem(asked) == stem(written)


def test_words_of_different_roots_keep_different_stems() -> None:
    assert stem("cover") != stem("covid")
    assert stem("general") != stem("generic")
    assert stem("policy") != stem("police")

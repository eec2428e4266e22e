"""Billing shorthand is spelled out beside the original word, whole words only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.shorthand import Shorthand
from assistant.errors import ConfigError
from tests.conftest import ROOT


def test_shorthand_keeps_the_word_and_adds_its_meaning() -> None:
    shorthand = Shorthand({"dx": "diagnosis", "w/": "with"}, {"PA": "prior authorization"})
    assert shorthand.expand("Dx codes w/ PA?") == "Dx (diagnosis) codes w/ (with) PA (prior authorization)?"


def test_shorthand_leaves_parts_of_words_and_other_cases_alone() -> None:
    shorthand = Shorthand({"dx": "diagnosis"}, {"PA": "prior authorization"})
    assert shorthand.expand("dxa scan in pa or PAs") == "dxa scan in pa or PAs"


def test_the_project_list_loads_and_spares_codes() -> None:
    phrasebook = load_phrasebook(ROOT / "prompts")
    shorthand = Shorthand(phrasebook.abbreviations, phrasebook.case_sensitive_abbreviations)
    assert shorthand.expand("pt needs PA for 64642-59, dx G35.A") == (
        "pt (patient) needs PA (prior authorization) for 64642-59, dx (diagnosis) G35.A"
    )


@pytest.mark.parametrize(
    ("typed", "spelled_out"),
    [
        ("Pt is 17, pts need a referral", "Pt (patient) is 17, pts (patients) need a referral"),
        ("supervised PT before a TKA?", "supervised PT (physical therapy) before a TKA?"),
        # "med" alone is a medication; "med necessary" is medically necessary
        ("for medicare to call it med necessary? pt is on 2 meds", "for medicare to call it med necessary (medically necessary)? pt (patient) is on 2 meds (medications)"),
        # drug classes as prescribers write them: a policy lists the class by its full name
        ("failed 2 SSRIs and an MAOI", "failed 2 SSRIs (selective serotonin reuptake inhibitors) and an MAOI (monoamine oxidase inhibitor)"),
    ],
)
def test_pt_is_the_patient_and_pt_in_capitals_physical_therapy(typed: str, spelled_out: str) -> None:
    phrasebook = load_phrasebook(ROOT / "prompts")
    shorthand = Shorthand(phrasebook.abbreviations, phrasebook.case_sensitive_abbreviations)
    assert shorthand.expand(typed) == spelled_out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("expansions:\n  '': diagnosis\n", "abbreviations"),  # an empty key would match everywhere
        ("expansions:\n  dx: ''\n", "abbreviations"),
        ("expansions: [dx, tx]\n", "abbreviations"),
        ("- not a mapping\n", "expected a mapping"),
    ],
)
def test_a_malformed_abbreviations_file_is_a_config_error(tmp_path: Path, content: str, message: str) -> None:
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    (tmp_path / "prompts" / "abbreviations.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_phrasebook(tmp_path / "prompts")


def test_a_missing_abbreviations_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    (tmp_path / "prompts" / "abbreviations.yaml").unlink()
    with pytest.raises(ConfigError, match="abbreviations.yaml: cannot read"):
        load_phrasebook(tmp_path / "prompts")


def test_a_compound_question_splits_into_its_questions_only() -> None:
    from assistant.answer.turns import split_parts

    assert split_parts("do they need PA, and which codes are on the policy?") == ["do they need PA", "which codes are on the policy?"]
    assert split_parts("planned 2-stage bariatric - how soon is stage 2, and what BMI do they need?") == [
        "planned 2-stage bariatric - how soon is stage 2",
        "what BMI do they need?",
    ]
    assert len(split_parts("Is there a minimum age for 64615? pt is 17")) == 1
    # What is wanted, told after the question, says what it asks again (before: "need the rate
    # for the add-on" was answered alone, with the code's description).
    assert len(split_parts("whats the plan paying for 0998T this year? need the national rate for the add-on")) == 1
    assert len(split_parts("how many units of 0998T per day? we need it for the auth request")) == 1
    assert len(split_parts("is 0998T covered? need PA for it?")) == 2  # a question of its own
    # Choices offered after the question belong to it; they ask nothing of their own.
    assert len(split_parts("0998T - how often can we bill it per pt? once a year, or every visit?")) == 1
    assert split_parts("how often can we bill 0998T? once a year? and does it need PA?") == [
        "how often can we bill 0998T? once a year?",
        "and does it need PA?",
    ]
    # A part keeps its "?": the first part of "...? also how many ..." asks, though no wh-word opens it.
    assert split_parts("is maintenance 0998T covered once in remission? also how many times per episode") == [
        "is maintenance 0998T covered once in remission?",
        "also how many times per episode",
    ]
    # "whats" as typed in chat is "what's"; "and whose ..." opens a question of its own.
    assert split_parts("can we bill 90837 or does it have to be 90834? whats the min time for each") == [
        "can we bill 90837 or does it have to be 90834?",
        "whats the min time for each",
    ]
    assert split_parts("what mod goes on the claim and whose NPI does it go under?") == [
        "what mod goes on the claim",
        "whose NPI does it go under?",
    ]


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("UHC spravato - how many sessions a week, and whats the max dose?", "UHC spravato"),
        ("medicare NGS: how many times can we bill 90867?", "medicare NGS"),
        ("does it need PA - and for how long?", ""),  # the opening asks: no topic
        ("how many units per day?", ""),
        ("pt seen twice today in the ER by two different doctors of one group - what do we bill?", ""),  # a case, not a heading
        ("", ""),
        ("x" * 20_000 + " - what?", ""),  # an opening longer than a heading, read in bounded time
    ],
)
def test_the_topic_a_question_opens_with(question: str, opening: str) -> None:
    from assistant.answer.turns import topic

    assert topic(question) == opening


@pytest.mark.parametrize(
    ("question", "system"),
    [
        ("Which NUCC taxonomy code bills 64615?", "nucc"),
        ("TMS dx - which ICD-10 codes support med necessity?", "icd"),
        ("what CPT codes are listed for TMS?", "cpt"),
        ("which code for both arms in one session?", None),
    ],
)
def test_the_code_system_a_which_code_question_names(question: str, system: str | None) -> None:
    from assistant.answer.code_systems import asked_code_system

    assert asked_code_system(question) == system


@pytest.mark.parametrize(
    ("question", "system"),
    [("whats the CPT for a revision hip replacement?", "cpt"), ("what revenue code do we use for TMS?", "revenue")],
)
def test_the_code_system_in_other_wordings(question: str, system: str) -> None:
    from assistant.answer.code_systems import asked_code_system
    from assistant.answer.kinds import expected_answer

    assert asked_code_system(question) == system
    assert expected_answer(question) == "code"

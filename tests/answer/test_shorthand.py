"""Billing shorthand is spelled out beside the original word, whole words only."""

from __future__ import annotations

from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.shorthand import Shorthand
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

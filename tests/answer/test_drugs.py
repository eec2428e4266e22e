"""Drug names from the drug-named-entity-recognition dictionary, kept to the names the sources use."""

from __future__ import annotations

from assistant.answer.drugs import DrugNames
from assistant.answer.entities import EntityRecognizer
from assistant.answer.phrasebook import load_phrasebook
from assistant.answer.question import QuestionReader
from assistant.answer.shorthand import Shorthand
from tests.conftest import ROOT

SOURCES = frozenset({"sertraline", "rizatriptan", "patch", "selegiline", "antidepressant", "tablets"})


def test_a_brand_maps_to_the_generic_the_sources_use() -> None:
    mentions = DrugNames(SOURCES).mentions("pt failed Zoloft and Maxalt, 8 wks each")
    assert {m.written.lower(): m.in_sources for m in mentions} == {"zoloft": ("sertraline",), "maxalt": ("rizatriptan",)}


def test_everyday_words_of_a_drug_name_are_not_added() -> None:
    # "Emsam" is the selegiline patch; "patch" is an everyday word the sources also use.
    (mention,) = DrugNames(SOURCES).mentions("does an Emsam trial count?")
    assert mention.in_sources == ("selegiline",)


def test_a_drug_no_source_names_has_no_names_in_the_sources() -> None:
    (mention,) = DrugNames(SOURCES).mentions("Does the plan cover Mounjaro?")
    assert mention.written == "Mounjaro" and mention.in_sources == ()


def test_drug_classes_and_ordinary_words_are_not_drugs() -> None:
    assert DrugNames(SOURCES).mentions("does an antidepressant trial count? what are the quality indicators?") == []
    assert DrugNames(SOURCES).mentions("") == []


def test_brand_and_generic_pairs_come_from_the_documents_but_not_from_abbreviations() -> None:
    text = (
        "Quellara (vostarimab) is given monthly. Laparoscopic revisional bariatric surgery (LRBS) and "
        "a gastric device (EndoBarrier) are unproven; the surgery (Conditional) is reviewed."
    )
    reader = QuestionReader(
        EntityRecognizer(load_phrasebook(ROOT / "prompts").vocabulary), Shorthand({}, {}), [("doc", "Policy", "Plan", text)]
    )
    assert reader.synonyms == {"quellara": frozenset({"vostarimab"}), "vostarimab": frozenset({"quellara"})}

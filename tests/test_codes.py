"""Billing codes are recognised whole and normalised, however people type them."""

from __future__ import annotations

import pytest

from assistant.answer.answerer import GroundedAnswerer
from assistant.codes import code_keys, find_codes
from assistant.store.tokenize import tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Does Cigna cover CPT 64642?", {"cpt:64642"}),
        ("uhc cover cpt64642", {"cpt:64642"}),
        ("CPT#64642", {"cpt:64642"}),
        ("mod 59 w/ 64642?", {"cpt:64642", "modifier:59"}),
        ("64642-59", {"cpt:64642", "modifier:59"}),
        ("bill it with -59", {"modifier:59"}),
        ("the 59 modifier", {"modifier:59"}),
        ("XS modifier", {"modifier:XS"}),
        ("Modifier\n50(Bilateral Procedure)", {"modifier:50"}),
        ("office (Place of Service 11) or POS 22", {"pos:11", "pos:22"}),
        ("G35.A and I69.331", {"icd:G35.A", "icd:I69.331"}),
        ("J0585 per unit", {"hcpcs:J0585"}),
        ("taxonomy 208100000X", {"nucc:208100000X"}),
        ("G24.1 dystonia", {"icd:G24.1"}),
        ("X10.0XXA burn", {"icd:X10.0XXA"}),
        ("Is 0999T covered?", {"cpt:0999T"}),
        ("cpt0232t with 64642", {"cpt:0232T", "cpt:64642"}),
        ("CPT code #1234F", {"cpt:1234F"}),
        ("report 3044F, then 0213T-50", {"cpt:3044F", "cpt:0213T", "modifier:50"}),
        ("Category III code 0999T; Category II code 1234F.", {"cpt:0999T", "cpt:1234F"}),
    ],
)
def test_codes_are_found_whole(text: str, expected: set[str]) -> None:
    assert code_keys(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "modes of treatment", "1-4 muscles", "in 2024 and 2025", "version 1.5.0", "a model of care", "12345678",
        "10999T", "0999TX", "0999-T", "64642F", "999T", "a 1500-F",
        "failed sertraline x10 wks", "lithium X12 weeks",  # a count written "x10", not ICD-10-CM X10
        # A journal citation's issue and page numbers (a policy's reference list)
        "Lancet. 2022 Aug 6;400(10350):441-451.", "Medicine (Baltimore). 2017 Dec;96(50):e8924.",
    ],
)
def test_ordinary_text_is_not_a_code(text: str) -> None:
    assert code_keys(text) == set()


@pytest.mark.parametrize(("text", "key"), [("can i put 59 and XU on one line", "modifier:59"), ("XS or 59?", "modifier:59")])
def test_a_number_listed_with_a_letter_modifier_is_a_modifier(text: str, key: str) -> None:
    assert key in {m.key for m in find_codes(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("billing a TKA that fails the LCD - GA or GZ modifier?", {"modifier:GA", "modifier:GZ"}),
        ("telehealth psych - mod 95 or GT?", {"modifier:95", "modifier:GT"}),
        ("use modifiers 59, XU and XS", {"modifier:59", "modifier:XU", "modifier:XS"}),
        ("append the GT modifier", {"modifier:GT"}),
    ],
)
def test_modifiers_named_together_are_each_a_modifier(text: str, expected: set[str]) -> None:
    assert {m.key for m in find_codes(text)} == expected


@pytest.mark.parametrize("text", ["OR modifier", "the MD modifier rules", "we use no modifier or 59", "modifier 50 and 2 units"])
def test_capital_words_beside_modifier_are_not_modifiers(text: str) -> None:
    assert {m.key for m in find_codes(text)} <= {"modifier:50"}


def test_a_number_listed_with_a_number_is_not_a_modifier() -> None:
    assert find_codes("between 10 and 20 units") == []


@pytest.mark.parametrize(("text", "key"), [("Is 0999T covered?", "cpt:0999t"), ("what is 1234f", "cpt:1234f")])
def test_category_ii_and_iii_codes_are_one_bm25_token(text: str, key: str) -> None:
    assert key in tokenize(text)


@pytest.mark.parametrize(
    "question",
    ["Does Aetna cover 0999T?", "Is CPT 1234F covered by Cigna?", "What modifier goes with 0232T?", "cpt 3044f pos?"],
)
def test_a_question_on_an_unknown_category_ii_or_iii_code_is_not_answered_about_another(
    answerer: GroundedAnswerer, question: str
) -> None:
    (asked,) = code_keys(question)
    answer = answerer.answer([question])
    label = asked.split(":", 1)[1]
    assert answer.abstained, answer.text
    assert label in answer.text  # says which code the sources are silent on
    answered_codes = code_keys(answer.text) - {asked}
    assert not answered_codes, answer.text


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        # A number its label gives another meaning is no billing code.
        ("(reference TN 716, CR 10080 effective June 13, 2017)", set()),
        ("Contract Number: 07301 - MAC A", set()),
        ("per CR 10901 and 10080", set()),
        ("mail to P.O. Box 12345", set()),
        # Codes stay codes, also beside such labels.
        ("Does Novitas cover CPT 10080?", {"cpt:10080"}),
        ("CR 10901 added 27130 and 27447", {"cpt:27130", "cpt:27447"}),
    ],
)
def test_a_change_request_contract_or_box_number_is_not_a_code(text: str, keys: set[str]) -> None:
    assert {m.key for m in find_codes(text)} == keys

"""Billing codes are recognised whole and normalised, however people type them."""

from __future__ import annotations

import pytest

from assistant.codes import code_keys, find_codes


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
    ],
)
def test_codes_are_found_whole(text: str, expected: set[str]) -> None:
    assert code_keys(text) == expected


@pytest.mark.parametrize(
    "text",
    ["modes of treatment", "1-4 muscles", "in 2024 and 2025", "version 1.5.0", "a model of care", "12345678"],
)
def test_ordinary_text_is_not_a_code(text: str) -> None:
    assert code_keys(text) == set()


@pytest.mark.parametrize(("text", "key"), [("can i put 59 and XU on one line", "modifier:59"), ("XS or 59?", "modifier:59")])
def test_a_number_listed_with_a_letter_modifier_is_a_modifier(text: str, key: str) -> None:
    assert key in {m.key for m in find_codes(text)}


def test_a_number_listed_with_a_number_is_not_a_modifier() -> None:
    assert find_codes("between 10 and 20 units") == []

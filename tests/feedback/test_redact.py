"""Redaction masks personal identifiers and keeps billing codes and policy dates."""

from __future__ import annotations

import pytest

from assistant.feedback.redact import redact


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("SSN 123-45-6789 on file", "123-45-6789", "SSN"),
        ("social security number: 123456789", "123456789", "SSN"),
        ("her number 078-05-1120 was given", "078-05-1120", "SSN"),
        ("call (212) 555-0187 after 5", "(212) 555-0187", "PHONE"),
        ("cell 917.555.0123", "917.555.0123", "PHONE"),
        ("mail jane.doe+billing@example.org today", "jane.doe+billing@example.org", "EMAIL"),
        ("member ID XJH123456789 with Aetna", "XJH123456789", "MEMBER-ID"),
        ("subscriber #: W2233445566", "W2233445566", "MEMBER-ID"),
        ("Medicare number 1EG4-TE5-MK73", "1EG4-TE5-MK73", "MEMBER-ID"),
        ("MRN: 00123456, seen twice", "00123456", "RECORD-NUMBER"),
        ("medical record number 7788-1234", "7788-1234", "RECORD-NUMBER"),
        ("account no. AC99812", "AC99812", "RECORD-NUMBER"),
        ("claim # 2024ABC99812 was denied", "2024ABC99812", "CLAIM-NUMBER"),
        ("claim number: 99887766554", "99887766554", "CLAIM-NUMBER"),
        ("DOB 03/14/1961, female", "03/14/1961", "DOB"),
        ("date of birth: March 14, 1961", "March 14, 1961", "DOB"),
        ("born on 14 March 1961 in Ohio", "14 March 1961", "DOB"),
        ("D.O.B. 1961-03-14", "1961-03-14", "DOB"),
        ("patient name: Jane Doe, 64 years", "Jane Doe", "NAME"),
    ],
)
def test_identifiers_are_masked(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[{kind}]" in result.text
    assert result.counts == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "Bill 64642 and 64643 with modifier -59 or XS, mod 50, 59 modifier, LT and RT.",
        "J0585 x 200 units with JW and JZ; J0586, J0587, J0588.",
        "ICD-10-CM G35.A, G35.D, I69.331, G24.1 and G80.1.",
        "POS 22, POS 19, POS 11 and place of service 24.",
        "Taxonomy 2081P2900X and 2084N0400X.",
        "The 64642-64647 family replaced 64614 in 2014.",
        "POS 19 applies from 2016-01-01; JZ from 2023-07-01; G35.A-G35.D from 2025-10-01.",
        "Policy effective 01/01/2024, revised 10/01/2025; LCD L39240; Cigna policy number 0123.",
        "For a 2024 claim on 03/05/2024, is 64642 covered?",
    ],
)
def test_billing_codes_and_policy_dates_survive(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.total == 0


def test_a_mixed_note_keeps_codes_and_masks_the_rest() -> None:
    note = "Pt DOB 03/14/1961, member ID XJH123456789, phone 415 867 5309: billed 64642 + 64643, G35.A, POS 22."
    result = redact(note)
    assert result.text == (
        "Pt DOB [DOB], member ID [MEMBER-ID], phone [PHONE]: billed 64642 + 64643, G35.A, POS 22."
    )
    assert result.total == 3


@pytest.mark.parametrize("text", ["", "   ", "<script>alert(1)</script>", "x" * 100_000, "é\u202e\x00"])
def test_odd_text_is_returned_unchanged(text: str) -> None:
    assert redact(text).text == text

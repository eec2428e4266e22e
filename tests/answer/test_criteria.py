"""The numbers a question gives, held against the numeric criteria a quote states."""

from __future__ import annotations

import pytest

from assistant.answer.criteria import asked_values, comparisons, thresholds


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("pt BMI of 41.5 with HTN, enough for Dunmore?", [("BMI", 41.5)]),
        ("HbA1c 8.2 and 67 y/o - does he qualify?", [("age", 67.0), ("HBA1C", 8.2)]),
        ("tried PT x6 wks and NSAIDs 3 months, meets criteria?", [("days", 42.0), ("months", 3.0)]),
        ("session ran 1 hr - does it count?", [("minutes", 60.0)]),
        # A value ending its sentence; a label with a lower-case prefix.
        ("his eGFR is 52. KPI 6. enough?", [("EGFR", 52.0), ("KPI", 6.0)]),
        # Codes are not values: "CPT 27447" has five digits.
        ("does CPT 27447 meet the criteria?", []),
    ],
)
def test_the_values_a_question_gives(question: str, expected: list[tuple[str, float]]) -> None:
    assert [(v.measure, v.number) for v in asked_values(question)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BMI ≥ 35 kg/m2 – 39.9 kg/m2 with a comorbidity", [("BMI", 35.0, 39.9)]),
        ("an FEV1 or DLCO of < 45 percent", [("FEV1", None, 45.0), ("DLCO", None, 45.0)]),
        ("an eGFR of 30 to 59", [("EGFR", 30.0, 59.0)]),
        ("after a trial of at least 6 weeks", [("days", 42.0, None)]),
        ("members 65 years of age or older", [("age", 65.0, None)]),
        ("visits of 16-37 minutes", [("minutes", 16.0, 37.0)]),
        ("renewed within 1 year", [("months", None, 12.0)]),
        # A share of another value is no threshold of the measure: "120% of the 95th percentile".
        ("BMI ≥ 120% of the 95th percentile or BMI ≥ 35 kg/m2", [("BMI", 35.0, None)]),
        # A number with no comparison or range is no threshold.
        ("Time to report prolonged: 110 minutes; POS 14", []),
    ],
)
def test_the_thresholds_a_quote_states(text: str, expected: list[tuple[str, float | None, float | None]]) -> None:
    assert [(t.measure, t.low, t.high) for t in thresholds(text)] == expected


def test_each_threshold_of_the_same_measure_is_checked_and_cited() -> None:
    quotes = [("Adults age 21 years or older with a BMI ≥ 40 kg/m2 (or BMI ≥ 35 kg/m2 with diabetes)", 1), ("Trial of at least 12 weeks", 2)]
    found = comparisons("pt is 30 y/o, BMI 37 w/ diabetes, tried diet 10 wks - does he meet the criteria?", quotes)
    assert found == [
        '30 y/o meets "21 years or older" [1]',
        'BMI 37 is outside "BMI ≥ 40 kg/m2" [1]',
        'BMI 37 meets "BMI ≥ 35 kg/m2" [1]',
        '10 wks is outside "at least 12 weeks" [2]',
    ]
    # A question asking for a number, not whether a case meets something, gets no check.
    assert comparisons("what BMI does the policy want? pt BMI 37", quotes) == []


def test_a_long_or_hostile_question_and_quote_are_read_without_error() -> None:
    # A question at the chat limit repeating its values, and a quote of signs with no number, are
    # read like any other: each value against each threshold once, nothing from the noise.
    question = ("BMI 34 AHI 22 10 wks 44 y/o " * 150)[:3990] + " meet?"
    quote = "BMI ≥ 35 kg/m2 " * 50 + "≥ " * 500 + "1 - " * 300
    assert comparisons(question, [(quote, 1)]) == ['BMI 34 is outside "BMI ≥ 35 kg/m2" [1]']
    assert thresholds("≥ " * 5000) == [] and asked_values("") == []

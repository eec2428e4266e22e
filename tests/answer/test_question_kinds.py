"""The kind of answer a question asks for and the code system it names, read from its words."""

from __future__ import annotations

import pytest

from assistant.answer.code_systems import asked_code_system
from assistant.answer.kinds import answer_words, asked_measure, asks_what_code_is, expected_answer
from assistant.answer.rank import has_answer_type


@pytest.mark.parametrize(
    ("question", "kind", "system"),
    [
        # A code asked for, whatever the words after it ("threshold" does not make it a number).
        ("cpt for the initial scalp cooling visit w/ cap calibration and threshold check?", "code", "cpt"),
        ("cap refit mid cycle with a new threshold reading - which scalp cooling cpt?", "code", "cpt"),
        ("Wrenfield scalp cooling - which CPT for a threshold recheck with refit?", "code", "cpt"),
        ("which code do we use for a scalp cooling visit where they had to redo the threshold?", "code", None),
        ("what add-on code goes with the quellara infusion for the extra time?", "code", None),
        ("HCPCS code for the quellara infusion?", "code", "hcpcs"),
        ("what ICD-10 do we put for the flare diagnosis?", "code", "icd"),
        ("what cpt codes are listed in the article?", "code", "cpt"),
        ("what are all the HCPCS codes listed for the quellara infusion?", "code", "hcpcs"),
        # To call something so is to deem it; who to call is a contact.
        ("how many of the criteria must be met for the plan to call it medically necessary?", "number", None),
        ("who do we call for the quellara prior auth?", "contact", None),
        # A range of time asked for is a number ("30-74 mins").
        ("quellara infusion 0998T - what time range does it cover?", "number", None),
        # A payment rate or amount asked in staff shorthand is money.
        ("does Larch Valley pay 0991T at a higher rate for an RN than an LPN?", "money", None),
        ("whats Wrenfield paying for the quellara infusion these days?", "money", None),
        ("how much does Wrenfield Health Plan pay for the quellara infusion?", "money", None),
        ("need the allowed amt for 0998T", "money", None),
        # Paying for a service at all is coverage, not money.
        ("does Wrenfield pay for the quellara infusion at home?", "yesno", None),
        # Shorthand spelled out in parentheses ("dx (diagnosis)") does not hide what is asked.
        ("which ICD-10 dx (diagnosis) code does the plan want listed first?", "code", "icd"),
        ("which dx (diagnosis) code for the flare?", "code", "icd"),
        # A measure stated with its value describes the case; it asks for no number.
        ("Larch Valley member, BMI 44. is scalp cooling covered?", "other", None),
        ("does the plan cover Velmora at age 16?", "yesno", None),
        ("99214 plus ~30 min of therapy - what add-on code goes with it?", "code", None),
        # Numbers stay numbers.
        ("what BMI threshold does the plan use?", "number", None),
        ("min BMI for the program?", "number", None),
        ("min time for 0998T?", "number", None),
        ("what age does the plan start at?", "number", None),
        ("how many flare days before the first infusion?", "number", None),
        # A code's digits before "minimum" are no value stated.
        ("g9918 minimum time", "number", None),
        ("0998T min time?", "number", None),
        # A code series asked for by its letter, or a system's codes by name, is a code...
        ("quellara J code?", "code", None),
        ("flare dx codes?", "code", None),
        # ... unless a yes/no question asks whether they are listed.
        ("does the article list the covered dx codes?", "yesno", None),
    ],
)
def test_the_kind_of_answer_and_the_code_system_asked(question: str, kind: str, system: str | None) -> None:
    assert expected_answer(question) == kind
    assert asked_code_system(question) == system


@pytest.mark.parametrize(
    ("text", "has_number"),
    [
        ("Claims must follow ICD-10 CM and PCS conventions.", False),  # a code system's name is no amount
        ("File within 95 days of the date of service.", True),
        ("Inject 1-4 muscles per session.", True),
    ],
)
def test_a_number_in_a_code_system_name_is_no_amount(text: str, has_number: bool) -> None:
    assert has_answer_type(text, "number") is has_number


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        # "how long" asks for a length of time, whatever the question counts besides.
        ("how long does step tx need to be tried before the infusion?", "duration"),
        ("how long are the sessions?", "duration"),
        ("how many sessions per course?", "sessions"),
        ("min time in minutes to bill the visit?", "minutes"),
        ("max time the cap can stay on?", "duration"),  # a time, in whatever unit the source counts
        ("how long can a pt be on it, and what BMI?", "bmi"),
        # "how many <noun>" counts that noun, whatever else the question measures it by.
        ("how many vials per month are allowed?", "vials"),
        ("how many 0998T sessions per course?", "sessions"),
        ("how many failed preventives and how long each?", "preventives"),
        # A measure word before "how many" is not what it counts.
        ("0998T visit, total time 60 min - how many units of G9995?", "units"),
        ("how many of the criteria must be met?", None),  # a share of a list: no noun of its own
        ("how many need to be met?", None),  # a verb, not a noun: it counts what the turn before named
        ("how many have to fail first?", None),
        # A word the shorthand spelled out is not what the question counts: "tx" here is Texas.
        ("bcbs tx (treatment) - min time needed to bill 90832?", "min"),
        ("how many tx (treatments) per course?", "treatments"),
        # A unit of measure in the counted phrase is what is counted, before the noun it qualifies.
        ("new pt vs established - how many yrs (years) lookback?", "yrs"),
        ("how many days supply per fill?", "days"),
        # A count noun that names the service asked about is no measure; counted, it is.
        ("G9992 threshold for subsequent hospital visit 0995T?", None),
        ("max sessions per course?", "sessions"),
        ("max units of J0585 per session?", "units"),
    ],
)
def test_the_measure_a_number_question_counts_in(question: str, measure: str) -> None:
    assert asked_measure(question) == measure


@pytest.mark.parametrize(
    ("question", "words"),
    [
        # The words between "which" and "codes" say what the codes are for: the question's subject.
        ("which telehealth consult codes does the plan pay?", {"which", "codes"}),
        ("how many units of 0998T?", {"how", "many"}),
        ("0998T - what time range does it cover?", {"what", "time", "range"}),
        ("when does the Velmora program take effect?", {"when", "does", "the", "take", "effect"}),
    ],
)
def test_the_words_that_ask_are_only_those_of_the_kind_of_answer(question: str, words: set[str]) -> None:
    assert answer_words(question) == words


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("whats 90839 for", True),
        ("What does CPT 0999T mean?", True),
        ("what's the meaning of 0999T?", True),
        ("0999T - what does it stand for?", True),
        ("what is M54.50?", True),
        # Another code asked for, or what a payer requires of a code: not what the code is.
        ("whats the right CPT for a laparoscopic sleeve - can we use unlisted 43659?", False),
        ("what does UHC require for 43644?", False),
    ],
)
def test_a_question_asking_what_a_code_is(question: str, asks: bool) -> None:
    assert asks_what_code_is(question) is asks

"""Which turns go on from the turn before: only those that make no sense alone."""

from __future__ import annotations

import pytest

from assistant.answer.mentions import stem_of
from assistant.answer.turns import asking_sentences, is_elliptical


@pytest.mark.parametrize(
    "turn",
    [
        "What about Cigna?",
        "so the op note has to be there?",
        "ok so if the only issue is the pt speaks spanish and we used an interpreter, does that qualify?",
        "what kind of place does the kid need to be evaluated at for that",
        "and if the second session runs long, can it go on the same claim as the first one?",
    ],
)
def test_a_turn_that_points_back_is_a_follow_up(turn: str) -> None:
    assert is_elliptical(turn)


@pytest.mark.parametrize(
    "turn",
    [
        "What is the capital of France?",
        "What is a good recipe for banana bread?",
        "whats the weather in dallas today",  # a wh-word run into its verb, no "?"
        "hows the traffic downtown",
        "Does Cigna cover CPT 64642 for a patient with spasticity in both arms and legs after a stroke?",
        "which modifier do we use when the same procedure is done on both arms in one session at the clinic?",
        "what is the code for that procedure they call chemodenervation of one extremity with 1-4 muscles?",
    ],
)
def test_a_complete_question_stands_alone(turn: str) -> None:
    assert not is_elliptical(turn)


def test_the_doer_and_the_act_share_a_stem() -> None:
    # "we used an interpreter" speaks of what "interpretation services" names.
    assert stem_of("interpreter") == stem_of("interpretation") == stem_of("interpreting") == "interpret"
    assert stem_of("never") == "never"  # short words stay whole
    # A plural "s" after an "e" of the word: "muscles" as in "muscle(s)"; "classes" loses "es".
    assert stem_of("muscles") == stem_of("muscle") == "muscl" and stem_of("classes") == "class"
    assert stem_of("relapsed") == stem_of("relapse") == stem_of("relapses")  # the silent "e" goes
    assert stem_of("notes") == stem_of("note") == "note"  # not "not"
    # A hyphen is no part of the word: "xrays" speaks of what "X-rays" names.
    assert stem_of("xrays") == stem_of("x-rays") == stem_of("x-ray") == "xray"


@pytest.mark.parametrize(
    ("text", "asking"),
    [
        # The case is told first, then asked about.
        ("pt 44 y/o, T2DM on metformin. does she meet the criteria?", "does she meet the criteria?"),
        # The purpose follows the question.
        ("what are all the codes listed for TMS? need the full list for our chargemaster", "what are all the codes listed for TMS?"),
        # No question mark: the sentences that ask in words.
        ("Pt on metformin. Which BMI threshold applies", "Which BMI threshold applies"),
        # Nothing asks: all of it.
        ("BMI threshold for sleeve", "BMI threshold for sleeve"),
    ],
)
def test_the_sentences_that_ask(text: str, asking: str) -> None:
    assert asking_sentences(text) == asking

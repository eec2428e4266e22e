"""Acronyms a question types, spelled out by the capitalised names the documents write."""

from __future__ import annotations

from assistant.answer.acronyms import expansions, initials, spelled_out


def test_initials_skip_joining_words() -> None:
    assert initials("Licensed Marriage and Family Therapist") == "lmft"
    assert initials("Certified Registered Nurse Anesthetist") == "crna"


def test_expansions_find_every_run_of_capitalised_words() -> None:
    known = expansions(["Clinicians (i.e. Independently Licensed Clinical Professional Counselor) may bill."])
    assert "licensed clinical professional counselor" in known["lcpc"]
    assert "independently licensed clinical professional counselor" in known["ilcpc"]
    assert "cl" not in known  # two letters spell too many names


def test_an_acronym_the_documents_never_write_is_spelled_out() -> None:
    known = expansions(["Billed by a Certified Registered Nurse Anesthetist."])
    spelled = spelled_out("can a CRNA bill 00840?", known, frozenset({"certified", "registered"}))
    assert spelled == {"crna": frozenset({"certified", "registered", "nurse", "anesthetist"})}


def test_an_acronym_the_documents_write_keeps_their_meaning() -> None:
    known = expansions(["Applied Behavior Analysis (ABA) needs a plan."])
    assert spelled_out("is ABA covered?", known, frozenset({"aba", "applied"})) == {}


def test_lower_case_words_and_unknown_initials_are_left_alone() -> None:
    known = expansions(["Registered Art Therapist"])
    assert spelled_out("is rat poison covered? what about XYZQ?", known, frozenset()) == {}


def test_initials_that_spell_many_names_are_left_alone() -> None:
    text = "Prior Authorization. Physician Assistant. Pulmonary Artery. Post Acute. Plan Administrator."
    known = expansions([text.replace(".", " Review.")])
    assert len(known["par"]) > 3
    assert spelled_out("does PAR apply?", known, frozenset()) == {}

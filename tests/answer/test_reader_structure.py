"""The reader on a PDF-like pharmacy program: contents lines, a colon left alone, numbered lists
joined by "-AND-", clipped words and counts of a list's items.

The document is a fictional fixture (tests/fixtures/reader/tallis-zerivane-program.md) ingested
with the CLI into a copy of the project corpus and indexed with the real model.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer.abstain import _continuations
from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.rank import Scored
from tests.answer.test_reader import _corpus_with, answered

pytestmark = pytest.mark.slow

with_program = _corpus_with(
    "with-tallis",
    ["tallis-zerivane-program.md"],
    "The project corpus plus a pharmacy program laid out as PDFs print one: dot-leader contents, "
    "a colon on a line of its own, '-AND-' joined criteria with nested scales.",
)


def test_9_a_contents_line_or_a_lone_colon_is_no_evidence(with_program: GroundedAnswerer) -> None:
    evidence = with_program.reader.evidence
    units = [u for u in evidence.units if u.doc_id.startswith("tallis")]
    assert ":" not in [u.text.strip() for u in units]
    contents = [u for u in units if "....." in u.text]
    assert contents and all(u.position in evidence.contents_lines for u in contents)
    # "payable" asks whether it is paid: no word the answer must share (before: "No passage speaks
    # of payable", and the contents line as the closest passage).
    answer = answered(with_program, "g9917 with modifier 25 - payable?")
    assert "we don't pay for HCPCS code G9917" in answer.citations[0].quote, answer.text


def test_5_a_numbered_lead_in_is_quoted_with_all_its_items(with_program: GroundedAnswerer) -> None:
    # "reauth" is clipped "Reauthorization"; the list's items are joined by "-AND-" and one has
    # scales nested under it: every item of the renewal list comes with its lead-in, and the
    # items after the nested scales are still the renewal list's (before: the lead-in alone).
    answer = answered(with_program, "zerivane reauth criteria")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "2. Reauthorization" in answer.citations[0].quote, answer.text
    for item in ("positive clinical response", "recent headache diary", "Fewer monthly headache days"):
        assert item in quotes, answer.text


def test_5_an_item_after_a_nested_list_keeps_its_own_lead_in(with_program: GroundedAnswerer) -> None:
    evidence = with_program.reader.evidence
    item = next(u for u in evidence.units if u.text.startswith("AND- (3) Failure of two preventive"))
    assert item.lead_in is not None
    assert evidence.units[item.lead_in].text.startswith("1. Initial Authorization"), evidence.units[item.lead_in].text


def test_4_how_many_criteria_is_answered_by_a_count_of_the_following_indications(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "how many criteria for TAA?")
    assert "two or more of the following indications" in answer.citations[0].quote, answer.text


def test_4_minimum_after_a_code_asks_for_a_number(with_program: GroundedAnswerer) -> None:
    # "G9918 minimum time": the digits before "minimum" are a code's, not a value stated.
    answer = answered(with_program, "g9918 minimum time")
    assert re.search(r"at least 20 minutes", answer.text), answer.text


def test_4_a_code_series_asked_by_letter_needs_a_code(with_program: GroundedAnswerer) -> None:
    # "zerivane J code?" asks for a code: the program gives none, so the answer is no description
    # of the drug (before: its indication, at full confidence).
    answer = with_program.answer(["zerivane J code?"])
    assert answer.abstained, answer.text


with_two_programs = _corpus_with(
    "with-tallis-and-hollin",
    ["tallis-zerivane-program.md", "hollin-mere-joint-lcd.md"],
    "The project corpus plus the pharmacy program and an LCD with criteria for procedures named by acronyms.",
)


def test_10_a_complete_follow_up_naming_another_documents_acronym_stands_alone(with_two_programs: GroundedAnswerer) -> None:
    # "which indications are required for TER?" names nothing the recogniser knows, and its words are the
    # documents' own, but TER is an acronym only the LCD writes: a topic of its own, not the drug
    # program's (before: searched as "... (tallis)" and answered from the program).
    question = with_two_programs.questions.read(["tallis zerivane reauth criteria", "which indications are required for TER?"])
    assert not question.carried and "tallis" not in question.query.lower(), question.query
    # A follow-up with no topic of its own still continues the conversation.
    follow_up = with_two_programs.questions.read(["tallis zerivane reauth criteria", "how long is that approval good for?"])
    assert follow_up.carried, follow_up.query


def test_4_the_neighbour_giving_the_date_is_the_one_saying_what_is_asked(with_program: GroundedAnswerer) -> None:
    # A header line without the answer ("Medication: Zerivane") takes a neighbour that gives a
    # date: the one saying "effective date", not the nearer "P&T Approval Date" (before: the nearer).
    evidence = with_program.reader.evidence
    anchor = next(u for u in evidence.units if u.text.startswith("Medication: Zerivane"))
    question = with_program.questions.read(["zerivane effective date"])
    pair = _continuations(Scored(anchor, (), 1.0), question, evidence)
    assert [u.unit.text for u in pair][1].startswith("Effective Date: 9/1/2026"), [u.unit.text for u in pair]


def test_5_a_footnote_is_read_and_quoted_with_the_sentence_calling_it(with_program: GroundedAnswerer) -> None:
    # "... each taken for at least 3 monthsc" calls footnote "c For Vermont and Oregon business, a
    # 6-week trial ...". The footnote ranks by the sentence calling it, and is quoted after it:
    # alone, "6-week trial" says nothing of what it replaces (before: the 3-month rule alone).
    evidence = with_program.reader.evidence
    note = next(u for u in evidence.units if "Vermont and Oregon business" in u.text)
    assert note.note_of is not None and "at least 3 monthsc" in evidence.units[note.note_of].text
    answer = answered(with_program, "zerivane for a vermont member: do the 2 preventive meds still need 3 months each?")
    quotes = [c.quote for c in answer.citations]
    assert any("Vermont and Oregon business" in q for q in quotes), answer.text
    caller = next(i for i, q in enumerate(quotes) if "at least 3 monthsc" in q)
    assert "Vermont" in quotes[caller + 1], answer.text


def test_4_who_to_contact_is_answered_by_the_party_named_and_a_phone_number_still_needs_one(
    with_program: GroundedAnswerer,
) -> None:
    # "who ... contact" asks for a party: "contact the Plan" names it (before: "No passage gives
    # the phone number or contact asked for"). A phone number asked for is still not there.
    answer = answered(with_program, "who should prescribers contact with zerivane coverage questions?")
    assert "contact the Plan for specific coverage questions" in answer.citations[0].quote, answer.text
    assert with_program.answer(["tallis phone number for zerivane coverage questions?"]).abstained

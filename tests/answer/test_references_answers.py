"""Answers that rest on reference facts: both sides of a conflict, dates, stated absences."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.answer.answerer import GroundedAnswerer


def ask(client: TestClient, question: str) -> dict:
    response = client.post("/v1/chat", json={"messages": [{"role": "user", "content": question}]})
    assert response.status_code == 200, response.text
    return response.json()


def test_bilateral_question_shows_both_sides_with_the_conflict(client: TestClient) -> None:
    body = ask(client, "How should chemodenervation of both legs at one visit be billed?")
    assert not body["abstained"]
    assert "64643" in body["answer"] and "modifier 50" in body["answer"]
    assert "differ" in body["answer"]
    kinds = {c["kind"] for c in body["citations"]}
    assert kinds == {"publication", "reference"}
    conflict = next(c for c in body["conflicts"] if "extremities" in c["topic"].lower())
    markers = {c["marker"] for c in body["citations"]}
    assert len(conflict["claims"]) >= 2 and all(claim["citation"] in markers for claim in conflict["claims"])
    reference = next(c for c in body["citations"] if c["kind"] == "reference")
    assert reference["confidence"] in ("high", "medium") and reference["source"]


def test_icd_answer_names_the_code_with_its_effective_date(client: TestClient) -> None:
    body = ask(client, "Which ICD-10-CM code is relapsing remitting multiple sclerosis?")
    assert "G35.A" in body["answer"] and "2025-10-01" in body["answer"]
    assert any(c["doc_id"] == "ref-icd10" for c in body["citations"])


def test_date_of_service_selects_the_rule_in_force(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Which ICD-10-CM code for multiple sclerosis on a 2024 claim?"])
    assert "G35.A" not in answer.text.split("Not in force")[0]
    assert "2025" in answer.text


def test_stated_absence_abstains(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Which policy number does Cigna use for botulinum toxin?"])
    assert answer.abstained
    assert any("Cigna" in c.quote for c in answer.citations)


def test_publication_only_question_is_still_attributed(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Is CPT 64642 covered by Aetna?"])
    assert not answer.abstained and "publication" in answer.text.lower()


def test_a_coverage_answer_stays_on_coverage(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Which payers list 64642 as covered?"])
    assert len(answer.citations) == 1 and not answer.conflicts
    assert "Major payers covering" in answer.citations[0].quote


def test_place_of_service_answer_shows_the_pos_conflict(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["What POS is typical for 64642?"])
    assert any("outpatient hospital" in c.topic.lower() for c in answer.conflicts)
    assert "POS 19" in answer.text


def test_a_date_before_a_rule_names_the_rule_and_drops_the_one_sided_conflict(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["what did POS 22 mean before 2016?"])
    assert not answer.abstained
    assert "Not in force for dates of service in 2015" in answer.text and "2016-01-01" in answer.text
    assert answer.conflicts == ()  # the other side (POS 19, from 2016) is not in force: nothing to compare
    assert "differ" not in answer.text


def test_codes_compared_get_each_codes_own_facts(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Compare CPT 95873 with CPT 95874."])
    assert not answer.abstained
    assert "95873" in answer.text and "95874" in answer.text
    assert {c.doc_id for c in answer.citations} == {"ref-guidance"}


def test_a_drug_no_source_names_abstains_instead_of_listing_other_drugs(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Which HCPCS code is prabotulinumtoxinA billed with?"])
    assert answer.abstained
    assert "prabotulinumtoxinA" in answer.text
    assert "J0585" not in answer.text.split("Closest passages")[0]


def test_a_code_alone_is_answered_with_its_defining_fact(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["95873?"])
    assert not answer.abstained
    assert "electrical stimulation" in answer.text
    assert all("95873" in c.quote for c in answer.citations)


def test_a_named_diagnosis_code_outranks_a_named_condition(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Which type of multiple sclerosis does G35.B0 stand for?"])
    assert "G35.B0" in answer.text
    assert any(c.doc_id == "ref-icd10" and "G35.B0" in c.quote for c in answer.citations)


def test_a_code_asked_for_a_date_before_it_existed_names_the_date_it_began(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Off-campus hospital outpatient department, date of service March 2015: POS 19?"])
    assert not answer.abstained
    assert "2016-01-01" in answer.text and "POS 19" in answer.text

"""The evidence-first reader, one test per kind of fault it must not have.

The documents are fictional test fixtures (tests/fixtures/reader/), ingested with the CLI into a
copy of the project corpus and indexed with the real model; the answers come from the real reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from assistant import pipeline
from assistant.answer.abstain import Verdict, choose
from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.evidence import EvidenceUnit
from assistant.answer.rank import keyed_by, row_of
from assistant.answer.writer import Composer
from assistant.cli import main
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.models import Answer
from tests.conftest import ROOT, copy_project_data

pytestmark = pytest.mark.slow

FIXTURES = ROOT / "tests" / "fixtures" / "reader"
POLICY = "brightwater-chemodenervation-policy"
NOTE = "ridgefield-64642-note"


def _ingest(root_name: str, files: list[str], factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> GroundedAnswerer:
    root = factory.mktemp(root_name)
    settings = copy_project_data(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
        patch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
        patch.setenv("ASSISTANT_PROMPTS_DIR", str(settings.prompts_dir))
        patch.setattr(pipeline, "make_embedder", lambda _settings: embedder)
        if files:
            assert main(["ingest", *(str(FIXTURES / f) for f in files)]) == 0
        else:
            assert main(["build"]) == 0
    return pipeline.load_answerer(settings, embedder)


def _corpus_with(root_name: str, files: list[str], doc: str) -> Callable[..., GroundedAnswerer]:
    """A module-scoped fixture: the project corpus plus ``files`` of tests/fixtures/reader (``doc`` says what they are)."""

    def fixture(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> GroundedAnswerer:
        return _ingest(root_name, files, tmp_path_factory, real_embedder)

    fixture.__doc__ = doc
    return pytest.fixture(scope="module")(fixture)


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Iterator[GroundedAnswerer]:
    """The project corpus plus the Brightwater policy."""
    yield _ingest("reader", [f"{POLICY}.md"], tmp_path_factory, real_embedder)


def cited_docs(answer: Answer, reader: GroundedAnswerer) -> set[str]:
    """The documents an answer cites, after checking each quote is its exact span."""
    for c in answer.citations:
        assert reader.index.documents[c.doc_id].text[c.start : c.end] == c.quote
    return {c.doc_id for c in answer.citations}


def answered(reader: GroundedAnswerer, *turns: str) -> Answer:
    answer = reader.answer(list(turns))
    assert not answer.abstained, answer.text
    return answer


def test_1_the_users_document_outranks_curated_facts(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Does Brightwater Health Plan require prior auth for 64642?")
    assert POLICY in cited_docs(answer, reader)
    assert "requires prior authorization for CPT 64642" in answer.text


def test_2_and_4_a_contact_question_is_answered_when_a_document_gives_the_number(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "what phone # do we call for Brightwater prior auth?")
    assert "555-014-2297" in answer.text


@pytest.mark.parametrize("question", ["What does 0999T describe?", "What does CPT 0999T mean?", "what's the meaning of 0999T?"])
def test_3_a_code_only_an_ingested_document_defines(reader: GroundedAnswerer, question: str) -> None:
    # "mean" asks what the code is, like "describe"; it is no word the answer must contain.
    answer = answered(reader, question)
    assert "ultrasound nerve mapping" in answer.text
    assert cited_docs(answer, reader) == {POLICY}


def test_4_a_when_question_gets_the_sentence_with_the_date(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "When did the Brightwater chemodenervation policy take effect?")
    assert "March 1, 2026" in answer.text


def test_4_a_question_asking_for_an_amount_no_source_gives_abstains(reader: GroundedAnswerer) -> None:
    answer = reader.answer(["What is the Brightwater fee for 64642?"])
    assert answer.abstained
    assert "$" not in answer.text


def test_5_a_list_item_keeps_its_lead_in(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Is treatment of cosmetic forehead wrinkles covered by Brightwater?")
    assert "not covered" in answer.text
    assert "forehead wrinkles" in answer.text


def test_5_a_question_for_the_whole_list_gets_every_item(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "List all the services Brightwater does not cover")
    assert "forehead wrinkles" in answer.text and "Maintenance sessions" in answer.text


def test_6_a_code_inside_a_range_matches(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Does Brightwater pay 90834, and what must the notes record?")
    assert "90832-90838" in answer.text and "start and stop times" in answer.text


def test_6_a_table_row_answers_with_its_header(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Does Brightwater require prior authorization for 64617?")
    assert any("Code: 64617" in c.quote and "Prior authorization: Yes" in c.quote for c in answer.citations)


@pytest.mark.parametrize("name", ["lumiprazole", "Zentravix"])
def test_7_brand_and_generic_names_match_each_other(reader: GroundedAnswerer, name: str) -> None:
    answer = answered(reader, f"does {name} need step therapy?")
    assert "step therapy" in answer.text and POLICY in cited_docs(answer, reader)


def test_7_the_synonyms_come_from_the_documents(reader: GroundedAnswerer) -> None:
    assert "zentravix" in reader.questions.synonyms["lumiprazole"]
    assert "lumiprazole" in reader.questions.synonyms["zentravix"]


def test_8_a_count_in_the_question_fits_the_range_a_descriptor_states(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Brightwater: which code for chemodenervation of 3 muscles in one arm?")
    first = answer.citations[0].quote
    assert "1-4 muscle(s)" in first and "64642" in first


def test_5_which_code_from_a_list_asks_for_one_code_not_the_list(reader: GroundedAnswerer) -> None:
    # "list" names where the code is taken from: the row that fits comes first, not the table's first row.
    answer = answered(reader, "which code from Brightwater's list for chemodenervation of one arm, 6 muscles?")
    assert "64644" in answer.citations[0].quote, answer.text


def test_1_a_payer_fact_about_another_procedure_does_not_answer_for_the_word_cover(reader: GroundedAnswerer) -> None:
    # The curated facts list Cigna among the payers "covering" CPT 64642; nothing speaks of a lap band.
    answer = reader.answer(["17 y/o wants a lap band - Cigna covers?"])
    assert answer.abstained, answer.text


def test_2_the_words_of_a_comparison_are_not_what_it_is_about(reader: GroundedAnswerer) -> None:
    # "whats", "difference" and "between" say how it is asked; the codes say what about.
    answer = answered(reader, "whats the difference between 64642 and 64644 in the Brightwater policy?")
    assert any("64644" in c.quote for c in answer.citations), answer.text


def test_9_no_title_or_heading_answers_when_no_sentence_does(reader: GroundedAnswerer) -> None:
    answer = reader.answer(["What does the Brightwater policy say about acupuncture for migraine?"])
    assert answer.abstained


@pytest.mark.parametrize(
    "unrelated", ["What is a good recipe for banana bread?", "What is the capital of France?", "whats the weather in dallas today"]
)
def test_10_an_unrelated_question_after_a_coverage_question_stands_alone(reader: GroundedAnswerer, unrelated: str) -> None:
    answer = reader.answer(["Does Cigna cover CPT 64642?", unrelated])
    assert answer.abstained
    assert answer.query == unrelated


def test_10_an_elliptical_follow_up_borrows_the_earlier_question(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Is 64642 covered by Aetna?", "What about Cigna?")
    assert "Cigna" in answer.text and "64642" in answer.query


def test_11_a_compound_question_is_answered_in_both_parts(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Does Brightwater require prior authorization for 64617, and what phone number do we call?")
    assert "Prior authorization: Yes" in " ".join(c.quote for c in answer.citations)
    assert "555-014-2297" in answer.text


def test_12_the_named_document_is_silent_so_the_answer_abstains(reader: GroundedAnswerer) -> None:
    answer = reader.answer(["What does Brightwater Health Plan say about modifier 50?"])
    assert answer.abstained


with_note = _corpus_with("with-note", [f"{NOTE}.txt"], "The project corpus plus a two-sentence note from another plan that mentions 64642.")


@pytest.mark.parametrize(
    "question",
    ["Does Cigna cover 64642?", "Is CPT 64642 covered by Aetna?", "Which place of service for 64642 in an office?"],
)
def test_13_adding_an_unrelated_document_leaves_answers_unchanged(
    answerer: GroundedAnswerer, with_note: GroundedAnswerer, question: str
) -> None:
    before, after = answerer.answer([question]), with_note.answer([question])
    assert not before.abstained and not after.abstained
    assert before.text == after.text
    assert NOTE not in cited_docs(after, with_note)


with_frequency = _corpus_with("with-frequency", ["harbor-point-frequency-note.md"], "The project corpus plus a short note that states a payment frequency in words.")


def test_12_a_code_no_source_has_is_missing_though_the_question_names_a_note_without_a_code_table(
    with_frequency: GroundedAnswerer,
) -> None:
    # The note names 64612 but no diagnosis code, and no source has M54.50: the note cannot say
    # whether it is covered (a document with a diagnosis table answers "not among the codes listed").
    answer = with_frequency.answer(["is M54.50 a covered dx for 64612 in the Harbor Point Health frequency note?"])
    assert answer.abstained and "M54.50" in answer.text, answer.text  # before: "No passage speaks of diagnosis"


def test_10_a_follow_up_asking_how_often_is_answered_by_a_frequency_in_words(with_frequency: GroundedAnswerer) -> None:
    answer = answered(with_frequency, "Does Harbor Point Health require prior auth for 64612?", "And how often does it pay for it?")
    assert "once every twelve weeks" in answer.text


with_program = _corpus_with("with-program", ["larkspur-velmora-program.md"], "The project corpus plus a drug program with numbered criteria, a duration and modifiers.")


def test_4_how_long_is_answered_by_a_duration_not_by_a_list_number(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "how long is a Larkspur approval of Velmora good for?")
    assert "issued for 6 months" in answer.text
    # "1. Initial authorization" numbers a list: a quote whose only number is a list's is no answer.
    assert all(re.search(r"\d+ (weeks|months)", c.quote) or c.quote.endswith(":") for c in answer.citations)


def test_4_how_many_of_a_noun_needs_that_noun_counted(with_program: GroundedAnswerer) -> None:
    # "issued for 6 months" counts months; the question counts vials, per month.
    answer = with_program.answer(["how many Velmora vials per month does Larkspur allow?"])
    assert answer.abstained, answer.text
    answer = answered(with_program, "how many preventive agents does Larkspur want failed for Velmora?")
    assert any("two preventive agents" in c.quote for c in answer.citations), answer.text


with_renewal = _corpus_with("with-renewal", ["oakmere-renewal-note.md"], "The project corpus plus a renewal note whose list has a nested list.")


def test_5_an_item_introducing_a_list_is_quoted_with_its_items(with_renewal: GroundedAnswerer) -> None:
    # "Chart notes documenting a recent score on one of the following scales:" is itself an item
    # of the renewal criteria; quoted alone it does not say which scales.
    answer = answered(with_renewal, "Brenzavir renewal w/ Oakmere - what do the chart notes have to document?")
    assert "Kestrel Pain Index" in answer.text and "Marlow Function Score" in answer.text, answer.text
    assert answer.text.index("all of the following are met:") < answer.text.index("Chart notes documenting")
    # The outer list has three items; the nested one's two do not cut it short.
    assert "of the 2 items" not in answer.text, answer.text


def test_5_a_whole_list_asked_includes_the_lists_nested_under_its_items(with_renewal: GroundedAnswerer) -> None:
    answer = answered(with_renewal, "list every case where Oakmere won't renew Brenzavir")
    for item in ("condition other than the approved one", "Missed infusions", "zelmoprine", "corbaxin", "ostravine"):
        assert item in answer.text, (item, answer.text)


def test_5_which_plural_asks_for_the_whole_list(with_renewal: GroundedAnswerer) -> None:
    # No "list" or "all" in it: "which other medications would ..." asks for every one of them.
    answer = answered(with_renewal, "which other medications would block an Oakmere Brenzavir renewal?")
    for drug in ("zelmoprine", "talvudine", "corbaxin", "ferrolide", "ostravine"):
        assert drug in answer.text, (drug, answer.text)


def test_4_a_duration_written_in_shorthand_answers_how_long(with_renewal: GroundedAnswerer) -> None:
    # "45 mins" is a length of time as much as "45 minutes"; "issued for 6 months" is another one.
    answer = answered(with_renewal, "how long does an Oakmere Brenzavir infusion visit last?")
    assert "runs 45 mins" in answer.citations[0].quote, answer.text


def test_12_an_abstention_for_a_code_no_source_names_still_cites_the_closest_passages(with_program: GroundedAnswerer) -> None:
    answer = with_program.answer(["how often can 0990T nerve mapping be billed?"])
    assert answer.abstained and "0990T" in answer.text
    assert answer.citations and "larkspur-velmora-program" in cited_docs(answer, with_program), answer.text


def test_2_how_many_times_is_answered_by_a_frequency_in_words(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "how many times can we bill 0998T for a patient?")
    assert "once per treatment course" in answer.citations[0].quote


def test_4_which_modifier_is_answered_by_a_modifier_not_by_the_word(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "Larkspur home infusion given by a nurse - which modifier do we use?")
    assert "modifier KQ" in answer.citations[0].quote


def test_4_what_mod_in_shorthand_is_answered_by_a_modifier(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "Larkspur home infusion given by a nurse - what mod goes on the claim?")
    assert "modifier KQ" in answer.citations[0].quote


def test_5_what_modifiers_is_answered_by_modifiers_not_by_a_table_of_codes(with_program: GroundedAnswerer) -> None:
    # The rows of the coding section's table share "coding" with the question but name no modifier.
    answer = answered(with_program, "Larkspur coding - what modifiers go on a home nurse infusion claim?")
    assert "modifier KQ" in answer.citations[0].quote, answer.text


def test_12_modifiers_the_named_document_never_names_are_not_answered_from_it(with_program: GroundedAnswerer) -> None:
    # The curated facts name modifiers 59 and XS; the Larkspur program names neither, though its
    # coding section is close in meaning.
    question = "Larkspur Care Velmora home infusion - mod 59 or XS?"
    answer = with_program.answer([question])
    assert answer.abstained, answer.text
    assert "names modifier 59 or XS" in answer.text
    # The same question about the modifier the program does name is answered from it.
    answer = answered(with_program, question.replace("mod 59 or XS", "modifier KQ or 59"))
    assert "modifier KQ" in answer.citations[0].quote


def test_6_the_row_of_the_asked_code_answers_before_rows_that_mention_it(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "what is not to be reported with 0998T?")
    assert "0995T, 0994T" in answer.citations[0].quote


def test_6_a_list_question_with_a_condition_gets_the_rows_that_meet_it(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Which codes does Brightwater allow without prior authorization?")
    rows = [c.quote for c in answer.citations if c.quote.startswith("Code:")]
    assert rows and all("Prior authorization: No" in row for row in rows), rows


with_wrenfield = _corpus_with("with-wrenfield", ["wrenfield-quellara-policy.md", "wrenfield-infusion-note.md"], "The project corpus plus a plan's policy and a note with no publisher that names the plan.")


def test_12_a_note_with_no_publisher_answers_for_the_plan_its_opening_line_names(with_wrenfield: GroundedAnswerer) -> None:
    answer = answered(with_wrenfield, "Does Wrenfield Health Plan require prior authorization for J9998?")
    assert "wrenfield-infusion-note" in cited_docs(answer, with_wrenfield)
    assert "Prior authorization is required before the first Quellara infusion" in answer.text
    # The note's title line only repeats the question: it is no quote.
    assert all("billing note (fictional)" not in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "first_quote"),
    [
        # Naming the asked code is a preference, never a requirement: the record sentence names no code.
        ("What should the record state about J9998 for Wrenfield Health Plan?", "the dose given and the amount discarded"),
        # ... and only among units close to the best: a weaker sentence naming it does not displace the best.
        ("When are continued J9998 infusions covered?", "fall by at least half"),
    ],
)
def test_6_a_sentence_naming_the_code_goes_first_only_among_close_ones(with_wrenfield: GroundedAnswerer, question: str, first_quote: str) -> None:
    assert first_quote in answered(with_wrenfield, question).citations[0].quote


def test_4_a_count_in_words_with_a_word_between_answers_how_many(with_wrenfield: GroundedAnswerer) -> None:
    answer = answered(with_wrenfield, "how many flare days does Wrenfield Health Plan require before J9998 is medically necessary?")
    assert "at least twelve flare days" in answer.text


def test_4_a_section_number_is_no_amount(with_wrenfield: GroundedAnswerer) -> None:
    assert with_wrenfield.answer(["How much does Wrenfield Health Plan pay for J9998?"]).abstained


def test_11_a_statement_after_a_question_is_context_not_a_second_question(with_wrenfield: GroundedAnswerer) -> None:
    answer = with_wrenfield.answer(["Is there a minimum age for J9998 under Wrenfield Health Plan? pt is 17"])
    assert answer.abstained, answer.text


def test_4_a_contact_beside_the_sentence_that_speaks_of_the_question_answers_it(with_wrenfield: GroundedAnswerer) -> None:
    answer = answered(with_wrenfield, "who do we contact to copy the Quellara dosing table into our billing software?")
    assert "rights@wrenfield.example" in answer.text


def test_4_which_code_of_a_named_system_needs_a_code_of_that_system(with_wrenfield: GroundedAnswerer) -> None:
    assert "L40.59" in answered(with_wrenfield, "Which ICD-10-CM code goes on a Wrenfield J9998 claim?").text
    assert with_wrenfield.answer(["Which NUCC taxonomy code bills J9998 for Wrenfield Health Plan?"]).abstained


def test_6_a_sentence_naming_only_another_code_does_not_answer_for_the_asked_one(with_wrenfield: GroundedAnswerer) -> None:
    answer = with_wrenfield.answer(["how many minutes does a J9998 infusion take at Wrenfield Health Plan?"])
    assert answer.abstained, answer.text


def test_9_a_study_report_states_no_rule(with_wrenfield: GroundedAnswerer) -> None:
    answer = with_wrenfield.answer(["Does Wrenfield Health Plan cover Quellara every six weeks?"])
    assert answer.abstained or all("randomized trial" not in c.quote for c in answer.citations), answer.text


def test_11_each_part_of_a_compound_question_keeps_the_names_of_the_whole(with_wrenfield: GroundedAnswerer) -> None:
    answer = answered(with_wrenfield, "does Wrenfield Health Plan require prior authorization for J9998, and how often can it be reported?")
    assert "Prior authorization is required" in answer.text
    assert "once per infusion day" in answer.text


@pytest.mark.parametrize("opening", ["", "ok and "])
def test_2_what_a_question_asks_to_be_required_must_be_in_the_evidence(with_wrenfield: GroundedAnswerer, opening: str) -> None:
    # The note says prior authorization is required for the first Quellara infusion; of a referral it says nothing.
    answer = with_wrenfield.answer([f"{opening}does Wrenfield Health Plan require a referral for Quellara infusions?"])
    assert answer.abstained, answer.text
    assert "referral" in answer.text
    assert "Prior authorization is required" in answered(with_wrenfield, f"{opening}does Wrenfield Health Plan require prior auth for Quellara?").text


def test_12_modifiers_no_source_names_abstain(with_wrenfield: GroundedAnswerer) -> None:
    answer = with_wrenfield.answer(["Wrenfield J9998 claim - GA or GZ modifier?"])
    assert answer.abstained
    assert "modifier GA" in answer.text


def test_12_a_modifier_the_sources_name_answers_beside_one_they_do_not(with_wrenfield: GroundedAnswerer) -> None:
    answer = answered(with_wrenfield, "discarded Quellara under Wrenfield - JW or KX modifier?")
    assert "modifier JW" in answer.text


def test_4_what_icd_10_do_we_put_needs_an_icd_10_code(with_wrenfield: GroundedAnswerer) -> None:
    answer = answered(with_wrenfield, "what ICD-10 do we put on the Quellara claim for Wrenfield?")
    assert "L40.59" in answer.text


with_larch = _corpus_with("with-larch", ["larch-valley-scalp-cooling-article.md"], "The project corpus plus a billing article with a table of supporting diagnoses.")


def test_12_a_diagnosis_the_named_list_lacks_is_answered_by_the_list(with_larch: GroundedAnswerer) -> None:
    answer = answered(with_larch, "does Larch Valley cover scalp cooling for C56.1?")
    assert "C50.911" in answer.text and "C50.912" in answer.text
    assert "C56.1 is not among the codes listed" in answer.text


def test_12_a_diagnosis_the_list_lacks_beside_a_code_the_article_names(with_larch: GroundedAnswerer) -> None:
    # The article speaks of 0991T, never of C56.1: its diagnosis list answers, by not naming it.
    answer = answered(with_larch, "pt dx is C56.1. will Larch Valley pay 0991T with that dx?")
    assert any("C50.911" in c.quote for c in answer.citations), answer.text
    assert "C56.1 is not among the codes listed" in answer.text


def test_11_parts_answered_by_the_same_rows_quote_them_once(with_larch: GroundedAnswerer) -> None:
    answer = answered(with_larch, "which ICD-10 codes support scalp cooling under A99901? is C56.1 ok?")
    assert answer.text.count("C50.911") == 1
    assert "C56.1 is not among the codes listed" in answer.text


def test_5_a_question_asking_for_the_listed_codes_gets_the_whole_table(with_larch: GroundedAnswerer) -> None:
    answer = answered(with_larch, "Larch Valley scalp cooling article - what CPT codes are listed?")
    assert all(f"099{n}T" in answer.text for n in range(1, 6))
    assert "C50.911" not in answer.text  # the diagnosis table is another list


def test_9_units_under_an_evidence_review_heading_are_marked_until_a_rules_heading(with_wrenfield: GroundedAnswerer) -> None:
    evidence = with_wrenfield.reader.evidence
    marked = {evidence.units[p].section for p in evidence.descriptive if evidence.units[p].doc_id == "wrenfield-quellara-policy"}
    assert marked == {"Evidence"}  # not "Coverage", "Home doses" before it, nor "Payment" after it


def test_10_a_follow_up_naming_nothing_in_the_documents_words_keeps_the_names_before(reader: GroundedAnswerer) -> None:
    answer = answered(reader, "Does Brightwater Health Plan require prior auth for 64642?", "which services are not covered?")
    assert "Brightwater" in answer.query
    assert "cosmetic forehead wrinkles" in answer.text


def test_12_a_fee_for_a_code_the_article_does_not_list_is_not_answered_by_a_table(with_larch: GroundedAnswerer) -> None:
    # Neither the code table nor the contractor table (whose contract numbers look like codes) gives a fee.
    answer = with_larch.answer(["What is the Larch Valley fee schedule amount for CPT 90837 in Colorado?"])
    assert answer.abstained, answer.text


def test_12_an_icd10_category_is_known_when_a_source_names_a_code_under_it(with_larch: GroundedAnswerer) -> None:
    # No source writes "C50" alone; the article lists C50.911 and C50.912 under it.
    evidence = with_larch.reader.evidence
    assert {evidence.units[p].text.split(";")[0] for p in evidence.naming("C50")} == {"Code: C50.911", "Code: C50.912"}
    assert evidence.naming("C5") == evidence.naming("C50.9") == []  # categories are three characters
    answer = with_larch.answer(["which C50 codes support medical necessity for scalp cooling?"])
    assert "not mention" not in answer.text, answer.text  # before: "The sources do not mention code C50."


def test_9_licence_text_is_no_answer(with_larch: GroundedAnswerer) -> None:
    # The article's copyright and disclaimer paragraph shares "prior authorization" with the
    # question; the article states no rule on it. Medicare articles and LCDs all carry such text.
    answer = with_larch.answer(["does Larch Valley require prior authorization for scalp cooling?"])
    assert answer.abstained, answer.text  # before: the disclaimer, quoted as the answer


def test_12_a_contractor_table_is_no_code_table(with_larch: GroundedAnswerer) -> None:
    answer = answered(with_larch, "does Larch Valley cover scalp cooling for C56.1?")
    assert "Contract Number" not in answer.text


with_thornbury = _corpus_with("thornbury", ["thornbury-migraine-step-therapy.md"], "The project corpus plus a step-therapy policy that names drugs by their generic names only.")


@pytest.mark.parametrize("brand", ["Imitrex", "maxalt"])
def test_7_a_brand_matches_the_generic_a_document_gives_through_the_drug_dictionary(
    with_thornbury: GroundedAnswerer, brand: str
) -> None:
    # The policy never writes "Brand (generic)": the names come from drug-named-entity-recognition.
    answer = answered(with_thornbury, f"pt already failed {brand} for 3 months - does Thornbury approve a gepant?")
    assert "tried and failed rizatriptan or sumatriptan" in answer.citations[0].quote
    assert "thornbury-migraine-step-therapy" in cited_docs(answer, with_thornbury)


def test_7_a_brand_whose_names_no_source_uses_abstains_naming_it(with_thornbury: GroundedAnswerer) -> None:
    answer = with_thornbury.answer(["Does Thornbury cover Mounjaro for migraine?"])
    assert answer.abstained
    assert "Mounjaro" in answer.text


def test_7_an_absent_drug_beside_one_the_sources_name_is_left_to_the_evidence(with_thornbury: GroundedAnswerer) -> None:
    # Mounjaro is no drug of the policy; rimegepant is: the rule on rimegepant trials answers.
    answer = answered(with_thornbury, "pt tried Mounjaro and rimegepant - does the rimegepant trial count for Thornbury?")
    assert "rimegepant counts only when" in answer.citations[0].quote


@pytest.mark.parametrize("turns", [["What is the capital of France?"], ["Does Thornbury cover a gepant?", "What is the capital of France?"]])
def test_10_a_word_shared_by_chance_does_not_answer_an_unrelated_question(
    with_thornbury: GroundedAnswerer, turns: list[str]
) -> None:
    # "capital" is a word of the policy ("slipped capital femoral epiphysis"), in a sentence about something else.
    answer = with_thornbury.answer(turns)
    assert answer.abstained, answer.text


def test_9_a_societys_recommendations_are_marked_as_evidence_review(with_thornbury: GroundedAnswerer) -> None:
    evidence = with_thornbury.reader.evidence
    doc = "thornbury-migraine-step-therapy"
    marked = {evidence.units[p].section for p in evidence.descriptive if evidence.units[p].doc_id == doc}
    # Not the limitations after it, nor "Utilization guidelines", which are rules.
    assert marked == {"Clinical Practice Guidelines > American Headache Society"}


def test_9_a_revision_history_line_answers_only_a_question_about_changes(with_thornbury: GroundedAnswerer) -> None:
    rule = answered(with_thornbury, "what step therapy does Thornbury want before a gepant for acute migraine?")
    assert "tried and failed rizatriptan or sumatriptan" in rule.citations[0].quote
    change = answered(with_thornbury, "when did Thornbury last update the gepant step therapy criteria?")
    assert "3/2024" in change.citations[0].quote


def test_1_a_question_on_a_topic_only_a_loaded_document_has_is_the_readers(with_thornbury: GroundedAnswerer) -> None:
    # Only the loaded policy speaks of rimegepant; the curated facts name Aetna, about 64642. The
    # facts-first answerer said "The sources do not mention rimegepant".
    answer = with_thornbury.answer(["is rimegepant covered by aetna?"])
    assert answer.abstained
    assert "do not mention" not in answer.text and "about aetna" in answer.text


def test_10_a_follow_up_with_its_own_question_keeps_the_topic_before(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "Larkspur Velmora - what is needed for the initial approval?", "how long does that approval last?")
    assert "Velmora" in answer.query  # the rare word of the turn before: what the conversation is about
    assert "issued for 6 months" in answer.text


def test_10_a_follow_up_keeps_an_acronym_topic_however_common_its_letters(with_renewal: GroundedAnswerer) -> None:
    # "ECT" is frequent English letters (a zipf above the rare-word cut), yet it is what the
    # conversation is about; the follow-up was searched without it and abstained.
    answer = answered(with_renewal, "can an Oakmere member get a 2nd round of ECT?", "what response did they need to show on the first course?")
    assert "ECT" in answer.query, answer.query
    assert not answer.abstained and "40 percent" in answer.text, answer.text


def test_5_a_list_quoted_in_part_says_how_much_of_it_is_left_out(with_program: GroundedAnswerer) -> None:
    answer = answered(with_program, "does Larkspur require a diagnosis of chronic cluster headache for Velmora?")
    assert "Diagnosis of chronic cluster headache" in answer.text
    assert "1 of the 2 items under [" in answer.text  # the other criterion is not quoted, and the answer says so


with_criteria = _corpus_with("with-criteria", ["fenwick-nightward-policy.md"], "The project corpus plus a device policy with numeric coverage criteria.")


def test_4_how_many_sessions_needs_sessions_counted_not_a_billing_frequency(with_criteria: GroundedAnswerer) -> None:
    # "may be billed once per treatment course" says how often a visit is billed, not how many
    # sessions a course has; "how many times" is answered by it.
    answer = with_criteria.answer(["how many Nightward titration sessions does Fenwick allow per course?"])
    assert answer.abstained, answer.text
    answer = answered(with_criteria, "how many times can the Fenwick Nightward titration planning visit be billed?")
    assert "once per treatment course" in answer.text, answer.text


def test_8_the_numbers_of_a_case_are_held_against_the_quoted_criteria(with_criteria: GroundedAnswerer) -> None:
    answer = answered(with_criteria, "Fenwick pt, 58 y/o, BMI 34, AHI 30 on the sleep study - does he meet the Nightward criteria?")
    assert 'BMI 34 is outside "BMI ≤ 32 kg/m2"' in answer.text, answer.text
    assert 'AHI 30 meets "AHI of 15 to 65"' in answer.text, answer.text
    # Each comparison is cited to the quote that states its threshold.
    check = answer.text[answer.text.index("Held against") :]
    for marker in {int(m) for m in re.findall(r"\[(\d+)\]", check)}:
        assert any(c.marker == marker and ("BMI" in c.quote or "AHI" in c.quote or "years" in c.quote) for c in answer.citations)


def test_9_a_reference_list_entry_answers_only_a_question_about_sources(with_criteria: GroundedAnswerer) -> None:
    # "References" is a plain line in its section, as a PDF prints it; the entries under it share the
    # question's words ("how often to bill a titration planning visit") but state no rule.
    answer = answered(with_criteria, "how many times can Fenwick's Nightward titration planning visit be billed?")
    assert "once per treatment course" in answer.text, answer.text
    assert not any("Sleep Device Review" in c.quote for c in answer.citations), answer.text
    reader = with_criteria.reader
    ranked = reader.rank(reader.questions.read(["Fenwick Nightward titration visits and implant outcomes in adults?"]))
    assert not any("Journal of Sleep Devices" in s.unit.text for s in ranked)
    # Asked about the sources it cites, the entries are candidates again.
    ranked = reader.rank(reader.questions.read(["which journal articles does the Fenwick Nightward policy cite?"]))
    assert any("Journal of Sleep Devices" in s.unit.text for s in ranked[:10])


def test_4_a_change_asked_in_other_words_gets_the_date_its_line_leads_with(with_criteria: GroundedAnswerer) -> None:
    # The history says "Removed requirement ..." (its own sentence) after the date that leads its
    # line; the question says "drop". The entry comes first, with its line's date.
    answer = answered(with_criteria, "when did Fenwick drop the prior tonsil surgery requirement for Nightward?")
    assert "Removed requirement for a prior tonsillectomy" in " ".join(c.quote for c in answer.citations[:2]), answer.text
    # The entry's date, which leads its line, is quoted before any other entry's.
    assert answer.text.index("5/2024") < min(answer.text.find(d) % 10_000 for d in ("2/2023", "9/2025")), answer.text


def test_8_a_word_the_sources_lack_in_the_case_told_does_not_make_the_question_unanswerable(with_criteria: GroundedAnswerer) -> None:
    # "zorvadine" is in no source: in the sentence that tells the case it is a detail; in the
    # sentence that asks it is what is asked, which the sources cannot answer.
    answer = answered(with_criteria, "Fenwick pt, AHI 30, BMI 30, on zorvadine for sleep. does he meet the Nightward criteria?")
    assert 'AHI 30 meets "AHI of 15 to 65"' in answer.text, answer.text
    answer = with_criteria.answer(["does Fenwick cover zorvadine for sleep apnea?"])
    assert answer.abstained and "zorvadine" in answer.text, answer.text


def test_8_a_document_title_word_alone_does_not_make_a_quote_speak_of_what_is_asked(with_criteria: GroundedAnswerer) -> None:
    # Nearly every line of the implant policy speaks of the implant; none speaks of nicotine.
    answer = with_criteria.answer(["does Fenwick require the pt to be nicotine free before the Nightward implant?"])
    assert answer.abstained, answer.text
    # The reason names what no passage speaks of, not the title's words, which many do.
    reason = answer.text.split("speaks of ", 1)[1].split(".", 1)[0]
    assert "nicotine" in reason and "nightward" not in reason.lower() and "implant" not in reason, answer.text
    # Asked about the title's subject alone, its lines answer.
    answer = answered(with_criteria, "does Fenwick cover the Nightward implant?")
    assert any("covers the Nightward implant" in c.quote for c in answer.citations), answer.text


with_contents = _corpus_with("with-contents", ["sorrel-bay-weight-policy.md"], "The project corpus plus a policy with a table of contents and a society's own 'Indications' part.")


def test_3_a_societys_indications_under_clinical_evidence_are_no_rule_of_the_payer(with_contents: GroundedAnswerer) -> None:
    # "Indications for Surgery" is not in the table of contents: it is the society's part inside
    # the evidence review, not the payer's rules; "Coverage Rationale" is listed and is a rule.
    evidence = with_contents.reader.evidence
    society = next(u for u in evidence.units if u.text.startswith("The Larkmoor Society recommends"))
    rule = next(u for u in evidence.units if u.text.startswith("Sorrel Bay Health covers the Orvane"))
    assert society.position in evidence.descriptive and rule.position not in evidence.descriptive
    answer = answered(with_contents, "what BMI does Sorrel Bay want for the Orvane device?")
    assert "BMI of 42 or more" in answer.citations[0].quote, answer.text


with_brace_lcd = _corpus_with("with-brace-lcd", ["tamsin-ridge-brace-lcd.md"], "The project corpus plus an LCD whose list ends in a sentence its lead-in governs.")


def test_5_a_sentence_after_a_list_is_quoted_with_the_items_of_its_lead_in(with_brace_lcd: GroundedAnswerer) -> None:
    # "... all criteria listed above would apply to each knee." follows the list its lead-in
    # ("must include the following:") opens; quoting the lead-in and it alone hides the list.
    answer = answered(with_brace_lcd, "Tamsin Ridge: pt fitted w/ braces on both knees, what does the fitting record need?")
    items = ("1. A history and physical", "2. A fitting note", "3. Discharge instructions")
    assert all(item in answer.text for item in items), answer.text  # before: items 1 and 2, apart
    assert answer.text.index(items[0]) < answer.text.index("both knees") < answer.text.index("all criteria listed above")


def test_10_a_subjectless_follow_up_counts_what_the_turn_before_named(with_brace_lcd: GroundedAnswerer) -> None:
    # "how many need to be met?" names no noun of its own: "need" is no measure it counts in, and
    # "two or more of the following criteria are met" answers it (before: "No passage gives the
    # number asked for").
    answer = answered(with_brace_lcd, "custom knee brace criteria tamsin ridge?", "how many need to be met?")
    assert "two or more of the following criteria" in answer.text, answer.text


def test_1_a_curated_conflict_comes_with_its_fact_only_when_the_conflict_is_asked(with_brace_lcd: GroundedAnswerer) -> None:
    # A curated fact quoted beside a document's answer about another service ("modifier 50 ...
    # both extremities" beside the LCD's rule for both knees) stands beside it; the 64642 family's
    # coding dispute that fact belongs to is not brought in (before: four 64642-64645 facts followed).
    reader = with_brace_lcd.reader
    question = reader.questions.read(["bilateral knee braces same day - any extra documentation?"])
    ranked = reader.rank(question)
    document = next(s for s in ranked if s.unit.doc_id == "tamsin-ridge-brace-lcd")
    fact = next(s for s in ranked if s.unit.fact_id == "modifier-50")
    assert reader._conflicting(question, Verdict((document, fact), None), []) == []
    # The fact as the best evidence is the conflict asked about: both sides are shown.
    assert reader._conflicting(question, Verdict((fact, document), None), [])


with_quarry = _corpus_with("with-quarry", ["quarry-glen-light-therapy-article.md"], "The project corpus plus an article from a contractor named by two plain words before 'Medicare Services'.")


def test_1_a_publisher_is_named_by_its_name_without_a_generic_ending(with_quarry: GroundedAnswerer) -> None:
    # "Quarry Glen" is neither the whole publisher nor a rare word: before, "No passage speaks of
    # times, quarry, glen".
    answer = answered(with_quarry, "how many times can we bill 0997T under Quarry Glen?")
    assert "once per treatment course" in answer.text, answer.text
    assert with_quarry.questions.read(["does Quarry Glen pay for maintenance?"]).named_documents == {"quarry-glen-light-therapy-article"}


def test_1_a_source_name_is_searched_without_the_region_typed_after_it(with_quarry: GroundedAnswerer) -> None:
    # "QGMSTX" names Quarry Glen Medicare Services by its initials and a state: the source is
    # matched on documents, and the name as typed is no word to search ("BCBSTX" found only the
    # sentence that names the plan).
    question = with_quarry.questions.read(["how many times can we bill 0997T under QGMSTX?"])
    assert question.named_documents == {"quarry-glen-light-therapy-article"}
    assert "QGMSTX" not in question.search_text and "0997T" in question.search_text


def test_11_a_part_names_what_it_carries_once(with_quarry: GroundedAnswerer) -> None:
    answer = with_quarry.answer(["Quarry Glen: how many times can we bill 0997T per course? and does the machine need FDA clearance?"])
    carried = re.findall(r"\(([^()]*)\)$", answer.text)
    assert carried, answer.text  # the part the sources do not answer, with the names it carries
    names = carried[-1].split(", ")
    assert len(names) == len(set(names)), answer.text  # before: "(Quarry Glen, 0997T, Quarry Glen)"



def test_10_what_about_a_new_topic_is_answered_about_that_topic(with_quarry: GroundedAnswerer) -> None:
    # "what about maintenance tx?" after a question about 0997T asks about maintenance: the earlier
    # question's words say what it is about, and its answer comes after (before: the 0997T
    # sentence again first, with maintenance quoted after it).
    answer = answered(with_quarry, "is 0997T billable more than once under Quarry Glen?", "what about maintenance tx?")
    assert "0997T" in answer.query
    assert answer.citations[0].quote == "Maintenance light therapy after the course ends is not covered.", answer.text
    # A new payer or code only ("What about Cigna?") is asked of the earlier question's words.
    answer = answered(with_quarry, "is 0997T billable more than once under Quarry Glen?", "what about 0998T?")
    assert "0998T" in answer.text, answer.text

with_nested_criteria = _corpus_with("with-nested-criteria", ["ashgrove-renewal-criteria.md"], "The project corpus plus renewal criteria with a list nested under one of its items.")


def test_8_a_case_is_held_against_nested_criteria_whatever_its_values_look_like(with_nested_criteria: GroundedAnswerer) -> None:
    # "eGFR" is a label with a lower-case prefix; "KPI 6." ends its sentence. The nested list's
    # threshold and the outer list's are both checked.
    answer = answered(with_nested_criteria, "Ashgrove Corvalta renewal - pt has an eGFR of 45 and KPI 6. does she meet the criteria?")
    assert 'eGFR of 45 meets "eGFR of 30 to 59"' in answer.text, answer.text
    assert 'KPI 6 is outside "KPI ≤ 4"' in answer.text, answer.text


with_provider_types = _corpus_with("with-provider-types", ["kestrel-vale-counseling-policy.md"], "The project corpus plus a counseling policy that names provider types in full, never by acronym.")


def test_7_an_acronym_the_document_spells_out_finds_its_name(with_provider_types: GroundedAnswerer) -> None:
    # Staff type "LCPC"; the policy writes "Licensed Clinical Professional Counselor" only.
    answer = answered(with_provider_types, "can an LCPC bill psychotherapy with Kestrel Vale?")
    assert "Licensed Clinical Professional Counselor" in answer.text, answer.text
    question = with_provider_types.reader.questions.read(["can an LCPC bill psychotherapy with Kestrel Vale?"])
    assert set(question.variants_of("lcpc")) == {"licensed", "clinical", "professional", "counselor"}


def test_7_an_acronym_the_documents_write_or_a_source_name_is_not_respelled(with_provider_types: GroundedAnswerer) -> None:
    questions = with_provider_types.reader.questions
    # The policy writes "ABA" itself, so it means what the policy means by it; "KVH" is the
    # publisher's initials, a source name rather than a topic.
    question = questions.read(["KVH - how are ABA sessions billed?"])
    assert question.variants_of("aba") == () and question.variants_of("kvh") == ()
    answer = answered(with_provider_types, "KVH - how are ABA sessions billed?")
    assert "15-minute units" in answer.text, answer.text


with_code_headings = _corpus_with("with-code-headings", ["marrowfield-clinic-manual.md"], "The project corpus plus a manual whose sections are headed by the codes they are about.")


def test_12_a_line_under_a_heading_naming_the_code_speaks_for_it(with_code_headings: GroundedAnswerer) -> None:
    # "Report it no more than once per calendar month" names no code; its heading, "HCPCS Code
    # G9997", does.
    answer = answered(with_code_headings, "how often can Marrowfield clinics bill G9997?")
    assert "once per calendar month" in answer.text, answer.text
    # The same line says nothing of G9998, whose own section gives no frequency.
    answer = with_code_headings.answer(["how often can Marrowfield clinics bill G9998?"])
    assert "once per calendar month" not in answer.text, answer.text


with_time_table = _corpus_with("with-time-table", ["quillon-visit-time-table.md"], "The project corpus plus time tables of fictional codes.")


def _rows_kept(answerer: GroundedAnswerer, question_text: str) -> list[str]:
    reader = answerer.reader
    question = reader.questions.read([question_text])
    rows = tuple(s for s in reader.rank(question) if s.unit.kind == "row" and "Quillon" in reader.evidence.documents[s.unit.doc_id].title)
    return [s.unit.text for s in reader._fitting(question, rows)]


def test_8_a_case_keeps_the_row_of_its_codes_whose_time_it_meets(with_time_table: GroundedAnswerer) -> None:
    # 60 minutes meets "55–69 minutes": the rows of 0998T with G9995 it is outside, and the 0997T
    # row (its codes among those asked), are left out; the row it meets stays.
    kept = _rows_kept(with_time_table, "Quillon 0998T visit, total time 60 min - how many units of G9995?")
    assert any("G9995 x 2" in t for t in kept), kept
    assert not any("40–54" in t or "70 minutes or more" in t or "0997T" in t for t in kept), kept
    answer = answered(with_time_table, "Quillon 0998T visit, total time 60 min - how many units of G9995?")
    assert "G9995 x 2" in answer.text and "G9995 x 3" not in answer.text, answer.text


def test_8_a_case_keeps_the_row_of_another_asked_code_it_falls_short_of(with_time_table: GroundedAnswerer) -> None:
    # 35 minutes meets 0995T's 16-minute minimum and falls short of 0996T's 38: that shortfall is
    # the answer, so the row stays.
    kept = _rows_kept(with_time_table, "Quillon session was 35 min - ok to bill 0996T or drop to 0995T?")
    assert any("0996T" in t.split(";")[0] for t in kept) and any("0995T" in t.split(";")[0] for t in kept), kept


def test_9_a_table_caption_answers_nothing(with_time_table: GroundedAnswerer) -> None:
    # "Table 1." shares the word "table" with a hostile question and names the code's document;
    # it is a caption, not an answer.
    answer = with_time_table.answer(["'; DROP TABLE docs;-- 0998T"])
    assert answer.abstained, answer.text
    assert "Table 1." not in answer.text


with_pellham = _corpus_with("with-pellham", ["pellham-sleep-study-note.md"], "The project corpus plus a short sleep study note.")


def test_2_prior_auth_is_required_of_an_authorization_not_of_the_word_prior(with_pellham: GroundedAnswerer) -> None:
    # "prior to the testing date" says when a study is scheduled; of an authorization the note says nothing.
    answer = with_pellham.answer(["does Pellham Valley Health require prior auth for 95810?"])
    assert answer.abstained, answer.text
    assert "referral from the treating physician" in answered(with_pellham, "does Pellham Valley Health require a referral for 95806?").text


def test_11_a_part_ending_in_a_question_mark_asks_though_no_question_word_opens_it(with_pellham: GroundedAnswerer) -> None:
    answer = answered(with_pellham, "Pellham sleep study q - a referral needed for 95806? also how many times can we report 95810")
    assert "referral from the treating physician" in answer.text
    assert "once per night" in answer.text


def test_11_a_part_is_answered_in_its_own_words_not_by_the_topic_it_carries(with_pellham: GroundedAnswerer) -> None:
    # "sleep study" is the topic of both parts; of a fax cover sheet the note says nothing.
    answer = answered(with_pellham, "Pellham sleep study - how often can we report 95810? and does it need a fax cover sheet?")
    assert "once per night" in answer.text
    assert "The sources do not answer: and does it need a fax cover sheet?" in answer.text


with_code_grid = _corpus_with("with-code-grid", ["pinecrest-crisis-code-grid.md"], "The project corpus plus a code grid whose rows name other codes.")


def test_6_two_asked_codes_are_answered_by_the_row_of_one_naming_the_other(with_code_grid: GroundedAnswerer) -> None:
    # "add" asks whether one code is billed with the other, as "bill" does: no word a passage must
    # hold (before: "No passage speaks of add"). The rows of 0981T and 0985T answer; the rows of
    # other codes that name both only list them.
    answer = answered(with_code_grid, "0981T - can we add 0985T?")
    first = answer.citations[0].quote
    assert first.startswith(("Code: 0981T", "Code: +0985T")), answer.text
    assert 0.5 < answer.confidence, answer.confidence  # the confidence of the best quote, not of the first


def test_6_the_row_of_an_asked_code_is_quoted_first_though_it_ranks_below_the_threshold(with_code_grid: GroundedAnswerer) -> None:
    # In a long grid the rows of other codes that name both asked codes can rank above the asked
    # codes' own rows and push them below the threshold (a 53-page policy did): the threshold says
    # whether to answer, the margin which close units to quote, and an asked code's row goes first.
    reader = with_code_grid.reader
    question = reader.questions.read(["0981T - can we add 0985T?"])
    ranked = reader.rank(question)
    threshold, margin = reader.weights.threshold, reader.weights.margin
    best = threshold + margin - 0.5  # another code's row, best; the asked codes' rows within the margin
    lowered = [replace(s, score=threshold - 0.1) if keyed_by(s.unit, question.codes) else s for s in ranked]
    others = [s for s in lowered if not keyed_by(s.unit, question.codes) and s.unit.kind == "row"]
    lowered = [replace(s, score=best) if s is others[0] else s for s in lowered if s is others[0] or s.score < best]
    lowered.sort(key=lambda s: -s.score)
    verdict = choose(lowered, question, reader.evidence, reader.payer_words, threshold=threshold, margin=margin, limit=4)
    assert verdict.chosen and keyed_by(verdict.chosen[0].unit, question.codes), [s.unit.text for s in verdict.chosen]


def test_6_the_row_of_the_asked_code_is_quoted_though_rows_naming_it_rank_far_above(with_code_grid: GroundedAnswerer) -> None:
    # "what is on the 'not to be reported with' list for 0981T?": the rows of other codes that list
    # 0981T rank far above its own row (by more than the margin); its own row, above the threshold,
    # is the answer and is quoted first.
    reader = with_code_grid.reader
    question = reader.questions.read(["what's on the 'not to be reported with' list for 0981T?"])
    ranked = reader.rank(question)
    threshold, margin = reader.weights.threshold, reader.weights.margin
    own = threshold + 0.1
    best = own + margin + 1.0
    rescored = [replace(s, score=own if keyed_by(s.unit, question.codes) else best if s.unit.kind == "row" else s.score) for s in ranked]
    rescored.sort(key=lambda s: -s.score)
    verdict = choose(rescored, question, reader.evidence, reader.payer_words, threshold=threshold, margin=margin, limit=4)
    assert verdict.chosen[0].unit.text.startswith("Code: 0981T;"), [s.unit.text for s in verdict.chosen]


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("CPT Code: 90839; Description: Crisis therapy, 60 mins", True),
        ("CPT Code: +90839; Description: Crisis therapy", True),
        # A row of a combination of codes is no code's own row.
        ("Codes: CPT code 99215 x 1 and HCPCS code 90839 x 2; Total Time: 84-98 minutes", False),
        ("CPT Code: 90837; Not To Be Reported With: 90839", False),  # another code's row naming it
    ],
)
def test_6_the_row_of_a_code_has_that_code_alone_in_its_first_cell(text: str, own: bool) -> None:
    unit = EvidenceUnit(0, "row", "fixture", 0, len(text), text, None, None, frozenset(), ())
    assert row_of(unit, ("90839",)) is own


@pytest.mark.parametrize("question", ["whats 0981T for", "what does 0981T describe?"])
def test_3_asked_what_a_code_is_its_own_row_answers_alone(with_code_grid: GroundedAnswerer, question: str) -> None:
    # The rows of other codes that list 0981T say what may not be billed with it, not what it is
    # (before: they followed its row; "whats" was no definition question).
    answer = answered(with_code_grid, question)
    assert [c.quote.split(";")[0] for c in answer.citations] == ["Code: 0981T"], answer.text


with_two_lists = _corpus_with("with-two-lists", ["sable-hollow-gait-trainer-policy.md"], "The project corpus plus a policy with two lists of ten criteria.")


def test_5_an_answer_quoting_one_whole_list_leaves_out_a_second_long_one(with_two_lists: GroundedAnswerer) -> None:
    # Two lead-ins with ten items each quoted whole made answers of 40-50 quotes no one checks: unless
    # a list is asked, a later claim that would take the quotes past sixteen is left out.
    reader = with_two_lists.reader
    leads = [u for u in reader.evidence.units if u.doc_id == "sable-hollow-gait-trainer-policy" and u.text.endswith("are met:")]
    assert len(leads) == 2
    composer = Composer(reader.evidence, reader.phrasebook.phrasings, {})
    claims = composer.claims([(lead, 1.0) for lead in leads], wants_list=False)
    assert len(claims) == 1 and "Criterion A10" in claims[0] and "Criterion B1" not in claims[0]
    listed = Composer(reader.evidence, reader.phrasebook.phrasings, {}).claims([(lead, 1.0) for lead in leads], wants_list=True)
    assert len(listed) == 2  # a list asked for: both


def test_9_a_reference_list_under_its_own_heading_answers_no_question_about_rules(with_contents: GroundedAnswerer) -> None:
    # The entries under a "References" heading (not only after a "References" line) are the
    # studies a policy cites: "... Orvane device outcomes. Journal of ..." is no rule about
    # outcomes (before: a bariatric policy's follow-up about adolescents quoted three titles of papers).
    evidence = with_contents.reader.evidence
    entry = next(u for u in evidence.units if "Orvane device outcomes." in u.text)
    assert entry.position in evidence.references
    answer = with_contents.answer(["what Orvane device outcomes does Sorrel Bay report?"])
    assert all("Journal of Gastric Devices" not in c.quote for c in answer.citations), answer.text


with_booklet = _corpus_with(
    "with-booklet", ["ostrey-care-booklet.md"], "The project corpus plus a booklet listing every code it covers, with one code's time table and another code's own section."
)


def test_4_min_time_for_a_code_is_the_number_under_its_own_heading(with_booklet: GroundedAnswerer) -> None:
    # "min time" asks for minutes: "at least 40 minutes" under "HCPCS G9991" answers it without
    # saying "time" (the measure asked is no word the answer must share). The 0992T time table of
    # the same booklet carries G9991 only as the booklet's code list does, and gives way to it
    # (before: the 0992T rows alone).
    answer = answered(with_booklet, "min time for G9991 at Ostrey?")
    assert any("at least 40 minutes" in c.quote for c in answer.citations), answer.text
    assert not any("0992T" in c.quote for c in answer.citations), answer.text


with_joint_lcd = _corpus_with("with-joint-lcd", ["hollin-mere-joint-lcd.md"], "The project corpus plus an LCD with criteria for two procedures each named by an acronym.")


def test_10_a_follow_up_naming_another_acronym_asks_of_it_not_the_earlier_one(with_joint_lcd: GroundedAnswerer) -> None:
    # "and for TER how many ...?" after a question about TAR asks about TER: the earlier acronym
    # is not carried beside it (before: "(Hollin Mere, TAR)" and the TAR criteria again).
    answer = answered(with_joint_lcd, "hollin mere criteria for TAR?", "and for TER how many do they need?")
    assert "TAR" not in answer.query, answer.query
    assert "four or more of the following indications" in answer.citations[0].quote, answer.text
    # A follow-up naming a payer keeps the topic it asks of.
    assert "TAR" in with_joint_lcd.questions.read(["hollin mere criteria for TAR?", "does Cigna need PA for it?"]).query


with_prolonged = _corpus_with("with-prolonged", ["corrin-prolonged-table.md"], "The project corpus plus a table of prolonged-service thresholds by primary visit.")


def test_4_a_count_noun_naming_the_service_is_no_measure(with_prolonged: GroundedAnswerer) -> None:
    # "threshold for a subsequent nursing visit" asks for a number; "visit" names the service, so
    # "85 minutes" answers (before: "No passage gives the number asked for", as if visits were counted).
    answer = answered(with_prolonged, "G9993 threshold for a subsequent nursing visit?")
    assert "85 minutes" in answer.citations[0].quote, answer.text

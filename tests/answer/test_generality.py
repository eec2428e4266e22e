"""Nothing in answering depends on the seed publication: ingested documents about other codes are
answered from (their own wording, their codes recognised) and abstained on where they are silent.

Two fixture formats: the HTML policy in tests/fixtures and a PDF generated here with fpdf2. Both are
clearly marked test fixtures about fictional organisations. Real model, real index.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant import pipeline
from assistant.answer.answerer import GroundedAnswerer
from assistant.cli import main
from assistant.codes import code_keys
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.models import Answer
from tests.conftest import ROOT, copy_project_data
from tests.pdf_fixtures import text_pdf

pytestmark = pytest.mark.slow

HTML = ROOT / "tests" / "fixtures" / "example-health-plan-64615.html"
HTML_ID = "example-health-plan-64615"
PDF_ID = "example-clinic-99214"
PDF_PAGES = (
    "TEST FIXTURE - not real guidance. Example Clinic coding note on CPT 99214, written for automated tests.",
    "CPT 99214 is an office or other outpatient visit for an established patient.\n"
    "Select CPT 99214 when medical decision making is of moderate complexity, or when the total time on the "
    "date of the encounter is at least 30 minutes.",
    "Prolonged services beyond the highest level are reported with add-on code 99417 only with CPT 99215.",
)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Iterator[GroundedAnswerer]:
    """The project corpus plus the two fixtures, ingested with the CLI and indexed with the real model."""
    root = tmp_path_factory.mktemp("generality")
    settings = copy_project_data(root)
    pdf = root / f"{PDF_ID}.pdf"
    pdf.write_bytes(text_pdf(PDF_PAGES, title="TEST FIXTURE: Example Clinic note on 99214", author="Example Clinic"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
        patch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
        patch.setenv("ASSISTANT_PROMPTS_DIR", str(settings.prompts_dir))
        patch.setattr(pipeline, "make_embedder", lambda _settings: real_embedder)
        assert main(["ingest", str(HTML), str(pdf)]) == 0
    yield pipeline.load_answerer(settings, real_embedder)


def cited(answer: Answer, answerer: GroundedAnswerer) -> set[str]:
    """The documents an answer cites, after checking each quote is its span."""
    for c in answer.citations:
        assert answerer.index.documents[c.doc_id].text[c.start : c.end] == c.quote
    return {c.doc_id for c in answer.citations}


def assert_codes_in_evidence(answer: Answer) -> None:
    quotes = " ".join(c.quote for c in answer.citations)
    assert code_keys(answer.text) <= code_keys(quotes) | code_keys(answer.query)


@pytest.mark.parametrize(
    ("question", "doc_id", "expected"),
    [
        ("What drug code is billed with 64615?", HTML_ID, "J0585"),
        ("Which diagnosis codes for 64615?", HTML_ID, "G43.709"),
        ("How many preventive medications must be tried before 64615?", HTML_ID, "two preventive medications"),
        ("What total time on the date of the encounter supports CPT 99214?", PDF_ID, "30 minutes"),
        ("When is 99214 selected for medical decision making?", PDF_ID, "moderate complexity"),
        ("What is CPT 99214?", PDF_ID, "established patient"),
        ("What is CPT 64615?", HTML_ID, "chronic migraine"),
    ],
)
def test_an_ingested_document_answers_about_its_own_code(
    answerer: GroundedAnswerer, question: str, doc_id: str, expected: str
) -> None:
    answer = answerer.answer([question])
    assert not answer.abstained, answer.text
    assert expected in answer.text
    # The user's document answers first; curated evidence may stand beside it, never before it.
    assert doc_id in cited(answer, answerer)
    assert answer.citations[0].doc_id == doc_id
    assert_codes_in_evidence(answer)


def test_a_pdf_citation_names_its_page(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["What total time on the date of the encounter supports CPT 99214?"])
    citation = answer.citations[0]
    # Pages are an offset map now (no "## Page N" sections): the API's citation `page` comes from it.
    assert answerer.index.documents[citation.doc_id].page_at(citation.start) == 2


def test_the_codes_of_ingested_documents_are_recognised(answerer: GroundedAnswerer) -> None:
    html = answerer.index.documents[HTML_ID]
    assert {"cpt:64615", "hcpcs:J0585", "icd:G43.709", "icd:G43.719"} <= answerer.recognizer.keys(html.text)
    assert set(answerer.index.documents[PDF_ID].codes) >= {"99214"}


@pytest.mark.parametrize(
    "question",
    [
        "What is the place of service for 64615?",
        "Which specialties perform 64615?",
        "What is the RVU for 99214?",
        "Which modifier is used with 99214?",
    ],
)
def test_silence_in_the_document_is_an_abstention(answerer: GroundedAnswerer, question: str) -> None:
    answer = answerer.answer([question])
    assert answer.abstained, answer.text


def test_the_seed_still_answers_beside_them(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Does Aetna cover 64642?"])
    assert not answer.abstained and cited(answer, answerer) == {"openpayer-cpt-64642"}


def test_a_question_naming_the_publisher_is_answered_from_that_source(answerer: GroundedAnswerer) -> None:
    answer = answerer.answer(["Per Example Clinic, when may prolonged services be added?"])
    assert not answer.abstained, answer.text
    assert "99417" in answer.text
    assert cited(answer, answerer) == {PDF_ID}
    assert_codes_in_evidence(answer)


@pytest.mark.parametrize(
    "question",
    ["How much does Example Clinic pay for a visit?", "Is there an age limit in the Example Clinic note?"],
)
def test_a_named_source_silent_on_fees_or_ages_abstains(answerer: GroundedAnswerer, question: str) -> None:
    answer = answerer.answer([question])
    assert answer.abstained, answer.text

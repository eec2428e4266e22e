"""What ingest stores for tables, page furniture, page breaks, scanned pages and odd characters.

Each kind is tested on this project's own fictional inputs (tests/pdf_fixtures.py, tests/fixtures/)
and, when ``../shared/field-cases`` is present, on the field case of the same kind (read there,
never copied).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from assistant.ingest.chunking import is_table_row, split_sections, split_sentences
from assistant.ingest.context import with_context
from assistant.ingest.extract import Extracted, extract_source
from assistant.ingest.normalize import normalize_chars, normalize_lines
from assistant.ingest.ocr import tesseract_available
from assistant.ingest.pdf_text import extract_pdf
from assistant.models import Document
from tests.conftest import ROOT
from tests.pdf_fixtures import CODE_HEADER, CODE_ROWS, partly_scanned_pdf, running_headers_pdf, table_pdf

FIELD = ROOT.parent / "shared" / "field-cases"
FIXTURES = ROOT / "tests" / "fixtures"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_field_cases = pytest.mark.skipif(not FIELD.is_dir(), reason=f"{FIELD} is not present")
needs_tesseract = pytest.mark.skipif(not tesseract_available(), reason="tesseract (Debian tesseract-ocr) is not installed")


def extract(path: Path, *, ocr: bool = False) -> Extracted:
    return extract_source(path, encoding=None, max_bytes=10_000_000, min_main_chars=100, ocr=ocr)


def document_of(extracted: Extracted) -> Document:
    return Document("doc", "Doc", "Test", None, (), None, extracted.text, "doc.md",
                    page_starts=extracted.page_starts, pages_without_text=extracted.pages_without_text)


def sentences_of(extracted: Extracted) -> list[str]:
    document = document_of(extracted)
    return [document.text[s.start : s.end] for s in split_sentences(document)]


def leads_of(text: str) -> dict[str, str | None]:
    """Each sentence of a Markdown ``text`` with the text of its list's lead-in (None without one)."""
    document = Document("d", "D", "T", None, (), None, text, "d.md")
    sentences = with_context(document, split_sentences(document))
    return {text[s.start : s.end]: text[s.lead_in[0] : s.lead_in[1]] if s.lead_in else None for s in sentences}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def row(values: tuple[str, ...]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in zip(CODE_HEADER, values, strict=True))


# Tables: one line per row, each cell after its header.

def test_a_pdf_table_over_two_pages_is_one_line_per_row_with_its_header(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "grid.pdf", table_pdf()))
    lines = extracted.text.split("\n")
    for values in CODE_ROWS:
        assert row(values) in lines
    assert "Code Description" not in extracted.text, "the repeated header row is not a row of its own"
    assert extracted.text.count("Code: ") == len(CODE_ROWS)
    document = document_of(extracted)
    assert document.page_at(extracted.text.index(row(CODE_ROWS[0]))) == 1
    assert document.page_at(extracted.text.index(row(CODE_ROWS[-1]))) == 2
    assert row(CODE_ROWS[3]) in sentences_of(extracted), "a row is one sentence unit"
    assert [s.title for s in split_sections(extracted.text)] == ["Example Health Plan code grid (test fixture)"]


def test_html_and_markdown_tables_are_rows_with_headers_and_lists_keep_their_lead_in() -> None:
    html = extract(FIXTURES / "example-code-grid.html").text
    assert "Code: 64612; Service: Facial nerve muscles, one side; Prior authorization: Not required; Minimum interval: 12 weeks" in html
    assert "\nCode: 64616; Service: Neck muscles, one side; Prior authorization: Required\n" in html, "empty cell left out"
    markdown = extract(FIXTURES / "example-code-grid.md").text
    assert "\n\nCode: 64616; Prior authorization: Required\nCode: 64617; Prior authorization: Not required; Note: With EMG guidance\n\n" in markdown
    assert "|" not in markdown
    for text in (html, markdown):
        assert "The following are not covered:\n\n- Injections for cosmetic reasons" in text or \
            "The following are not covered:\n- Injections for cosmetic reasons" in text


def test_rows_list_items_and_headings_are_separate_sentence_units() -> None:
    text = ("## Coverage\n\nThe grid is below. It is short\n\nCode: 64616; Note: Dr. Smith must sign. Then fax\n"
            "Code: 64617; Note: none\n\nThe following are not covered:\n- Cosmetic use. Also brow lines\n- Fibromyalgia")
    document = Document("d", "D", "T", None, (), None, text, "d.md")
    spans = [text[s.start : s.end] for s in split_sentences(document)]
    assert spans == ["The grid is below.", "It is short", "Code: 64616; Note: Dr. Smith must sign. Then fax",
                     "Code: 64617; Note: none", "The following are not covered:", "Cosmetic use. Also brow lines",
                     "Fibromyalgia"]


def test_a_nested_list_gives_its_items_their_own_lead_in_and_the_outer_list_goes_on() -> None:
    text = ("Renewal needs all of the following:\n\n- An attestation\n- A recent score on one of these scales:\n"
            "  - Kestrel Index\n  - Marlow Score\n- No dose increase in 90 days\n\nRenewals last 6 months.")
    lead = leads_of(text)
    assert lead["Kestrel Index"] == lead["Marlow Score"] == "A recent score on one of these scales:"
    # The nested list ended: the outer list goes on, and a paragraph after a blank line is no item.
    assert lead["No dose increase in 90 days"] == "Renewal needs all of the following:"
    assert lead["Renewals last 6 months."] is None


def test_a_lead_in_whose_colon_the_source_left_out_still_introduces_its_list() -> None:
    text = ("Surgery is covered when the member meets one of the following\n"
            "- A BMI of 40 or more\n- A BMI of 35 or more with a comorbidity\n\nThe plan reviews each case.")
    lead = leads_of(text)
    assert lead["A BMI of 40 or more"] == lead["A BMI of 35 or more with a comorbidity"] == text.split("\n")[0]
    assert lead["The plan reviews each case."] is None


def test_a_list_item_wrapped_onto_the_next_line_stays_one_item_and_the_list_goes_on() -> None:
    # A PDF line break after "(e.g." put the rest of item 2 on a line of its own; items 3 and 4
    # had lost their lead-in, and a "whole list" answer stopped at item 2.
    text = ("Report the add-on only when one of these is present:\n"
            "1. Conflict among participants that slows the visit.\n"
            "2. A caregiver who disrupts care (e.g.\nrefusing the plan, shouting).\n"
            "3. A report to an agency during the visit.\n"
            "4. Toys or devices used to overcome a barrier.\n\nThe note names the factor.")
    lead = leads_of(text)
    item = "2. A caregiver who disrupts care (e.g.\nrefusing the plan, shouting)."
    assert item in lead, sorted(lead)
    assert lead[item] == lead["4. Toys or devices used to overcome a barrier."] == text.split("\n")[0]
    assert lead["The note names the factor."] is None


@needs_field_cases
def test_field_case_c01_pdf_code_table_rows_keep_their_headers() -> None:
    extracted = extract(next((FIELD / "c01-pdf-code-table").glob("*.pdf")))
    row_lines = [line for line in extracted.text.split("\n") if line.startswith("Code: ")]
    assert len(row_lines) >= 5
    target = next(line for line in row_lines if line.startswith("Code: 64617;"))
    assert target.endswith("Prior authorization: No") and "Max units per 90 days: " in target
    assert target in sentences_of(extracted)


@needs_field_cases
def test_field_case_c02_html_and_markdown_table_rows_keep_their_headers() -> None:
    folder = FIELD / "c02-html-table"
    html = extract(next(folder.glob("*.html"))).text.split("\n")
    rows = [line for line in html if line.startswith("Code: ")]
    assert len(rows) == 5 and all("; Prior authorization: " in line for line in rows)
    assert any(line.startswith("Code: 64617;") and "Prior authorization: Not required" in line for line in rows)
    markdown = extract(next(folder.glob("*.md"))).text.split("\n")
    assert any(line.startswith("Code: 64617; Prior authorization: ") for line in markdown)


# Page furniture and page breaks.

def test_running_headers_and_footers_are_left_out_and_the_page_break_sentence_is_whole(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "running.pdf", running_headers_pdf()))
    assert "Policy EX-12" not in extracted.text and "Page " not in extracted.text
    assert "Confidential" not in extracted.text
    whole = ("Every session of 64616 must record the muscles injected, the dose in each muscle, and the "
             "guidance method whenever guidance was used.")
    assert whole in sentences_of(extracted)
    start = extracted.text.index(whole)
    document = document_of(extracted)
    assert (document.page_at(start), document.page_at(start + len(whole) - 1)) == (2, 3)
    assert len(extracted.page_starts) == 3


@needs_field_cases
def test_field_case_c04_running_headers_gone_and_page_break_sentence_whole() -> None:
    extracted = extract(next((FIELD / "c04-running-headers-pdf").glob("*.pdf")))
    assert "Medical Policy MP-" not in extracted.text and "Page 2 of" not in extracted.text
    assert "Proprietary and confidential" not in extracted.text
    cut = [s for s in sentences_of(extracted) if "dose given in each muscle" in s]
    assert len(cut) == 1 and cut[0].endswith("the EMG findings whenever guidance was used.")
    document = document_of(extracted)
    start = extracted.text.index(cut[0])
    assert (document.page_at(start), document.page_at(start + len(cut[0]) - 1)) == (2, 3)


def test_furniture_only_in_the_margins_a_body_line_that_repeats_stays() -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number in (1, 2, 3):
        pdf.add_page()
        pdf.set_y(100)
        pdf.cell(0, 8, "Prior authorization is required for every session.", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 8, f"Body text of page {number} for the fixture.", new_x="LMARGIN", new_y="NEXT")
    text = extract_pdf(Path("body.pdf"), bytes(pdf.output())).text
    assert text.count("Prior authorization is required for every session.") == 3


# Pages without a text layer, OCR.

def test_a_page_without_text_is_recorded_and_named_in_the_note(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "partly.pdf", partly_scanned_pdf()))
    assert extracted.pages_without_text == (2,)
    assert len(extracted.page_starts) == 2 and extracted.page_starts[1] == len(extracted.text)
    assert "page(s) 2 have no text layer" in extracted.note


@needs_field_cases
def test_field_case_c05_page_two_has_no_text_layer() -> None:
    extracted = extract(next((FIELD / "c05-partly-scanned-pdf").glob("*.pdf")))
    assert extracted.pages_without_text == (2,)
    assert "headache diary" not in extracted.text


def _scanned_text_pdf() -> bytes:
    """Page 1 with text; page 2 a picture of printed words (no text layer)."""
    image = Image.new("L", (1700, 400), "white")
    font = ImageFont.load_default(size=56)
    ImageDraw.Draw(image).text((60, 150), "Attachment B requires a headache diary.", fill="black", font=font)
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, "Example Health Plan covers 64615 when Attachment B is met (test fixture).")
    pdf.add_page()
    pdf.image(image, x=10, y=20, w=190)
    return bytes(pdf.output())


@needs_tesseract
def test_ocr_reads_a_page_without_text_layer(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "scan.pdf", _scanned_text_pdf()), ocr=True)
    assert "headache diary" in extracted.text.lower()
    assert extracted.pages_without_text == ()
    assert document_of(extracted).page_at(extracted.text.lower().index("headache diary")) == 2
    assert "read by OCR" in extracted.note


@needs_field_cases
@needs_tesseract
def test_field_case_c05_ocr_reads_page_two() -> None:
    extracted = extract(next((FIELD / "c05-partly-scanned-pdf").glob("*.pdf")), ocr=True)
    assert extracted.pages_without_text == ()
    assert "diary" in extracted.text.lower()
    assert document_of(extracted).page_at(extracted.text.lower().index("diary")) == 2


# Characters.

def test_ligatures_soft_hyphens_and_line_end_hyphenation_are_normalised() -> None:
    assert normalize_chars("modi\ufb01er in\ufb02ammation dys\u00adtonia\u200b") == "modifier inflammation dystonia"
    assert normalize_lines("the medi-\ncal record, a follow-\nup visit") == "the medical record, a follow-up visit"
    assert normalize_lines("\u25cf first item\n\u2022 second item") == "- first item\n- second item"


def test_a_hyphen_written_as_a_control_character_is_a_hyphen_and_other_controls_go() -> None:
    assert normalize_chars("a stand\x02alone service; ICD\x0210 codes\x07\x00\x1b") == "a stand-alone service; ICD-10 codes"
    assert normalize_chars("two\nlines\r\n") == "two\nlines\r\n"


def test_unicode_hyphens_are_written_as_typed_and_dashes_stay() -> None:
    assert normalize_chars("UB\u201004 at 312\u2011422\u20123366, \u22125") == "UB-04 at 312-422-3366, -5"
    assert normalize_chars("99238\u201399239 \u2014 see") == "99238\u201399239 \u2014 see"


def test_a_footnote_mark_on_a_code_does_not_become_a_digit_of_it() -> None:
    # "90846²" is code 90846 with footnote 2, not code 908462; "kg/m²" keeps its square.
    assert normalize_chars("90846¹, 90847²; BMI ≥ 40 kg/m²") == "90846, 90847; BMI ≥ 40 kg/m2"


@pytest.mark.skipif(not DEJAVU.is_file(), reason=f"{DEJAVU} (a font with ligature glyphs) is not installed")
def test_a_pdf_with_ligatures_and_soft_hyphens_is_stored_normalised(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    pdf.add_page()
    pdf.cell(0, 8, "Use modi\ufb01er 50; no cover for \ufb01bromyalgia or in\ufb02ammation; cervical dys\u00adtonia.")
    text = extract(write(tmp_path, "lig.pdf", bytes(pdf.output()))).text
    assert "modifier 50" in text and "fibromyalgia" in text and "inflammation" in text and "dystonia" in text
    assert not any(ch in text for ch in "\ufb01\ufb02\u00ad")


@needs_field_cases
def test_field_case_c13_ligatures_and_soft_hyphens_normalised() -> None:
    folder = FIELD / "c13-ligatures-odd-characters"
    texts = [extract(path).text for path in sorted(folder.glob("*.pdf"))]
    assert len(texts) == 2 and texts[0] == texts[1], "the ligature PDF reads like its plain control"
    assert "modifier 50" in texts[0] and "cervical dystonia" in texts[0]
    assert not any(ch in texts[0] for ch in "\ufb01\ufb02\u00ad")


def test_a_header_the_grid_put_one_column_off_is_moved_over_its_data() -> None:
    from assistant.ingest.pdf_tables import merge_offset_header

    rows = [("", "CPT Code", "", "Description"), ("0813T", "", "EGD with balloon adjustment", ""), ("43290", "", "EGD", "")]
    assert merge_offset_header(rows) == [("CPT Code", "Description"), ("0813T", "EGD with balloon adjustment"), ("43290", "EGD")]
    # A header printed over two rows, one column off its data: both rows move over it.
    two = [("Code", "", "May Be", "", "Not To Be"), ("", "", "Reported With", "", "Reported With"),
           ("90834", "+90785", "", "90839, 90846", ""), ("90837", "+90785", "", "90839", "")]
    assert merge_offset_header(two) == [("Code", "May Be", "Not To Be"), ("", "Reported With", "Reported With"),
                                        ("90834", "+90785", "90839, 90846"), ("90837", "+90785", "90839")]
    # Columns that only take turns below the header (a "Yes" / "No" mark) stay apart.
    marks = [("Code", "Yes", "No"), ("1", "X", ""), ("2", "", "X")]
    assert merge_offset_header(marks) == marks


def test_a_long_header_cell_still_makes_a_header() -> None:
    from assistant.ingest.pdf_tables import header_of

    rows = (("Primary E/M Service", "Count Physician/NPP Time Spent Within This Time Period (Surveyed Timeframe)"), ("99223", "Date of visit"))
    assert header_of(rows)[0] == rows[0]


def test_a_year_in_a_header_cell_keeps_the_header_but_a_year_alone_is_data() -> None:
    from assistant.ingest.pdf_tables import header_of

    years = (("E/M Visit Code Family", "2024-2025 Definition of Substantive Portion"), ("ED", "More than 50% of total time"))
    assert header_of(years)[0] == years[0]
    labels = (("Revision Date", "2019"), ("Effective Date", "7/1/2026"))
    assert header_of(labels)[0] is None


def test_word_sub_bullets_read_as_the_letter_o_are_list_items_not_wrapped_lines() -> None:
    # Word's Courier/Wingdings sub-bullets come out of a PDF as "o "; before a capital, a digit or
    # a sign they start an item of their own, not a line wrapped from the one before.
    text = normalize_lines("Covered when one of the following\no BMI ≥ 40 kg/m2; or\no BMI ≥ 35 kg/m2 with a comorbidity\nor when\nothers apply")
    assert text == "Covered when one of the following\n- BMI ≥ 40 kg/m2; or\n- BMI ≥ 35 kg/m2 with a comorbidity or when others apply"
    leads = leads_of(text)
    lead = "Covered when one of the following"
    assert leads["BMI ≥ 40 kg/m2; or"] == lead and leads["BMI ≥ 35 kg/m2 with a comorbidity or when others apply"] == lead
    # "X; or" goes on to the next item: it is no table row of two cells.
    assert not is_table_row("BMI ≥ 40 kg/m2; or") and is_table_row("Code: 43644; Description: Laparoscopic gastric bypass")

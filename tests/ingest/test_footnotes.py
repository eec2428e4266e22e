"""Footnotes tied to the sentence whose marker calls them (assistant/ingest/footnotes.py).

The texts are laid out as the PDF extractor leaves them: a superscript marker glued to the word
before it, the footnote on a line of its own after the list or table.
"""

from __future__ import annotations

from assistant.ingest.chunking import split_sentences
from assistant.ingest.context import with_context
from assistant.ingest.footnotes import with_footnotes
from assistant.models import Document


def notes_of(text: str) -> dict[str, str]:
    """Each footnote's text mapped to the text of the sentence calling it."""
    document = Document("d", "D", "T", None, (), None, text, "d.md")
    sentences = with_footnotes(text, with_context(document, split_sentences(document)))
    return {text[s.start : s.end]: text[s.note_of[0] : s.note_of[1]] for s in sentences if s.note_of}


def test_a_letter_glued_to_a_word_calls_the_footnote_with_that_letter() -> None:
    text = (
        "Coverage is approved when all of the following criteria are met:\n"
        "(1) Diagnosis confirmed by a specialist\n"
        "-AND- (2) Failure of a trialb of two other drugs for at least 8 weeks each\n"
        "Authorization will be issued for 12 months.\n"
        "a State mandates may apply.\n"
        "b For Vermont business, only a 30-day trial will be required.\n"
    )
    # "a State mandates may apply." is called by no word: it stays unlinked.
    assert notes_of(text) == {
        "b For Vermont business, only a 30-day trial will be required.": (
            "AND- (2) Failure of a trialb of two other drugs for at least 8 weeks each"
        )
    }


def test_an_asterisk_after_a_table_cell_calls_the_note_under_the_table() -> None:
    text = (
        "Table 2. Billing by length of stay\n\n"
        "Length of Stay: Less than 8 hours; Codes to Bill: Initial hospital services only*\n"
        "Length of Stay: 8 or more hours; Codes to Bill: Same-day admission and discharge\n\n"
        "* Plus prolonged services, if applicable.\n"
    )
    notes = notes_of(text)
    assert list(notes.values()) == ["Length of Stay: Less than 8 hours; Codes to Bill: Initial hospital services only"], notes
    assert "Plus prolonged services, if applicable." in next(iter(notes)), notes


def test_a_bullet_list_no_marker_calls_is_no_footnote() -> None:
    # "* " opening lines is a bullet when no earlier sentence has a marker glued to a word.
    text = "The note must include:\n* the time spent\n* The name of the practitioner\n"
    assert notes_of(text) == {}


def test_words_names_and_codes_that_end_in_a_letter_or_digit_call_nothing() -> None:
    # "idea" is an English word; "Fetissova" is an author beside "Fetissov", no common word plus
    # "a"; "G2212" and "trial2" without a footnote "2" call nothing.
    text = (
        "It is a good idea to report HCPCS code G2212 once.\n"
        "Fetissov S. Ghrelin and appetite. Fetissova S. Gastric stimulation.\n"
        "The trial2 ended.\n"
        "a Metabolic and Bariatric Surgery Accreditation program analysis.\n"
        "12 Months of data were reviewed.\n"
    )
    assert notes_of(text) == {}


def test_a_footnote_calls_back_to_the_nearest_sentence_with_its_marker() -> None:
    text = (
        "First rule applies to adults only*.\n\n"
        "* Adults are 18 or older.\n\n"
        "Second rule applies to adolescents*.\n\n"
        "* Adolescents are 12 to 17.\n"
    )
    notes = {k.lstrip("* "): v for k, v in notes_of(text).items()}
    assert notes == {
        "Adults are 18 or older.": "First rule applies to adults only*.",
        "Adolescents are 12 to 17.": "Second rule applies to adolescents*.",
    }, notes

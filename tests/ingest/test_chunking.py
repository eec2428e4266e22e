"""Chunks and sentences follow sections and sentence boundaries and keep exact offsets."""

from __future__ import annotations

import pytest

from assistant.ingest.chunking import chunk_document, section_at, split_sections, split_sentences
from assistant.ingest.documents import read_document
from assistant.models import Document
from tests.conftest import ROOT

DOCUMENT = read_document(ROOT / "corpus" / "documents" / "openpayer-cpt-64642.md")


def test_sections_follow_headings() -> None:
    titles = [s.title for s in split_sections(DOCUMENT.text)]
    assert titles == [
        "Summary & Overview",
        "CPT Code Overview",
        "Clinical & Coding Specifications > Clinical Context",
        "Clinical & Coding Specifications > Coding Specifications",
    ]


def test_sentences_are_exact_trimmed_spans() -> None:
    sentences = split_sentences(DOCUMENT)
    texts = [DOCUMENT.text[s.start : s.end] for s in sentences]
    assert all(t == t.strip() and t for t in texts)
    assert "Modifier\n50(Bilateral Procedure): Used when the procedure is performed on both extremities during the same session." in texts
    assert not any(t.startswith("#") for t in texts)


@pytest.mark.parametrize(("size", "overlap"), [(200, 0), (400, 150), (700, 150), (5000, 300)])
def test_chunks_respect_size_overlap_and_sections(size: int, overlap: int) -> None:
    sentences = split_sentences(DOCUMENT)
    chunks = chunk_document(DOCUMENT, sentences, size, overlap)
    covered = set()
    for chunk in chunks:
        assert DOCUMENT.text[chunk.start : chunk.end] == chunk.text
        assert section_at(DOCUMENT.text, chunk.start) == chunk.section
        assert section_at(DOCUMENT.text, chunk.end - 1) == chunk.section, "a chunk crossed a section"
        inside = [s for s in sentences if chunk.start <= s.start and s.end <= chunk.end]
        assert len(inside) == 1 or chunk.end - chunk.start <= size
        covered.update((s.start, s.end) for s in inside)
    assert covered == {(s.start, s.end) for s in sentences}, "every sentence lands in some chunk"
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert max(0, before.end - after.start) <= overlap, "chunks share more than the overlap"


def test_a_hard_wrapped_sentence_stays_one_sentence() -> None:
    text = "Bill the drug per unit given, with\nany discarded units on a separate line.\nThe record states both."
    document = Document("wrapped", "Wrapped", "Test", None, (), None, text, "wrapped.md")
    spans = [text[s.start : s.end] for s in split_sentences(document)]
    assert spans == ["Bill the drug per unit given, with\nany discarded units on a separate line.", "The record states both."]


def test_a_heading_with_no_text_of_its_own_introduces_the_next() -> None:
    # PDF headings all come out at one level: the empty heading says what the code group lists.
    text = (
        "## Coding Information\n\n## Procedure Codes\n\n## Group 1\n\nCode: 0999T; Description: mapping\n\n"
        "## Modifiers\n\nN/A\n\n## Diagnoses that Support Medical Necessity\n\n## Group 1\n\nCode: Z99.89\n\n"
        "## Diagnoses that Do Not Support Medical Necessity\n\nN/A\n"
    )
    assert [s.title for s in split_sections(text)] == [
        "Coding Information > Procedure Codes > Group 1",
        "Modifiers",
        "Diagnoses that Support Medical Necessity > Group 1",
        "Diagnoses that Do Not Support Medical Necessity",
    ]

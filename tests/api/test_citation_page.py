"""A citation into a PDF names its page (``page``), computed from the document's page offsets."""

from __future__ import annotations

from assistant.api.schemas import ChatResponse
from assistant.models import Answer, Citation, Document

TEXT = "Page one text. " * 4 + "Page two says CPT 64615 needs prior authorization."
PDF = Document("pdf-doc", "A PDF", "Test", None, (), None, TEXT, "pdf-doc.md", page_starts=(0, 60))
NOTE = Document("note", "A note", "Test", None, (), None, TEXT, "note.md")


def citation(doc_id: str, start: int) -> Citation:
    end = start + 10
    return Citation(1, doc_id, "T", None, start, end, TEXT[start:end], None, 0.5)


def test_citations_carry_the_page_of_their_start_and_none_without_a_page_map() -> None:
    answer = Answer("x [1] [2] [3]", False, 0.9, "q", "v1",
                    (citation("pdf-doc", 5), citation("pdf-doc", TEXT.index("CPT 64615")), citation("note", 5)))
    response = ChatResponse.of(answer, {"pdf-doc": PDF, "note": NOTE})
    assert [c.page for c in response.citations] == [1, 2, None]
    assert ChatResponse.of(answer).citations[0].page is None
    assert ChatResponse.model_validate(response.model_dump()).citations[1].page == 2


def test_page_at_edges() -> None:
    assert (PDF.page_at(0), PDF.page_at(59), PDF.page_at(60), PDF.page_at(len(TEXT))) == (1, 1, 2, 2)
    assert NOTE.page_at(3) is None and PDF.page_at(-1) is None

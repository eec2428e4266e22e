"""Source files -> clean text and metadata: every format, PDF pages as sections, every bad input.

The fixtures in tests/fixtures/ and tests/pdf_fixtures.py are fictional test text ("Example Health
Plan"), not real policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import (
    CorruptPdfError,
    EmptySourceError,
    EncryptedPdfError,
    NoMainTextError,
    ScannedPdfError,
    SourceEncodingError,
    SourceError,
    SourceTooLargeError,
    UnsupportedSourceError,
)
from assistant.ingest.chunking import split_sections
from assistant.ingest.extract import Extracted, extract_source, source_files
from assistant.ingest.normalize import join_wrapped_lines
from assistant.models import Document
from tests.conftest import ROOT
from tests.pdf_fixtures import PAGES, corrupt_pdf, encrypted_pdf, image_only_pdf, text_pdf

FIXTURES = ROOT / "tests" / "fixtures"
HTML = FIXTURES / "example-health-plan-64615.html"
TEXT = FIXTURES / "example-prior-auth-note.txt"
MARKDOWN = FIXTURES / "example-coding-tip.md"
NAV_ONLY = (
    "<html><head><title>Member portal</title></head><body><header><nav><ul>"
    + "".join(f'<li><a href="/section-{n}">Section {n} of the member portal</a></li>' for n in range(40))
    + "</ul></nav></header><main><p>Welcome.</p></main><footer><a href='/terms'>Terms</a></footer></body></html>"
)


def extract(path: Path, *, encoding: str | None = None, max_bytes: int = 20 * 1024 * 1024) -> Extracted:
    return extract_source(path, encoding=encoding, max_bytes=max_bytes, min_main_chars=200)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_html_keeps_main_text_and_headings_and_drops_the_page_chrome() -> None:
    extracted = extract(HTML)
    assert extracted.source_format == "html"
    assert "Example Health Plan considers chemodenervation" in extracted.text
    for chrome in ("Members", "Log in", "Privacy", "All rights reserved", "trackingId", "font-family"):
        assert chrome not in extracted.text
    titles = [s.title for s in split_sections(extracted.text)]
    assert titles == ["Chemodenervation for Chronic Migraine (CPT 64615)", "Policy summary", "Coding", "Reassessment"]
    assert extracted.title == "Chemodenervation for Chronic Migraine (CPT 64615)"
    assert extracted.publisher == "Example Health Plan (test fixture)"
    assert extracted.source_url == "https://example.org/test-fixture/policies/chemodenervation-64615"


def test_html_escaped_markup_stays_literal_text() -> None:
    extracted = extract(HTML)
    assert 'the text <script>alert("x")</script> in a note' in extracted.text
    assert "\\<" not in extracted.text and "**" not in extracted.text


def test_text_is_kept_and_hash_lines_do_not_become_sections() -> None:
    extracted = extract(TEXT)
    assert extracted.source_format == "text"
    assert extracted.title is None and extracted.publisher is None
    assert "billed with CPT 64615." in extracted.text
    assert "\\# This line starts with a hash" in extracted.text
    assert [s.title for s in split_sections(extracted.text)] == [None]


def test_markdown_front_matter_lends_its_metadata_and_is_not_text() -> None:
    extracted = extract(MARKDOWN)
    assert extracted.title == "TEST FIXTURE: Example Health Plan coding tip for HCPCS J0585"
    assert extracted.publisher == "Example Health Plan (test fixture)"
    assert extracted.source_url == "https://example.org/test-fixture/tips/j0585"
    assert not extracted.text.startswith("---") and "source_url" not in extracted.text
    assert [s.title for s in split_sections(extracted.text)] == [
        "Coding tip: drug units for chemodenervation", "Units", "Documentation"]


def test_markdown_without_front_matter_takes_its_first_heading_as_title(tmp_path: Path) -> None:
    path = write(tmp_path, "tip.md", b"Intro line.\n\n# The real title\n\nBody text about CPT 64615.\n")
    assert extract(path).title == "The real title"


def test_pdf_pages_are_an_offset_map_not_headings(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "policy.pdf", text_pdf()))
    assert extracted.source_format == "pdf"
    assert "## Page" not in extracted.text and split_sections(extracted.text)[0].title is None
    starts = extracted.page_starts
    assert starts == (0, extracted.text.index("Page two says"), extracted.text.index("Page three says"))
    assert extracted.pages_without_text == ()
    document = Document("p", "P", "T", None, (), None, extracted.text, "p.md", page_starts=starts)
    assert document.page_at(extracted.text.index("CPT 64615 needs prior authorization")) == 2
    assert document.page_at(extracted.text.index("HCPCS J0585")) == 3 and document.page_at(0) == 1
    assert "\\# This hash line is page text" in extracted.text
    assert extracted.title == "TEST FIXTURE PDF policy"
    assert extracted.publisher == "Example Health Plan (test fixture)"
    assert "3 page(s)" in extracted.note and "pypdfium2" in extracted.note


def test_pdf_without_metadata_leaves_title_and_publisher_open(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "bare.pdf", text_pdf(PAGES[:1], title=None, author=None)))
    assert extracted.title is None and extracted.publisher is None


def test_a_pdf_without_metadata_takes_the_publisher_its_text_names_in_a_field(tmp_path: Path) -> None:
    # Medicare LCDs and billing articles carry no /Author; each names its contractor in a field.
    page = ("TEST FIXTURE - fictional LCD.\nContractor Name: Tamsin Ridge Medicare Services, Inc.\n"
            "Contract Type: A and B MAC\nThe publisher of this note is not named in a field.")
    extracted = extract(write(tmp_path, "lcd.pdf", text_pdf((page,), title=None, author=None)))
    assert extracted.publisher == "Tamsin Ridge Medicare Services, Inc."
    # The file's own metadata comes first; a "publisher" in running prose is no field.
    assert extract(write(tmp_path, "tagged.pdf", text_pdf((page,)))).publisher == "Example Health Plan (test fixture)"
    prose = write(tmp_path, "prose.txt", b"TEST FIXTURE. The publisher agrees to nothing here.\nPublished in 2026.\n")
    assert extract(prose).publisher is None


def test_named_encoding_reads_non_utf8_text(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.txt", "Résumé of the café policy for CPT 64615.".encode("cp1252"))
    assert extract(path, encoding="cp1252").text == "Résumé of the café policy for CPT 64615."


def test_utf8_byte_order_mark_and_crlf_are_tidied(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", "\ufeffFirst line.\r\nSecond line.   \r\n\r\n\r\n\r\nThird.".encode())
    assert extract(path).text == "First line.\nSecond line.\n\nThird."


@pytest.mark.parametrize(
    ("name", "data", "error", "fragments"),
    [
        ("empty.txt", b"", EmptySourceError, ["the file is empty (0 bytes)"]),
        ("blank.md", b"  \n\n\t\n", EmptySourceError, ["the file has no text"]),
        ("header-only.md", b"---\ntitle: Only a header\n---\n", EmptySourceError, ["the file has no text"]),
        ("scan.pdf", image_only_pdf(), ScannedPdfError, ["none of its 2 page(s) has extractable text", "OCR"]),
        ("locked.pdf", encrypted_pdf(), EncryptedPdfError, ["password-protected", "unprotected copy"]),
        ("broken.pdf", corrupt_pdf(), CorruptPdfError, ["cannot be read as a PDF", "damaged or not a PDF"]),
        ("notes.pdf", b"this is plain text, not a PDF", CorruptPdfError, ["cannot be read as a PDF"]),
        (
            "latin1.txt",
            "Résumé de la politique de couverture du café, règles générales détaillées.".encode("cp1252"),
            SourceEncodingError,
            ["not UTF-8 text (byte 0xE9 at offset 1", "it looks like cp", "Pass --encoding cp", "re-save the file as UTF-8"],
        ),
        ("portal.html", NAV_ONLY.encode(), NoMainTextError, ["characters of main text", "mostly navigation"]),
        ("policy.docx", b"PK\x03\x04", UnsupportedSourceError, ["unsupported file type .docx", ".md, .txt, .html, .htm and .pdf"]),
    ],
)
def test_bad_input_is_a_typed_error_naming_file_and_reason(
    tmp_path: Path, name: str, data: bytes, error: type[SourceError], fragments: list[str]
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(error) as caught:
        extract(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"CPT 64615 " * 20)
    with pytest.raises(SourceTooLargeError, match=r"the file is 200 bytes, over the 100-byte limit.*ASSISTANT_MAX_SOURCE_BYTES"):
        extract(path, max_bytes=100)
    assert extract(path, max_bytes=200).text.startswith("CPT 64615")


def test_wrong_or_unknown_named_encoding_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "u16.txt", "plain words".encode("utf-16"))
    with pytest.raises(SourceEncodingError, match="unknown encoding 'klingon'"):
        extract(path, encoding="klingon")
    with pytest.raises(SourceEncodingError, match="cannot be read as ascii"):
        extract(path, encoding="ascii")


def test_folders_are_walked_for_supported_files_only(tmp_path: Path) -> None:
    (tmp_path / "docs" / "deeper").mkdir(parents=True)
    for name in ("a.md", "b.TXT", "deeper/c.pdf", "deeper/d.htm", "notes.docx", "deeper/image.png"):
        (tmp_path / "docs" / name).write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    found = source_files([tmp_path / "docs", tmp_path / "missing.txt", tmp_path / "docs" / "notes.docx", tmp_path / "empty"])
    paths = [item for item in found if isinstance(item, Path)]
    problems = [str(item) for item in found if isinstance(item, SourceError)]
    assert [p.relative_to(tmp_path / "docs").as_posix() for p in paths] == ["a.md", "b.TXT", "deeper/c.pdf", "deeper/d.htm"]
    assert problems == [
        f"{tmp_path / 'missing.txt'}: no such file or folder.",
        f"{tmp_path / 'docs' / 'notes.docx'}: unsupported file type .docx; ingest reads .md, .txt, .html, .htm and .pdf "
        "files. Save it in one of those formats first.",
        f"{tmp_path / 'empty'}: the folder holds no .md, .txt, .html, .htm or .pdf files.",
    ]


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("a coding note on CPT 99214, written for\nautomated tests.", "a coding note on CPT 99214, written for automated tests."),
        ("Ends here.\nNext sentence.", "Ends here.\nNext sentence."),
        ("A list:\n- first\n- second", "A list:\n- first\n- second"),
        ("G43.709.\n# This hash line stays a line", "G43.709.\n# This hash line stays a line"),
        ("Heading Line\nStarts Upper", "Heading Line\nStarts Upper"),
    ],
)
def test_pdf_line_wraps_inside_sentences_are_joined(text: str, joined: str) -> None:
    assert join_wrapped_lines(text) == joined

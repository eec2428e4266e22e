"""Corpus documents: front matter validated, text kept verbatim, clear errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest.documents import read_document, read_documents
from tests.conftest import ROOT

SEED = ROOT.parent / "shared" / "seed" / "000_68344895ba27f028.txt"
DOCUMENT = ROOT / "corpus" / "documents" / "openpayer-cpt-64642.md"

GOOD_HEADER = "---\nid: doc-1\ntitle: T\npublisher: P\nsource_url: https://example.org/x\ncodes: ['64615']\nadded: 2026-01-01\n---\n"


def test_seed_words_are_kept_verbatim() -> None:
    document = read_document(DOCUMENT)
    assert document.doc_id == "openpayer-cpt-64642"
    assert document.codes == ("64642",)
    if SEED.is_file():  # shared/ sits beside the clone in CI and development
        seed_lines = SEED.read_text(encoding="utf-8").split("\n")
        body_lines = [line.lstrip("#").lstrip() for line in document.text.split("\n")]
        assert body_lines == seed_lines
    assert document.text.endswith("| Provider Taxonomy Code | Specialty Name |\n|---|---|")


def write(tmp_path: Path, text: str, name: str = "doc.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no header at all", "no YAML front matter"),
        ("---\nid: [unclosed\n---\nbody", "not valid YAML"),
        (GOOD_HEADER.replace("id: doc-1", "id: a/b"), "id"),
        (GOOD_HEADER.replace("title: T\n", ""), "title"),
        (GOOD_HEADER.replace("source_url: https://example.org/x", "source_url: not a url"), "source_url"),
        (GOOD_HEADER + "   \n", "no text"),
        (GOOD_HEADER.replace("added: 2026-01-01", "added: yesterday"), "added"),
        (GOOD_HEADER.replace("---\nid", "---\nsurprise: 1\nid"), "surprise"),
    ],
)
def test_invalid_documents_name_the_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CorpusError) as caught:
        read_document(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_non_utf8_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes(GOOD_HEADER.encode() + "caf\xe9".encode("latin-1"))
    with pytest.raises(CorpusError, match="UTF-8"):
        read_document(path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD_HEADER + "one", "a.md")
    write(tmp_path, GOOD_HEADER + "two", "b.md")
    with pytest.raises(CorpusError, match="already used"):
        read_documents(tmp_path)


def test_hostile_text_is_kept_as_text(tmp_path: Path) -> None:
    body = "<script>alert(1)</script> ![x](http://evil/x.png) ; DROP TABLE docs;"
    document = read_document(write(tmp_path, GOOD_HEADER + body))
    assert document.text == body

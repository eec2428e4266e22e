"""Extracted text -> corpus document: ids, metadata precedence, codes, versions, safe rendering."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from assistant.errors import SourceError
from assistant.ingest.catalog import StoredDocument
from assistant.ingest.documents import read_document, read_document_parts
from assistant.ingest.extract import Extracted
from assistant.ingest.source_docs import Overrides, PlannedDocument, document_id, plan_document, subject_codes
from tests.conftest import ROOT

DAY_ONE = dt.date(2026, 1, 5)
DAY_TWO = dt.date(2026, 2, 9)
TEXT = "## Policy\n\nCPT 64615 is covered with HCPCS J0585, modifier JW and POS 11, for G43.709. CPT 64615 again."


def extracted(text: str = TEXT, **metadata: str | None) -> Extracted:
    fields: dict[str, str | None] = {"title": None, "publisher": None, "source_url": None, **metadata}
    return Extracted(Path("/somewhere/Example_Policy-64615.html"), "html", text, note="main text", **fields)


def plan(source: Extracted, existing: StoredDocument | None = None, overrides: Overrides | None = None,
         today: dt.date = DAY_ONE) -> PlannedDocument:
    chosen = overrides or Overrides()
    doc_id = document_id(source.path, chosen)
    return plan_document(source, chosen, doc_id=doc_id, target=Path("/corpus/documents") / f"{doc_id}.md",
                         existing=existing, today=today)


def stored(planned: PlannedDocument) -> StoredDocument:
    return StoredDocument(planned.path, planned.header, planned.text)


def test_ids_are_slugs_of_the_file_name_unless_given() -> None:
    assert document_id(Path("Example_Policy (v2).PDF"), Overrides()) == "example-policy-v2"
    assert document_id(Path("x.pdf"), Overrides(doc_id="chosen-id")) == "chosen-id"
    with pytest.raises(SourceError, match="cannot make an id from the file name; pass --id"):
        document_id(Path("___.txt"), Overrides())


def test_subject_codes_come_from_the_projects_code_recognition() -> None:
    assert subject_codes(TEXT) == ["64615", "J0585", "G43.709"]  # modifiers and POS are not subjects


def test_new_document_defaults_are_honest() -> None:
    planned = plan(extracted())
    header = planned.header
    assert planned.action == "added"
    assert (header.id, header.title, header.publisher, header.source_url) == (
        "example-policy-64615", "Example Policy 64615", "unknown", None)
    assert (header.version, header.added, header.updated, header.effective) == (1, DAY_ONE, None, None)
    assert header.codes == ["64615", "J0585", "G43.709"]
    assert header.content_hash == hashlib.sha256(TEXT.encode()).hexdigest()
    assert header.source_file == "Example_Policy-64615.html" and header.source_format == "html"


def test_flags_win_over_file_metadata_which_wins_over_defaults() -> None:
    source = extracted(title="File title", publisher="File site", source_url="https://example.org/file")
    from_file = plan(source).header
    assert (from_file.title, from_file.publisher, str(from_file.source_url)) == (
        "File title", "File site", "https://example.org/file")
    flags = Overrides(title="Flag title", publisher="Flag publisher", source_url="https://example.org/flag",  # type: ignore[arg-type]
                      codes=("64615",), effective=dt.date(2026, 3, 1))
    from_flags = plan(source, overrides=flags).header
    assert (from_flags.title, from_flags.publisher, str(from_flags.source_url)) == (
        "Flag title", "Flag publisher", "https://example.org/flag")
    assert from_flags.codes == ["64615"] and from_flags.effective == dt.date(2026, 3, 1)


def test_a_relative_canonical_link_is_not_taken_as_the_source_url() -> None:
    assert plan(extracted(source_url="/policies/64615")).header.source_url is None


def test_same_text_is_unchanged_and_changed_text_is_a_new_version() -> None:
    first = plan(extracted(), overrides=Overrides(effective=dt.date(2026, 3, 1)))
    again = plan(extracted(), existing=stored(first), today=DAY_TWO)
    assert again.action == "unchanged" and again.header == first.header
    changed = plan(extracted(TEXT + " Updated."), existing=stored(first), today=DAY_TWO)
    assert changed.action == "new version"
    assert (changed.header.version, changed.header.added, changed.header.updated) == (2, DAY_ONE, DAY_TWO)
    assert changed.header.effective == dt.date(2026, 3, 1), "metadata carries over to the new version"
    third = plan(extracted(TEXT + " Again."), existing=stored(changed), today=DAY_TWO)
    assert third.header.version == 3


def test_same_text_with_new_metadata_keeps_the_version() -> None:
    first = plan(extracted())
    renamed = plan(extracted(), existing=stored(first), overrides=Overrides(title="Better title"), today=DAY_TWO)
    assert renamed.action == "metadata updated"
    assert (renamed.header.title, renamed.header.version, renamed.header.updated) == ("Better title", 1, DAY_TWO)


def test_a_curated_document_is_never_overwritten() -> None:
    header, text = read_document_parts(ROOT / "corpus" / "documents" / "openpayer-cpt-64642.md")
    curated = StoredDocument(Path("corpus/documents/openpayer-cpt-64642.md"), header, text)
    with pytest.raises(SourceError, match="curated document not added by `assistant ingest`; pass --id"):
        plan(extracted(), existing=curated, overrides=Overrides(doc_id="openpayer-cpt-64642"))


def test_rendered_document_reads_back_with_text_verbatim_and_hostile_metadata_inert(tmp_path: Path) -> None:
    text = "<script>alert(1)</script> text\n---\nid: injected\n\n## Section\n\nCPT 64615."
    title = 'Title: with "quotes"\n---\nid: evil'
    planned = plan(extracted(text, title=title))
    path = tmp_path / "doc.md"
    path.write_text(planned.render(), encoding="utf-8")
    document = read_document(path)
    assert document.text == text
    assert document.doc_id == "example-policy-64615"
    assert document.title == title

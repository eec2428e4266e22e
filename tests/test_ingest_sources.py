"""`assistant ingest` and `assistant sources list | show | remove`, through main(argv), on a private
copy of corpus/ with the deterministic fake embedder; one slow test searches with the real model.

Fixtures are fictional test text ("Example Health Plan"), never real policy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from assistant import pipeline
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.ingest.corpus import load_corpus
from assistant.ingest.documents import read_document_parts
from assistant.pipeline import build_inputs, index_state, load_answerer
from assistant.store.disk import load_index, read_manifest
from assistant.store.hybrid import HybridIndex
from tests.conftest import ROOT
from tests.pdf_fixtures import corrupt_pdf, encrypted_pdf, image_only_pdf, text_pdf

FIXTURES = ROOT / "tests" / "fixtures"
HTML = FIXTURES / "example-health-plan-64615.html"
HTML_ID = "example-health-plan-64615"
DIMENSION = 32


@pytest.fixture()
def settings(project_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI pointed at a private corpus copy and index, embedding with the fast fake."""
    for name in ("corpus_dir", "index_dir", "prompts_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(project_copy, name)))
    monkeypatch.setenv("COLUMNS", "400")  # messages on one line each, as a wide terminal shows them
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: HashingEmbedder(dimension=DIMENSION))
    return project_copy


def index_of(settings: Settings) -> HybridIndex:
    return load_index(settings.index_dir, build_inputs(settings), DIMENSION)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(text: str) -> str:
    return " ".join(text.split())


def document(settings: Settings, doc_id: str) -> Path:
    return settings.corpus_dir / "documents" / f"{doc_id}.md"


def test_ingest_html_writes_the_document_and_updates_the_index(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(HTML)]) == 0
    out = one_line(capsys.readouterr().out)
    assert f"Added: {HTML} -> {document(settings, HTML_ID)} ({HTML_ID} version 1;" in out
    assert "codes 64615, J0585, G43.709, G43.719" in out and "Index " in out
    header, text = read_document_parts(document(settings, HTML_ID))
    assert header.publisher == "Example Health Plan (test fixture)" and header.version == 1
    assert index_state(settings) == "fresh"
    chunks = [p for p in index_of(settings).passages if p.doc_id == HTML_ID and p.kind == "chunk"]
    assert {p.section for p in chunks} >= {"Policy summary", "Coding", "Reassessment"}
    assert all(text[p.start : p.end] == p.text for p in chunks)


def test_ingest_progress_written_to_a_pipe_keeps_each_step_whole(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Captured output is no terminal, as a log file or CI is not: each step's row keeps its count
    # and time (before: "embed new text ━━ 8… 0:…", cut to 80 columns by the bar and spinner).
    assert main(["ingest", str(HTML)]) == 0
    rows = capsys.readouterr().err.splitlines()
    embedding = next(row for row in rows if row.startswith("embed new text"))
    assert re.search(r"embed new text\s+(\d+)/\1\s+\d:\d\d:\d\d", embedding), embedding
    assert not any("…" in row for row in rows), rows


def test_ingest_pdf_records_where_each_page_starts(settings: Settings, tmp_path: Path) -> None:
    pdf = tmp_path / "Example Policy.pdf"
    pdf.write_bytes(text_pdf())
    assert main(["ingest", str(pdf), "--effective", "2026-03-01"]) == 0
    header, text = read_document_parts(document(settings, "example-policy"))
    assert (header.title, header.publisher, header.source_format) == (
        "TEST FIXTURE PDF policy", "Example Health Plan (test fixture)", "pdf")
    assert str(header.effective) == "2026-03-01"
    assert "## Page" not in text and header.pages == [0, text.index("Page two"), text.index("Page three")]
    stored = index_of(settings).documents["example-policy"]
    assert stored.page_starts == tuple(header.pages) and stored.pages_without_text == ()
    chunk = next(p for p in index_of(settings).passages if p.doc_id == "example-policy" and "CPT 64615" in p.text)
    assert stored.page_at(chunk.start + chunk.text.index("CPT 64615")) == 2


def test_reingesting_an_unchanged_file_is_a_no_op(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(HTML)]) == 0
    before, version = snapshot(settings.corpus_dir), read_manifest(settings.index_dir)
    capsys.readouterr()
    assert main(["ingest", str(HTML)]) == 0
    out = one_line(capsys.readouterr().out)
    assert f"Unchanged: {HTML} is already {HTML_ID} version 1 (same text); nothing to do." in out
    assert "Nothing changed; the index is left as it is." in out
    assert snapshot(settings.corpus_dir) == before
    assert read_manifest(settings.index_dir) == version


def test_a_changed_file_becomes_the_next_version(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / HTML.name
    shutil.copy(HTML, source)
    assert main(["ingest", str(source), "--publisher", "Example Health Plan (test fixture, flag)"]) == 0
    first, _ = read_document_parts(document(settings, HTML_ID))
    source.write_text(HTML.read_text().replace("twelve weeks apart", "ten weeks apart"), encoding="utf-8")
    assert main(["ingest", str(source)]) == 0
    second, text = read_document_parts(document(settings, HTML_ID))
    assert (second.version, second.added, second.updated) == (2, first.added, second.added)
    assert second.content_hash != first.content_hash
    assert "ten weeks apart" in text and "twelve weeks" not in text
    passages = [p.text for p in index_of(settings).passages if p.doc_id == HTML_ID]
    assert any("ten weeks apart" in t for t in passages) and not any("twelve weeks" in t for t in passages)


def test_a_folder_ingests_the_good_files_and_reports_each_bad_one(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "sources"
    (folder / "more").mkdir(parents=True)
    shutil.copy(FIXTURES / "example-prior-auth-note.txt", folder / "prior-auth.txt")
    shutil.copy(FIXTURES / "example-coding-tip.md", folder / "more" / "coding-tip.md")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "more" / "scan.pdf").write_bytes(image_only_pdf())
    (folder / "ignored.docx").write_bytes(b"PK")
    assert main(["ingest", str(folder)]) == 1
    captured = capsys.readouterr()
    out, err = one_line(captured.out), one_line(captured.err)
    assert f"Error: {folder / 'empty.txt'}: the file is empty (0 bytes)" in err
    assert f"Error: {folder / 'more' / 'scan.pdf'}: none of its 2 page(s) has extractable text" in err
    assert "2 of 4 file(s) not ingested" in err and "docx" not in err
    assert "Added:" in out and document(settings, "prior-auth").is_file() and document(settings, "coding-tip").is_file()
    ids = {p.doc_id for p in index_of(settings).passages}
    assert {"prior-auth", "coding-tip"} <= ids and "empty" not in ids and "scan" not in ids


BAD_INPUTS = [
    ("empty.txt", b"", "the file is empty (0 bytes); there is nothing to ingest."),
    ("scan.pdf", image_only_pdf(), "none of its 2 page(s) has extractable text; it looks like a scanned image."),
    ("locked.pdf", encrypted_pdf(), "the PDF is password-protected; it cannot be read without its password."),
    ("broken.pdf", corrupt_pdf(), "cannot be read as a PDF (Failed to load document"),
    ("latin1.txt", "Résumé de la politique de couverture du café, règles générales détaillées.".encode("cp1252"),
     "not UTF-8 text (byte 0xE9 at offset 1 is invalid in UTF-8); it looks like cp"),
    ("portal.html", ("<html><body><nav>" + "".join(f"<a href='/{n}'>Link {n}</a> " for n in range(50))
                     + "</nav><p>Welcome.</p></body></html>").encode(), "only 8 characters of main text were found among"),
    ("big.txt", b"CPT 64615 is covered. " * 10, "the file is 220 bytes, over the 200-byte limit for a source"),
    ("policy.docx", b"PK\x03\x04", "unsupported file type .docx; ingest reads .md, .txt, .html, .htm and .pdf files."),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_says_why_and_leaves_corpus_and_index_untouched(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    name: str, data: bytes, message: str,
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_SOURCE_BYTES", "200" if name == "big.txt" else "5000")
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot(settings.corpus_dir)
    assert main(["ingest", str(path)]) == 1
    err = one_line(capsys.readouterr().err)
    assert f"Error: {path}: {message}" in err
    assert snapshot(settings.corpus_dir) == before
    assert not settings.index_dir.exists()


def test_a_rebuild_that_fails_undoes_the_change(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / HTML.name
    shutil.copy(HTML, source)
    assert main(["ingest", str(source)]) == 0
    quote = "Report CPT 64615 once per session."
    facts = {"doc_id": HTML_ID, "facts": [{"id": "ehp-once", "type": "coverage", "entities": ["cpt:64615"],
                                           "statement": "The test fixture says to report CPT 64615 once per session.",
                                           "quote": quote}]}
    (settings.corpus_dir / "facts" / "ehp.yaml").write_text(yaml.safe_dump(facts), encoding="utf-8")
    assert main(["build"]) == 0
    before, built = snapshot(settings.corpus_dir), read_manifest(settings.index_dir)
    source.write_text(HTML.read_text().replace(quote, "Report CPT 64615 twice."), encoding="utf-8")
    capsys.readouterr()
    assert main(["ingest", str(source)]) == 1
    err = one_line(capsys.readouterr().err)
    assert "fact 'ehp-once': its quote is not in document" in err
    assert "The change was undone: corpus/ is as it was and the index is unchanged." in err
    assert snapshot(settings.corpus_dir) == before
    assert read_manifest(settings.index_dir) == built


def test_invalid_options_are_refused_before_anything_is_read(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(HTML), "--source-url", "not a url"]) == 2
    assert "--source-url 'not a url'" in one_line(capsys.readouterr().err)
    assert main(["ingest", str(HTML), "--id", "Bad/Id"]) == 2
    assert main(["ingest", str(HTML), str(FIXTURES / "example-prior-auth-note.txt"), "--id", "one"]) == 2
    assert "--id names one document but 2 files were given" in one_line(capsys.readouterr().err)
    assert not document(settings, HTML_ID).exists()


def test_sources_list_and_show_give_versions_kinds_and_counts(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(HTML)]) == 0
    corpus = load_corpus(settings.corpus_dir, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    chunks = sum(1 for p in corpus.passages if p.doc_id == HTML_ID and p.kind == "chunk")
    seed_chunks = sum(1 for p in corpus.passages if p.doc_id == "openpayer-cpt-64642" and p.kind == "chunk")
    seed_facts = sum(1 for f in corpus.facts if f.doc_id == "openpayer-cpt-64642")
    capsys.readouterr()
    assert main(["sources", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{HTML_ID}  v1  publication, ingested html  {chunks} chunks  0 facts" in lines
    assert f"openpayer-cpt-64642  -  publication, curated  {seed_chunks} chunks  {seed_facts} facts" in lines
    assert any(line.startswith("ref-pos  -  reference, generated") for line in lines)
    assert main(["sources", "show", HTML_ID]) == 0
    out = capsys.readouterr().out
    assert f"id: {HTML_ID}\n" in out and "version: 1\n" in out and "source_format: html\n" in out
    assert f"chunks: {chunks}\nfacts: 0" in out
    assert main(["sources", "show", "no-such-doc"]) == 1
    assert "No source with id 'no-such-doc'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("doc_id", "message"),
    [
        ("openpayer-cpt-64642", "is a curated publication (the project's seed), not a source added with `assistant ingest`"),
        ("ref-pos", "is a reference document generated from"),
        ("no-such-doc", "No source with id 'no-such-doc'; `assistant sources list` shows the ids."),
    ],
)
def test_remove_refuses_curated_generated_and_unknown_documents(
    settings: Settings, capsys: pytest.CaptureFixture[str], doc_id: str, message: str
) -> None:
    before = snapshot(settings.corpus_dir)
    assert main(["sources", "remove", doc_id, "--force"]) == 1
    assert message in one_line(capsys.readouterr().err)
    assert snapshot(settings.corpus_dir) == before


def test_remove_deletes_the_document_and_its_chunks(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(HTML), str(FIXTURES / "example-prior-auth-note.txt")]) == 0
    assert HTML_ID in {p.doc_id for p in index_of(settings).passages}
    assert main(["sources", "remove", HTML_ID]) == 0
    assert f"Removed {HTML_ID}." in capsys.readouterr().out
    assert not document(settings, HTML_ID).exists()
    assert HTML_ID not in {p.doc_id for p in index_of(settings).passages}
    assert HTML_ID not in {d.doc_id for d in index_of(settings).documents.values()}
    assert "example-prior-auth-note" in {p.doc_id for p in index_of(settings).passages}


def test_remove_refuses_while_quoted_facts_cite_it_unless_forced(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(HTML)]) == 0
    fact = {"id": "ehp-once", "type": "coverage", "entities": ["cpt:64615"],
            "statement": "The test fixture says to report CPT 64615 once per session.",
            "quote": "Report CPT 64615 once per session."}
    (settings.corpus_dir / "facts" / "ehp.yaml").write_text(
        yaml.safe_dump({"doc_id": HTML_ID, "facts": [fact]}), encoding="utf-8")
    shared = settings.corpus_dir / "facts" / "openpayer-cpt-64642.yaml"
    shared.write_text(shared.read_text(encoding="utf-8") + "  - " + yaml.safe_dump(
        {**fact, "id": "ehp-in-shared-file", "doc_id": HTML_ID}).replace("\n", "\n    ").rstrip() + "\n", encoding="utf-8")
    assert main(["build"]) == 0
    before = snapshot(settings.corpus_dir)
    capsys.readouterr()
    assert main(["sources", "remove", HTML_ID]) == 1
    err = one_line(capsys.readouterr().err)
    assert f"{settings.corpus_dir / 'facts' / 'ehp.yaml'}: ehp-once" in err
    assert f"{shared}: ehp-in-shared-file" in err and "pass --force" in err
    assert snapshot(settings.corpus_dir) == before
    assert main(["sources", "remove", HTML_ID, "--force"]) == 0
    assert "and 2 fact(s) quoting it" in capsys.readouterr().out
    assert not (settings.corpus_dir / "facts" / "ehp.yaml").exists()
    corpus = load_corpus(settings.corpus_dir, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    fact_ids = {f.fact_id for f in corpus.facts}
    assert "ehp-in-shared-file" not in fact_ids and "coverage-aetna" in fact_ids, "other facts of the file stay"
    index = index_of(settings)
    assert HTML_ID not in {p.doc_id for p in index.passages} and "ehp-once" not in {f.fact_id for f in index.facts}


@pytest.mark.slow
def test_an_ingested_policy_is_found_by_the_real_model(
    settings: Settings, real_embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: real_embedder)
    assert main(["ingest", str(HTML)]) == 0
    answerer = load_answerer(settings, real_embedder)
    hits = answerer.search("chemodenervation for chronic migraine headache days", top_k=3)
    assert hits[0].passage.doc_id == HTML_ID


def test_a_pdf_page_without_text_is_a_warning_naming_file_and_page(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.pdf_fixtures import partly_scanned_pdf

    pdf = tmp_path / "partly.pdf"
    pdf.write_bytes(partly_scanned_pdf())
    assert main(["ingest", str(pdf)]) == 0
    err = one_line(capsys.readouterr().err)
    assert f"Warning: {pdf}: page(s) 2 of the PDF have no text layer (scanned images)" in err and "--ocr" in err
    header, _ = read_document_parts(document(settings, "partly"))
    assert header.pages_without_text == [2] and header.pages is not None and len(header.pages) == 2
    assert index_of(settings).documents["partly"].pages_without_text == (2,)


def test_an_index_left_behind_the_corpus_is_rebuilt_by_the_next_ingest(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # The state an interrupted ingest left before ingest was journalled: the document is in
    # corpus/ but the index was built without it. Ingesting the same file again catches up.
    assert main(["ingest", str(HTML)]) == 0
    kept = document(settings, HTML_ID).read_bytes()
    assert main(["sources", "remove", HTML_ID]) == 0
    document(settings, HTML_ID).write_bytes(kept)  # corpus ahead of the index
    capsys.readouterr()
    assert main(["ingest", str(HTML)]) == 0
    out = one_line(capsys.readouterr().out)
    assert "Unchanged:" in out and "The index was behind the corpus; rebuilding it." in out
    assert HTML_ID in index_of(settings).documents

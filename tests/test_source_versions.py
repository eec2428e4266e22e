"""Duplicates and versions through `assistant ingest` / `sources show | remove` (main(argv)), on a
private corpus copy with the fake embedder: the same text under another name is refused (exit 2),
--replaces supersedes an older document (never indexed again), a likely older version is named.

Fixtures are fictional ("Maple Valley Health (test fixture)"); the field cases c06 and c07 are
read from ../shared/field-cases when present.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import pipeline
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.ingest.documents import read_document_parts
from assistant.pipeline import build_inputs
from assistant.store.disk import load_index, read_manifest
from assistant.store.hybrid import HybridIndex
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
NOTE = FIXTURES / "example-prior-auth-note.txt"
V1 = FIXTURES / "versions" / "maple-valley-knee-2026.txt"
V2 = FIXTURES / "versions" / "maple-valley-knee-2027.txt"
OTHER = FIXTURES / "versions" / "cedar-hills-knee.txt"
MAPLE = "Maple Valley Health (test fixture)"
FIELD_CASES = ROOT.parent / "shared" / "field-cases"
DIMENSION = 32


@pytest.fixture()
def settings(project_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI pointed at a private corpus copy and index, embedding with the fast fake."""
    for name in ("corpus_dir", "index_dir", "prompts_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(project_copy, name)))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: HashingEmbedder(dimension=DIMENSION))
    return project_copy


def index_of(settings: Settings) -> HybridIndex:
    return load_index(settings.index_dir, build_inputs(settings), DIMENSION)


def one_line(text: str) -> str:
    return " ".join(text.split())


def documents(settings: Settings) -> set[str]:
    return {p.stem for p in (settings.corpus_dir / "documents").glob("*.md")}


def indexed_text(index: HybridIndex) -> str:
    """Everything the index could quote: its documents' texts and its passages."""
    return "\n".join([*(d.text for d in index.documents.values()), *(p.text for p in index.passages)])


def test_the_same_text_under_another_name_is_refused_naming_the_document(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(NOTE)]) == 0
    version = read_manifest(settings.index_dir)
    copy = tmp_path / "example-prior-auth-note (1).txt"
    # a re-saved copy: other line endings, runs of spaces and a trailing blank line are the same content
    copy.write_text(NOTE.read_text(encoding="utf-8").replace("\n", "\r\n").replace(" ", "  ") + "\n\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["ingest", str(copy)]) == 2

    err = one_line(capsys.readouterr().err)
    assert f"{copy}: the same text is already in the corpus as 'example-prior-auth-note'" in err
    assert "from example-prior-auth-note.txt" in err and "--allow-duplicate" in err
    assert "example-prior-auth-note-1" not in documents(settings)
    assert read_manifest(settings.index_dir) == version  # nothing rebuilt


def test_three_copies_in_one_call_keep_one(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("knee.txt", "knee (1).txt", "copy-of-knee.txt"):
        shutil.copy(V1, folder / name)

    assert main(["ingest", str(folder)]) == 2

    err = one_line(capsys.readouterr().err)
    assert err.count("the same text is already in the corpus as 'copy-of-knee'") == 2  # the first, sorted
    assert "2 of 3 file(s) not ingested (2 refused as duplicates" in err
    ingested = [p for p in index_of(settings).documents if "knee" in p]
    assert ingested == ["copy-of-knee"]


def test_allow_duplicate_ingests_it_anyway(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(V1)]) == 0
    copy = tmp_path / "knee-copy.txt"
    shutil.copy(V1, copy)
    assert main(["ingest", str(copy), "--allow-duplicate"]) == 0
    assert "the same text is also maple-valley-knee-2026 (kept: --allow-duplicate)" in one_line(capsys.readouterr().out)
    assert {"maple-valley-knee-2026", "knee-copy"} <= set(index_of(settings).documents)


def test_replaces_supersedes_the_old_version_which_is_never_indexed(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(V1), "--publisher", MAPLE]) == 0
    assert "every sixteen weeks" in indexed_text(index_of(settings))
    capsys.readouterr()

    assert main(["ingest", str(V2), "--publisher", MAPLE, "--replaces", "maple-valley-knee-2026"]) == 0

    out = one_line(capsys.readouterr().out)
    assert "Superseded: maple-valley-knee-2026 is now an old version of maple-valley-knee-2027" in out
    old, old_text = read_document_parts(settings.corpus_dir / "documents" / "maple-valley-knee-2026.md")
    new, _ = read_document_parts(settings.corpus_dir / "documents" / "maple-valley-knee-2027.md")
    assert old.superseded_by == "maple-valley-knee-2027" and old.superseded_on is not None
    assert new.supersedes == "maple-valley-knee-2026" and new.superseded_by is None
    assert "every sixteen weeks" in old_text  # kept on disk for the history ...
    index = index_of(settings)
    assert "maple-valley-knee-2026" not in index.documents  # ... but nothing of it is indexed or quotable
    assert not [p for p in index.passages if p.doc_id == "maple-valley-knee-2026"]
    assert not [s for s in index.sentences if s.doc_id == "maple-valley-knee-2026"]
    text = indexed_text(index)
    assert "every sixteen weeks" not in text and "is not required for CPT 20610" not in text
    assert "every twelve weeks" in text


def test_sources_show_lists_the_history_and_list_marks_the_old_version(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(V1), "--publisher", MAPLE]) == 0
    assert main(["ingest", str(V2), "--publisher", MAPLE, "--replaces", "maple-valley-knee-2026"]) == 0
    capsys.readouterr()

    assert main(["sources", "show", "maple-valley-knee-2027"]) == 0
    out = capsys.readouterr().out
    assert "supersedes: maple-valley-knee-2026" in out
    history = out[out.index("history (oldest first"):].splitlines()
    assert history[1].split(":")[0].strip() == "- maple-valley-knee-2026 v1"
    assert "maple-valley-knee-2026.txt" in history[1] and "superseded by maple-valley-knee-2027 on " in history[1]
    assert history[2].startswith("  * maple-valley-knee-2027 v1: maple-valley-knee-2027.txt, added ")
    assert "current; replaced maple-valley-knee-2026" in history[2]

    assert main(["sources", "show", "maple-valley-knee-2026"]) == 0
    old = capsys.readouterr().out
    assert "superseded_by: maple-valley-knee-2027" in old and "(superseded by maple-valley-knee-2027)" in old
    assert main(["sources", "list"]) == 0
    assert "superseded by maple-valley-knee-2027 0 chunks" in one_line(capsys.readouterr().out)


def test_a_likely_older_version_is_named_with_the_command_to_supersede_it(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(V1), "--publisher", MAPLE]) == 0
    assert main(["ingest", str(OTHER), "--publisher", MAPLE]) == 0  # same publisher, different wording: no warning
    capsys.readouterr()

    assert main(["ingest", str(V2), "--publisher", MAPLE]) == 0

    out = one_line(capsys.readouterr().out)
    assert "Warning: maple-valley-knee-2027 shares" in out and "of its wording with maple-valley-knee-2026" in out
    assert "cedar-hills-knee" not in out
    command = f"assistant ingest {V2} --replaces maple-valley-knee-2026"
    assert f"If it replaces it, run: {command}" in out
    assert {"maple-valley-knee-2026", "maple-valley-knee-2027"} <= set(index_of(settings).documents)  # both, warned

    assert main([*command.split()[1:], "--publisher", MAPLE]) == 0  # the printed command does it
    assert "maple-valley-knee-2026" not in index_of(settings).documents


def test_no_warning_for_another_publisher(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(V1), "--publisher", MAPLE]) == 0
    assert main(["ingest", str(V2), "--publisher", "Another Plan (test fixture)"]) == 0
    assert "Warning" not in capsys.readouterr().out


def test_replaces_is_refused_when_it_cannot_apply(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(V2), "--replaces", "no-such-doc"]) == 1
    assert "--replaces 'no-such-doc': no document has that id" in one_line(capsys.readouterr().err)
    assert main(["ingest", str(V2), "--replaces", "openpayer-cpt-64642"]) == 1
    assert "it is a curated publication" in one_line(capsys.readouterr().err)
    assert main(["ingest", str(V2), "--replaces", "maple-valley-knee-2027"]) == 1
    assert "--replaces names its own id" in one_line(capsys.readouterr().err)
    assert main(["ingest", str(V1), str(V2), "--replaces", "x"]) == 2
    assert "--replaces names one document but 2 files were given" in one_line(capsys.readouterr().err)


def test_removing_the_new_version_makes_the_old_one_current_again(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(V1), "--publisher", MAPLE]) == 0
    assert main(["ingest", str(V2), "--publisher", MAPLE, "--replaces", "maple-valley-knee-2026"]) == 0
    capsys.readouterr()

    assert main(["sources", "remove", "maple-valley-knee-2027"]) == 0

    out = one_line(capsys.readouterr().out)
    assert "maple-valley-knee-2026, the version it had replaced, is current again." in out
    header, _ = read_document_parts(settings.corpus_dir / "documents" / "maple-valley-knee-2026.md")
    assert header.superseded_by is None and header.superseded_on is None
    assert "every sixteen weeks" in indexed_text(index_of(settings))


def test_a_superseded_id_takes_no_new_text(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(V1), "--publisher", MAPLE]) == 0
    assert main(["ingest", str(V2), "--publisher", MAPLE, "--replaces", "maple-valley-knee-2026"]) == 0
    edited = tmp_path / V1.name
    edited.write_text(V1.read_text(encoding="utf-8") + "A new closing line.\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["ingest", str(edited)]) == 1
    assert "'maple-valley-knee-2026' was superseded by 'maple-valley-knee-2027'" in one_line(capsys.readouterr().err)
    assert main(["ingest", str(V1)]) == 0  # the old file itself, unchanged: nothing to do, and it says what it is
    assert "is an old version, superseded by maple-valley-knee-2027" in one_line(capsys.readouterr().out)


def test_ingest_and_remove_say_when_a_running_server_switches(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(V1)]) == 0
    assert "A running server switches to it within 2 s" in one_line(capsys.readouterr().out)
    monkeypatch.setenv("ASSISTANT_RELOAD_POLL_SECONDS", "0")
    assert main(["sources", "remove", "maple-valley-knee-2026"]) == 0
    out = one_line(capsys.readouterr().out)
    assert "Polling is off (ASSISTANT_RELOAD_POLL_SECONDS=0)" in out
    assert "Once it has switched, GET /v1/documents/maple-valley-knee-2026 answers 404." in out


needs_field_cases = pytest.mark.skipif(not FIELD_CASES.is_dir(), reason=f"{FIELD_CASES} is not on this machine")


@needs_field_cases
def test_field_case_c06_duplicate_downloads_are_refused(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    folder = FIELD_CASES / "c06-duplicate-files"
    assert main(["ingest", str(folder)]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.count("the same text is already in the corpus as") == 2
    ingested = [d for d in index_of(settings).documents if "redwood" in d]
    assert len(ingested) == 1


@needs_field_cases
def test_field_case_c07_renamed_update_is_flagged_then_supersedes(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = FIELD_CASES / "c07-updated-document"
    publisher = ["--publisher", "Summit Ridge Health"]
    assert main(["ingest", str(folder / "v1" / "summit-ridge-neck-injections.txt"), *publisher]) == 0
    renamed = folder / "v2-renamed" / "summit-ridge-neck-injections-2027.txt"
    capsys.readouterr()
    assert main(["ingest", str(renamed), *publisher]) == 0
    out = one_line(capsys.readouterr().out)
    assert f"run: assistant ingest {renamed} --replaces summit-ridge-neck-injections" in out
    assert main(["ingest", str(renamed), "--replaces", "summit-ridge-neck-injections"]) == 0
    index = index_of(settings)
    assert "summit-ridge-neck-injections" not in index.documents
    assert "does not require prior authorization" not in indexed_text(index)

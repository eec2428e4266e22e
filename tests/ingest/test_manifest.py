"""Ingest manifests (YAML and CSV): entries -> files and their metadata; every mistake is one line
naming the manifest and the entry. Through main(argv): a folder of documents in one call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant import pipeline
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.errors import ManifestError
from assistant.ingest.documents import read_document_parts
from assistant.ingest.manifest import read_manifest
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
REALDOCS = ROOT.parent / "shared" / "realdocs" / "docs"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Alpha text.", encoding="utf-8")
    (tmp_path / "docs" / "b.md").write_text("# Beta\n\nBeta text.", encoding="utf-8")
    return tmp_path


def test_yaml_entries_carry_their_own_metadata(folder: Path) -> None:
    manifest = write(folder, "m.yaml", """documents:
  - file: docs/a.txt
    id: alpha-doc
    title: Alpha
    publisher: Alpha Plan
    source_url: https://example.org/alpha
    codes: [04111, 99202, G2211]   # numbers stay text: no octal, no lost zero
    effective: 2026-01-01
    replaces: alpha-2025
  - file: docs/b.md
    codes: "64615, J0585"
""")
    first, second = read_manifest(manifest)
    assert first.path == folder / "docs" / "a.txt" and first.label == "entry 1 (docs/a.txt)"
    o = first.overrides
    assert (o.doc_id, o.title, o.publisher, str(o.source_url)) == ("alpha-doc", "Alpha", "Alpha Plan", "https://example.org/alpha")
    assert o.codes == ("04111", "99202", "G2211") and o.effective == dt.date(2026, 1, 1) and o.replaces == "alpha-2025"
    assert second.overrides.codes == ("64615", "J0585") and second.overrides.title is None


def test_a_plain_list_csv_and_base_folder(folder: Path) -> None:
    listed = write(folder, "list.yml", "- file: a.txt\n  title: Alpha\n")
    assert read_manifest(listed, base=folder / "docs")[0].path == folder / "docs" / "a.txt"
    csv_manifest = write(folder, "m.csv", 'file,title,codes,effective\ndocs/a.txt,Alpha,"04111, 99202",2026-02-01\ndocs/b.md,,,\n')
    first, second = read_manifest(csv_manifest)
    assert (first.overrides.title, first.overrides.codes, first.overrides.effective) == (
        "Alpha", ("04111", "99202"), dt.date(2026, 2, 1))
    assert second.overrides.title is None and second.path.name == "b.md"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.yaml", "documents:\n  - file: docs/missing.pdf\n", "m.yaml: entry 1 (docs/missing.pdf): no such file "),
        ("m.yaml", "documents:\n  - file: docs/a.txt\n    titel: x\n",
         "m.yaml: entry 1 (docs/a.txt): unknown key(s) titel; allowed: file, id, title, publisher, source_url, codes, effective, replaces."),
        ("m.yaml", "documents: [\n  - file: a\n", "m.yaml: not valid YAML ("),
        ("m.yaml", "documents:\n  - file: docs/a.txt\n  - title: no file\n", "m.yaml: entry 2: 'file' is required"),
        ("m.yaml", "- file: docs/a.txt\n  id: Not A Slug\n", "m.yaml: entry 1 (docs/a.txt): id 'Not A Slug': String should match"),
        ("m.yaml", "- file: docs/a.txt\n  effective: someday\n", "m.yaml: entry 1 (docs/a.txt): effective 'someday': Input should be a valid date"),
        ("m.yaml", "files:\n  - file: docs/a.txt\n", "m.yaml: unknown top-level key(s) files; the only one is 'documents'."),
        ("m.yaml", "documents: docs/a.txt\n", "m.yaml: 'documents' must be a list of entries, not str."),
        ("m.yaml", "- docs/a.txt\n", "m.yaml: entry 1: must be a mapping of keys"),
        ("m.yaml", "documents: []\n", "m.yaml: lists no documents"),
        ("m.csv", "file,colour\ndocs/a.txt,red\n", "m.csv: entry 1 (docs/a.txt): unknown key(s) colour"),
        ("m.csv", "file\ndocs/a.txt,extra\n", "m.csv: entry 1: more cells than the header row has names."),
        ("m.json", "{}", "m.json: a manifest is a .yaml, .yml or .csv file"),
    ],
)
def test_mistakes_are_one_line_naming_manifest_and_entry(folder: Path, name: str, text: str, message: str) -> None:
    manifest = write(folder, name, text)
    with pytest.raises(ManifestError) as raised:
        read_manifest(manifest)
    assert str(raised.value).startswith(str(folder)) and message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.fixture()
def settings(project_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("corpus_dir", "index_dir", "prompts_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(project_copy, name)))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: HashingEmbedder(dimension=32))
    return project_copy


def test_cli_ingests_a_manifest_in_one_call(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = write(tmp_path, "sources.yaml", """documents:
  - file: example-prior-auth-note.txt
    title: Prior authorization note (manifest title)
    publisher: Example Health Plan (test fixture)
    codes: "64615"
  - file: example-coding-tip.md
    id: coding-tip
    source_url: https://example.org/tip
""")
    assert main(["ingest", "--manifest", str(manifest), "--base", str(FIXTURES)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.count("Added:") == 2 and out.count("Index ") == 1  # one index update
    note, _ = read_document_parts(settings.corpus_dir / "documents" / "example-prior-auth-note.md")
    assert (note.title, note.publisher, note.codes) == (
        "Prior authorization note (manifest title)", "Example Health Plan (test fixture)", ["64615"])
    tip, _ = read_document_parts(settings.corpus_dir / "documents" / "coding-tip.md")
    assert str(tip.source_url) == "https://example.org/tip"


def test_cli_manifest_errors_exit_2_before_anything_is_read(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in (settings.corpus_dir / "documents").iterdir())
    bad = write(tmp_path, "bad.yaml", "documents:\n  - file: example-coding-tip.md\n  - file: nowhere.pdf\n")
    assert main(["ingest", "--manifest", str(bad), "--base", str(FIXTURES)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"Error: {bad}: entry 2 (nowhere.pdf): no such file {FIXTURES / 'nowhere.pdf'}." in err
    assert sorted(p.name for p in (settings.corpus_dir / "documents").iterdir()) == before
    assert main(["ingest", "--manifest", str(bad), str(FIXTURES / "example-coding-tip.md")]) == 2
    assert "give no PATHS and no per-file options" in capsys.readouterr().err
    assert main(["ingest", "--manifest", str(bad), "--title", "x"]) == 2
    assert main(["ingest", str(FIXTURES / "example-coding-tip.md"), "--base", str(FIXTURES)]) == 2
    assert "--base only applies to --manifest" in capsys.readouterr().err
    assert main(["ingest"]) == 2


@pytest.mark.skipif(not REALDOCS.is_dir(), reason=f"{REALDOCS} is not on this machine")
def test_the_realdocs_manifest_matches_its_files_and_holds_no_text() -> None:
    manifest = ROOT / "eval" / "realdocs-manifest.yaml"
    entries = read_manifest(manifest, base=REALDOCS)
    assert sorted(e.path.name for e in entries) == sorted(p.name for p in REALDOCS.glob("*.pdf"))
    assert all(e.overrides.title and e.overrides.publisher and e.overrides.codes for e in entries)
    assert manifest.stat().st_size < 4000  # metadata only

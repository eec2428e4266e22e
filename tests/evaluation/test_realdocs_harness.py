"""The real-document harness reads a set's ingest.sh and questions, and refuses bad ones clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.evaluation.dataset import EvalDataError
from assistant.evaluation.realdocs import load_realdocs_items, read_ingest_script


def _set(folder: Path, script: str, questions: list[dict[str, object]] | None = None) -> Path:
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "plan-note.txt").write_text("TEST FIXTURE. Example plan note about CPT 64642.\n", encoding="utf-8")
    (folder / "ingest.sh").write_text(script, encoding="utf-8")
    lines = [json.dumps(q) for q in questions or []]
    (folder / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


GOOD = '#!/bin/sh\n"$A" ingest "$HERE/docs/plan-note.txt" \\\n  --title "Plan note" --publisher "Example Plan" --codes 64642,64643\n'
ITEM = {"id": "x-1", "doc": "plan-note.txt", "category": "units", "turns": ["q?"], "answerable": True,
        "must_include": [["64642"]], "must_not_include": [], "evidence": {"doc": "plan-note.txt", "quote": "about CPT 64642"}}


def test_the_script_is_parsed_with_its_metadata(tmp_path: Path) -> None:
    [spec] = read_ingest_script(_set(tmp_path, GOOD))
    assert spec.path.name == "plan-note.txt" and spec.doc_id == "plan-note"
    assert spec.overrides.title == "Plan note" and spec.overrides.codes == ("64642", "64643")


def test_items_name_the_ingested_ids(tmp_path: Path) -> None:
    folder = _set(tmp_path, GOOD, [ITEM])
    [item] = load_realdocs_items(folder, {"plan-note.txt": "plan-note"})
    assert item.evidence is not None and item.evidence.doc_id == "plan-note" and item.category == "units"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ('"$A" ingest "$HERE/docs/missing.pdf" --title T\n', "does not exist"),
        ('"$A" ingest "$HERE/docs/plan-note.txt" --colour red\n', "unknown flag"),
        ('"$A" ingest "$HERE/docs/plan-note.txt" --title\n', "has no value"),
        ("echo nothing here\n", "no `\"$A\" ingest FILE ...` command"),
    ],
)
def test_a_bad_script_is_refused_naming_the_command(tmp_path: Path, script: str, message: str) -> None:
    with pytest.raises(EvalDataError, match="ingest.sh") as caught:
        read_ingest_script(_set(tmp_path, script))
    assert message in str(caught.value)


def test_an_item_about_a_document_the_set_does_not_ingest_is_refused(tmp_path: Path) -> None:
    folder = _set(tmp_path, GOOD, [{**ITEM, "evidence": {"doc": "other.pdf", "quote": "about CPT 64642"}}])
    with pytest.raises(EvalDataError, match=r"questions.jsonl:1: evidence names 'other.pdf'"):
        load_realdocs_items(folder, {"plan-note.txt": "plan-note"})


def test_the_cli_refuses_a_missing_set_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--realdocs", str(tmp_path / "nowhere")]) == 2
    assert "Cannot read" in " ".join(capsys.readouterr().err.split())

"""Exports: CSV and JSON lines round-trip the stored fields; eval items validate against the eval schema."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from assistant.evaluation.dataset import load_items
from assistant.feedback.export import export_csv, export_eval, export_jsonl
from assistant.feedback.store import FeedbackEntry, FeedbackStore

QUOTE = "Major payers covering this procedure include Aetna, Blue Cross Blue Shield"
CITATION = {"marker": 1, "doc_id": "openpayer-cpt-64642", "quote": QUOTE, "start": 652, "end": 727}


def fill(store: FeedbackStore) -> None:
    user = [{"role": "user", "content": "Does Aetna cover 64642? Member ID XJH123456789"}]
    store.add(FeedbackEntry("up", user, "Aetna is listed for CPT 64642 [1].", False, "v1", intent="coverage",
                            citations=[CITATION]))
    store.add(FeedbackEntry("up", [{"role": "user", "content": "What is the RVU of 64642?"}],
                            "Not in the sources.", True, "v1", intent="payment"))
    store.add(FeedbackEntry("down", [{"role": "user", "content": "Which payers cover it?"}],
                            "Not in the sources.", True, "v1", expected_answer="Aetna covers 64642.",
                            citations=[{**CITATION, "quote": "CPT 64642 ... include Aetna"}]))
    store.add(FeedbackEntry("down", user, "Cigna covers it [1].", False, "v1", expected_answer="64643 is the add-on",
                            citations=[CITATION]))
    store.add(FeedbackEntry("down", [{"role": "user", "content": "What is the global period?"},
                                     {"role": "assistant", "content": "..."},
                                     {"role": "user", "content": "and for 64643?"}],
                            "It is 10 days [1].", False, "v1", citations=[CITATION]))


def test_csv_has_one_row_per_record_with_redacted_text(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fill(store)
    rows = list(csv.DictReader(io.StringIO(export_csv(store.records()))))
    assert [row["rating"] for row in rows] == ["up", "up", "down", "down", "down"]
    assert rows[0]["question"] == "Does Aetna cover 64642? Member ID [MEMBER-ID]"
    assert json.loads(rows[0]["citations"])[0]["doc_id"] == "openpayer-cpt-64642"


def test_jsonl_keeps_every_field(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fill(store)
    lines = [json.loads(line) for line in export_jsonl(store.records()).splitlines()]
    assert len(lines) == 5
    assert {"id", "created_at", "rating", "conversation", "answer", "citations", "index_version", "redactions"} <= set(lines[0])
    assert lines[0]["redactions"] == 1


def test_eval_items_load_as_an_evaluation_set(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    fill(store)
    text, skipped = export_eval(store.records())
    path = tmp_path / "feedback.jsonl"
    path.write_text(text)
    items = {item.id: item for item in load_items(path)}
    assert set(items) == {"feedback-1", "feedback-2", "feedback-3", "feedback-5"}
    assert items["feedback-1"].answerable and items["feedback-1"].category == "coverage"
    assert items["feedback-1"].evidence is not None and items["feedback-1"].evidence.quote == QUOTE
    assert items["feedback-1"].must_include == [["64642"]]
    assert not items["feedback-2"].answerable and items["feedback-2"].category == "unanswerable"
    # A wrong abstention becomes answerable, evidenced by a citation holding the expected code.
    assert items["feedback-3"].answerable and items["feedback-3"].must_include == [["64642"]]
    # A wrong answer without an expected answer becomes an unanswerable multi-turn item.
    assert not items["feedback-5"].answerable and items["feedback-5"].category == "multi_turn"
    assert items["feedback-5"].turns == ["What is the global period?", "and for 64643?"]
    assert [(s.id, "by hand" in s.reason) for s in skipped] == [(4, True)]

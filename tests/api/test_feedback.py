"""POST /v1/feedback through the real app, and the CLI export of what it stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.cli import main
from assistant.config import Settings
from assistant.evaluation.dataset import load_items

PHI = "Member ID XJH123456789, DOB 03/14/1961, phone 415 867 5309."


def judged(client: TestClient, question: str) -> dict:
    messages = [{"role": "user", "content": question}]
    response = client.post("/v1/chat", json={"messages": messages})
    assert response.status_code == 200
    return {"messages": messages, "response": response.json()}


def test_feedback_is_stored_redacted_and_exported(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = real_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with TestClient(create_app(settings, answerer=answerer)) as client:
        good = judged(client, f"Does Aetna cover 64642? {PHI}")
        assert good["response"]["intent"] == "coverage"
        receipt = client.post("/v1/feedback", json={"rating": "up", "comment": f"Right. {PHI}", **good})
        assert receipt.status_code == 201, receipt.text
        assert receipt.json()["redactions"] == 6  # three in the question, three in the comment
        off_topic = judged(client, "What is the RVU for 64642?")
        assert off_topic["response"]["abstained"] is True
        second = client.post("/v1/feedback", json={"rating": "up", **off_topic})
        assert second.json()["id"] == receipt.json()["id"] + 1
    dumped = "\n".join(sqlite3.connect(tmp_path / "data" / "feedback.sqlite3").iterdump())
    assert "XJH123456789" not in dumped and "03/14/1961" not in dumped and "64642" in dumped

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "items.jsonl"
    assert main(["feedback", "export", "--format", "eval", "--output", str(out)]) == 0
    items = load_items(out)
    assert [(i.category, i.answerable) for i in items] == [("coverage", True), ("unanswerable", False)]
    assert items[0].evidence is not None and items[0].evidence.doc_id == good["response"]["citations"][0]["doc_id"]
    capsys.readouterr()
    assert main(["feedback", "export", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("id,created_at,rating")
    assert main(["feedback", "export", "--format", "xml"]) == 2


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"rating": "meh"}, "rating"),
        ({"rating": "up", "messages": [{"role": "assistant", "content": "hi"}]}, "user's question"),
        ({"rating": "up", "comment": "x" * 4_001}, "comment"),
        ({"rating": "up", "surprise": 1}, "unknown field"),
    ],
)
def test_bad_feedback_is_a_clear_422(client: TestClient, body: dict, fragment: str) -> None:
    base = judged(client, "Does Cigna cover 64642?")
    response = client.post("/v1/feedback", json={**base, **body})
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]


def test_an_unwritable_data_dir_is_a_503_not_a_500(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path
) -> None:
    (tmp_path / "data").write_text("a file, not a folder")
    settings = real_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with TestClient(create_app(settings, answerer=answerer)) as client:
        response = client.post("/v1/feedback", json={"rating": "down", **judged(client, "Does Cigna cover 64642?")})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "feedback_unavailable"
    assert json.dumps(response.json()).count("data") == 0  # no server path leaks to the client


def test_whole_numbers_written_as_floats_are_accepted_where_the_schema_says_integer(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path
) -> None:
    # JSON Schema's "integer" admits 2.0 (schemathesis sends such values); a fraction stays a 422.
    settings = real_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with TestClient(create_app(settings, answerer=answerer)) as client:
        base = judged(client, "Does Cigna cover 64642?")
        response = base["response"]
        response["dropped_sentences"] = 0.0
        for citation in response["citations"]:
            citation["start"], citation["end"] = float(citation["start"]), float(citation["end"])
        assert client.post("/v1/feedback", json={"rating": "up", **base}).status_code == 201
        response["dropped_sentences"] = 0.5
        assert client.post("/v1/feedback", json={"rating": "up", **base}).status_code == 422

"""Planted identifiers: none survives in the feedback database or any export; billing codes all do.

Every planted sentence goes through the real ``POST /v1/feedback`` in the comment, the expected
answer and both roles of the conversation; then the database files are read byte for byte and the
CSV, JSON-lines and eval exports are written by the real CLI (to a temporary folder, never the repo).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.cli import main
from assistant.config import Settings
from assistant.feedback.redact import redact
from tests.feedback.phrasings import MUST_SURVIVE, PLANTED, SURVIVING_NOTE


def _stored_and_exported(
    settings: Settings, answerer: GroundedAnswerer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, str]:
    """Post every planted sentence as feedback; returns the text of the database and of each export."""
    with TestClient(create_app(settings, answerer=answerer)) as client:
        question = [{"role": "user", "content": "Does Aetna cover 64642?"}]
        response = client.post("/v1/chat", json={"messages": question}).json()
        for number, (sentence, _) in enumerate([*PLANTED, (SURVIVING_NOTE, "")]):
            body = {
                "rating": "up" if number % 2 else "down",
                "comment": sentence,
                "expected_answer": f"Aetna covers 64642. {sentence}",
                "messages": [
                    {"role": "user", "content": sentence},
                    {"role": "assistant", "content": f"Noted: {sentence}"},
                    {"role": "user", "content": f"{sentence} Does Aetna cover 64642?"},
                ],
                "response": response,
            }
            assert client.post("/v1/feedback", json=body).status_code == 201
    data = settings.data_dir
    texts = {
        "database dump": "\n".join(sqlite3.connect(data / "feedback.sqlite3").iterdump()),
        "database files": "\n".join(p.read_bytes().decode("latin-1") for p in sorted(data.glob("feedback.sqlite3*"))),
    }
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    for export_format in ("csv", "jsonl", "eval"):
        out = tmp_path / f"export.{export_format}"
        assert main(["feedback", "export", "--format", export_format, "-o", str(out)]) == 0
        texts[f"{export_format} export"] = out.read_text(encoding="utf-8") + capsys.readouterr().err
    return texts


def test_no_planted_identifier_survives_in_the_database_or_any_export(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert len(PLANTED) >= 50
    settings = real_settings.model_copy(update={"data_dir": tmp_path / "data"})
    texts = _stored_and_exported(settings, answerer, tmp_path, monkeypatch, capsys)
    survivors = {where: [secret for _, secret in PLANTED if secret in text] for where, text in texts.items()}
    assert survivors == {where: [] for where in texts}, survivors
    for where in ("database dump", "csv export", "jsonl export"):
        kept = [token for token in MUST_SURVIVE if token not in texts[where]]
        assert not kept, f"{where} lost billing text: {kept}"
    assert "[NAME]" in texts["database dump"] and "[ADDRESS]" in texts["jsonl export"]


@pytest.mark.parametrize(("sentence", "secret"), PLANTED)
def test_each_planted_identifier_is_masked_with_a_kind(sentence: str, secret: str) -> None:
    result = redact(sentence)
    assert secret not in result.text
    assert result.total >= 1 and "[" in result.text


def test_billing_codes_policy_numbers_and_dates_of_service_survive() -> None:
    result = redact(SURVIVING_NOTE)
    assert result.text == SURVIVING_NOTE, result.text


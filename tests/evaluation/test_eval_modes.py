"""`assistant eval --mode extractive|generative|both`: both modes side by side, through the CLI, with
the scripted model server on loopback (tests/scripted_llm.py) and the real index and model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant import pipeline
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.sentence import SentenceTransformerEmbedder
from tests.conftest import PLANTED_DOC, ROOT
from tests.scripted_llm import ScriptedServer

ITEMS = [
    {
        "id": "gen-1", "category": "coverage", "answerable": True,
        "turns": ["Does Quarry Lake Health require prior authorization for CPT 64999?"],
        "must_include": [["prior authorization"]],
        "evidence": {"doc_id": PLANTED_DOC, "quote": "requires prior authorization for CPT 64999"},
    },
    {
        "id": "gen-2", "category": "documentation", "answerable": True,
        "turns": ["What must a Quarry Lake Health request for 64999 include?"],
        "must_include": [["operative plan"]],
        "evidence": {"doc_id": PLANTED_DOC, "quote": "must include the operative plan"},
    },
    {
        "id": "gen-3", "category": "unanswerable", "answerable": False,
        "turns": ["What is the Quarry Lake Health fee schedule amount for CPT 64999 in Alaska?"],
    },
]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--mode", "fancy"], "is not one of extractive, generative, both"),
        (["eval", "--mode", "generative"], "needs a model server: set ASSISTANT_LLM_BASE_URL"),
        (["eval", "--mode", "both", "--url", "http://127.0.0.1:9"], "answers in its own mode"),
    ],
)
def test_mode_mistakes_are_one_line_errors(
    argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", "/nonexistent/index")  # refused before anything loads
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in " ".join(err.split()) and "Traceback" not in err


@pytest.mark.slow
def test_both_modes_are_scored_side_by_side(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    planted_settings: Settings,
    scripted_llm: ScriptedServer,
    real_embedder: SentenceTransformerEmbedder,
) -> None:
    folder = tmp_path / "eval"
    folder.mkdir()
    (folder / "mine.jsonl").write_text("".join(json.dumps(i) + "\n" for i in ITEMS), encoding="utf-8")
    shutil.copy(ROOT / "eval" / "thresholds.yaml", folder / "thresholds.yaml")
    for name, value in {
        "CORPUS_DIR": planted_settings.corpus_dir, "INDEX_DIR": planted_settings.index_dir,
        "PROMPTS_DIR": planted_settings.prompts_dir, "LLM_BASE_URL": scripted_llm.base_url, "LLM_MODEL": "invented-code",
    }.items():
        monkeypatch.setenv(f"ASSISTANT_{name}", str(value))
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: real_embedder)
    asked = len(scripted_llm.requests_for("invented-code"))

    code = main(["eval", "--mode", "both", "--split", "mine", "--eval-dir", str(folder), "--distractors", "0",
                 "--report-dir", str(tmp_path / "reports")])

    assert code == 0
    report = json.loads(next((tmp_path / "reports").glob("*.json")).read_text(encoding="utf-8"))
    extractive, generative = report["splits"]["mine"], report["splits"]["mine [generative]"]
    assert "generative_share" not in extractive and "dropped_rate" not in extractive  # as before
    assert generative["generative_share"] == round(2 / 3, 4)  # the two answerable items; the third abstains
    assert generative["dropped_rate"] == 0.5  # each reply: one sentence kept, one (an invented code) dropped
    assert extractive["answer_accuracy"] == generative["answer_accuracy"] == 1.0
    assert generative["citation_validity"] == 1.0 and generative["abstention_recall"] == 1.0
    assert len(scripted_llm.requests_for("invented-code")) - asked == 2  # never for the abstention
    markdown = next((tmp_path / "reports").glob("*.md")).read_text(encoding="utf-8")
    assert "| mine [generative] |" in markdown and "sent. dropped" in markdown

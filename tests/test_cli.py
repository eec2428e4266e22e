"""The command line, through main(argv): build, ask, search, and clear errors."""

from __future__ import annotations

import pytest

from assistant.cli import main
from assistant.config import Settings


def use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(settings.prompts_dir))


def test_ask_prints_answer_and_citations(
    real_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, real_settings)
    assert main(["ask", "Does Aetna cover 64642?", "What about Cigna?"]) == 0
    out = capsys.readouterr().out
    assert "ANSWER" in out and "Cigna" in out and "[1]" in out and "openpayer-cpt-64642" in out


def test_build_is_a_no_op_when_fresh(
    real_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, real_settings)
    assert main(["build"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_search_lists_passages(
    real_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, real_settings)
    assert main(["search", "place of service", "--k", "2"]) == 0
    assert capsys.readouterr().out.count("score=") == 2


def test_missing_index_is_a_clear_error(
    project_copy: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, project_copy)
    assert main(["ask", "Does Aetna cover 64642?"]) == 1
    assert "assistant build" in capsys.readouterr().err
    assert main(["serve"]) == 1
    assert "missing" in capsys.readouterr().err


def test_invalid_setting_is_reported(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASSISTANT_CHUNK_SIZE", "-5")
    assert main(["build"]) == 2
    assert "chunk_size" in capsys.readouterr().err


def test_usage_error_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask"]) == 2
    assert main(["no-such-command"]) == 2

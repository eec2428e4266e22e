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


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["serve", "--port", "99999"], "--port"),
        (["serve", "--port", "-1"], "--port"),
        (["serve", "--port", "0"], "--port"),
        (["serve", "--port", "eighty"], "--port"),
        (["ask", "--top-k", "-3", "Does Aetna cover 64642?"], "--top-k"),
        (["ask", "--top-k", "0", "Does Aetna cover 64642?"], "--top-k"),
        (["ask", "--top-k", "51", "Does Aetna cover 64642?"], "--top-k"),
        (["search", "--k", "-1", "modifier 59"], "--k"),
        (["search", "--k", "0", "modifier 59"], "--k"),
        (["search", "--k", "1000", "modifier 59"], "--k"),
        (["eval", "--distractors", "-1"], "--distractors"),
        (["eval", "--seed", "-5"], "--seed"),
        (["bench", "--questions", "0"], "--questions"),
        (["bench", "--rounds", "-2"], "--rounds"),
    ],
)
def test_numeric_options_out_of_bounds_are_one_line_errors(
    argv: list[str], option: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", "/nonexistent/index")  # refused before anything loads
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.count("\n") == 0, err
    assert err.startswith("Error: Invalid value for") and f"'{option}'" in err
    assert "Traceback" not in err and captured.out == ""


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_blank_search_is_refused(query: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", query]) == 2
    assert "Give a query" in capsys.readouterr().err


def test_help_still_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    assert "--port" in capsys.readouterr().out

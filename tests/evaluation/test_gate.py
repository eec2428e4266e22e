"""The scorer and gate on the real answerer: it passes, a broken answerer fails, HTTP agrees."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.config import Settings
from assistant.evaluation.dataset import load_items
from assistant.evaluation.distractors import generate_distractors
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import Thresholds, evaluate, gate, load_thresholds
from assistant.evaluation.targets import HttpTarget, InProcessTarget
from assistant.models import Answer
from tests.conftest import ROOT

DEV = load_items(ROOT / "eval" / "dev.jsonl")
THRESHOLDS = load_thresholds(ROOT / "eval" / "thresholds.yaml")


class AlwaysAbstains(GroundedAnswerer):
    """Deliberately broken: never answers."""

    def answer(self, user_turns: list[str], *, top_k: int | None = None) -> Answer:
        real = super().answer(user_turns, top_k=top_k)
        return replace(real, abstained=True, text="Not found in the sources.")


class NeverAbstains(GroundedAnswerer):
    """Deliberately broken: answers everything, citing the first passage, with a made-up fee."""

    def answer(self, user_turns: list[str], *, top_k: int | None = None) -> Answer:
        real = super().answer(user_turns, top_k=top_k)
        return replace(real, abstained=False, text="Yes, it is covered and pays $123 [1].")


def broken(cls: type[GroundedAnswerer], answerer: GroundedAnswerer) -> GroundedAnswerer:
    return cls(answerer.index, answerer.embedder, answerer.phrasebook, answerer.reader.retrieval, answerer.settings, answerer.reader.weights)


@pytest.fixture(scope="module")
def real_run(answerer: GroundedAnswerer) -> dict:
    return evaluate(InProcessTarget(answerer), {"dev": DEV}, target_name="in-process", thresholds=THRESHOLDS).report


def test_real_answerer_passes_the_gate_on_dev(real_run: dict) -> None:
    assert real_run["gate"]["passed"], [c for c in real_run["gate"]["checks"] if not c["passed"]]
    summary = real_run["splits"]["dev"]
    assert summary["citation_validity"] == 1.0
    assert set(summary["retrieval"]) == {"hybrid", "dense", "lexical", "sentences"}
    assert summary["retrieval"]["hybrid"]["recall@5"] >= summary["retrieval"]["hybrid"]["recall@1"]
    assert "coverage" in summary["by_category"]


@pytest.mark.parametrize("cls", [AlwaysAbstains, NeverAbstains])
def test_a_broken_answerer_fails_the_gate(answerer: GroundedAnswerer, cls: type[GroundedAnswerer]) -> None:
    report = evaluate(InProcessTarget(broken(cls, answerer)), {"dev": DEV}, target_name="broken", thresholds=THRESHOLDS).report
    assert not report["gate"]["passed"]
    failed = {c["check"] for c in report["gate"]["checks"] if not c["passed"]}
    if cls is AlwaysAbstains:
        assert {"answer_accuracy", "abstention_precision"} <= failed
    else:
        assert {"abstention_recall"} <= failed


def test_gate_checks_hybrid_against_single_retrievers_with_distractors() -> None:
    report = {
        "splits": {"dev": {"answer_accuracy": 1.0}},
        "distractors": {"splits": {"dev": {"hybrid": {"recall@3": 0.5}, "dense": {"recall@3": 0.6}, "lexical": {"recall@3": 0.4}}}},
    }
    result = gate(report, Thresholds(minimums={"answer_accuracy": 0.9}))
    assert not result["passed"]
    assert [c["passed"] for c in result["checks"]] == [True, False]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(real_settings: Settings, answerer: GroundedAnswerer) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(real_settings, answerer=answerer), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_http_evaluation_matches_in_process(served: str, real_run: dict) -> None:
    with HttpTarget(served) as target:
        report = evaluate(target, {"dev": DEV}, target_name=served, thresholds=THRESHOLDS).report
    over_http, in_process = report["splits"]["dev"], real_run["splits"]["dev"]
    for metric in ("answer_accuracy", "citation_validity", "citation_support", "abstention_precision", "abstention_recall"):
        assert over_http[metric] == in_process[metric], metric
    assert over_http["retrieval"]["hybrid"]["recall@3"] == in_process["retrieval"]["hybrid"]["recall@3"]
    assert report["gate"]["passed"]


def test_reports_are_written(real_run: dict, tmp_path: Path) -> None:
    files = write_report(real_run, tmp_path)
    assert files.json.stat().st_size > 0 and files.chart.read_bytes()[:4] == b"\x89PNG"
    assert "| dev |" in files.markdown.read_text()


def test_distractors_are_reproducible_and_avoid_corpus_codes() -> None:
    first = generate_distractors(200, seed=7, exclude_codes={"64642"})
    assert first == generate_distractors(200, seed=7, exclude_codes={"64642"})
    assert first != generate_distractors(200, seed=8, exclude_codes={"64642"})
    assert not any("64642" in text for _, text in first)

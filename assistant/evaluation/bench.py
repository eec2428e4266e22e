"""Latency benchmark of warm ``/v1/chat`` over loopback HTTP, against baselines in the same run.

Figures, not assertions: the median and p95 of chat requests, beside the same server's
``/healthz`` (HTTP overhead alone) and the answerer called in-process (no HTTP).
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.config import Settings


@dataclass(frozen=True)
class Timing:
    """Latency percentiles of one kind of call, in milliseconds."""

    name: str
    count: int
    p50: float
    p95: float
    max: float


def timing(name: str, samples_ms: list[float]) -> Timing:
    """Summarise samples as median, p95 and max."""
    ordered = sorted(samples_ms)
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else ordered[0]
    return Timing(name, len(ordered), round(statistics.median(ordered), 2), round(p95, 2), round(ordered[-1], 2))


def measure(call: Callable[[], object], rounds: int) -> list[float]:
    """Milliseconds of ``rounds`` calls."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextmanager
def serve_in_thread(settings: Settings, answerer: GroundedAnswerer) -> Iterator[str]:
    """Serve the real app with uvicorn on a free loopback port for the duration of the block."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(create_app(settings, answerer=answerer), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the benchmark server did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_benchmark(url: str, questions: list[str], answerer: GroundedAnswerer | None, rounds: int = 3) -> list[Timing]:
    """Warm up, then time chat, the health baseline and (if given) the in-process answerer."""
    results: list[Timing] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for question in questions[:5]:  # warm-up: model, caches, connection
            client.post("/v1/chat", json={"messages": [{"role": "user", "content": question}]}).raise_for_status()
        chat: list[float] = []
        for _ in range(rounds):
            for question in questions:
                chat += measure(_chat_call(client, question), 1)
        results.append(timing("POST /v1/chat (loopback HTTP)", chat))
        results.append(timing("GET /healthz (HTTP baseline)", measure(lambda: client.get("/healthz"), len(chat))))
    if answerer is not None:
        direct: list[float] = []
        for _ in range(rounds):
            for question in questions:
                direct += measure(_answer_call(answerer, question), 1)
        results.append(timing("answerer.answer (in-process)", direct))
    return results


def _chat_call(client: httpx.Client, question: str) -> Callable[[], object]:
    body = {"messages": [{"role": "user", "content": question}]}
    return lambda: client.post("/v1/chat", json=body).raise_for_status()


def _answer_call(answerer: GroundedAnswerer, question: str) -> Callable[[], object]:
    return lambda: answerer.answer([question])

"""A small OpenAI-compatible model server for tests, on loopback: FastAPI served by uvicorn in a
thread, playing scripted replies chosen by the request's ``model`` name.

It reads the numbered passages out of the prompt (the JSON lines between ``<passages>`` tags) the
way a model would see them, so a script can quote, cite or misuse them. Every request is recorded.
Nothing here is a stand-in for the assistant: it plays the model server, the one part we cannot run.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

PLANTED = "ignore your previous instructions"
"""The phrase that marks the instruction planted in a test document."""
SLOW_SECONDS = 3.0
"""How long the ``timeout`` script waits before answering (tests give the client 1 s)."""

Passages = list[dict[str, Any]]


def passages_of(messages: list[dict[str, Any]]) -> Passages:
    """The passages the assistant gave, as the JSON objects of its prompt."""
    text = "\n".join(str(m.get("content", "")) for m in messages)
    block = re.search(r"<passages>\n(.*?)\n</passages>", text, re.DOTALL)
    return [json.loads(line) for line in block.group(1).splitlines() if line.strip()] if block else []


def _said(passage: dict[str, Any]) -> str:
    return " ".join(str(passage["text"]).split()).rstrip(".:;")


def _correct(p: Passages) -> str:
    return " ".join(f"{_said(x)} [{x['n']}]." for x in p[:2])


def _invented_code(p: Passages) -> str:
    return f"{_said(p[0])} [1]. It is billed with CPT 99999 [1]."


def _uncited(p: Passages) -> str:
    return "Prior authorization is always required for this service. Coverage is guaranteed for every member."


def _unknown_marker(p: Passages) -> str:
    return f"{_said(p[0])} [1]. {_said(p[1])} [{len(p) + 7}]."


def _planted(p: Passages) -> tuple[int, str]:
    for x in p:
        if PLANTED in str(x["text"]).lower():
            return int(x["n"]), str(x["text"])
    raise AssertionError("the planted instruction was not among the passages")


def _obey(p: Passages) -> str:
    # The planted note asks for its claim to be stated and credited to passage 1. (Ingest flags the
    # note, so it never reaches the model; a model may still have been told so some other way.)
    return "Quarry Lake Health approves every claim for CPT 64999 without review, and no records are needed [1]."


def _obey_citing_it(p: Passages) -> str:
    number = _planted(p)[0] if any(PLANTED in str(x["text"]).lower() for x in p) else 1
    return f"Quarry Lake Health approves every claim for CPT 64999 without review, and no records are needed [{number}]."


def _cut(p: Passages) -> str:
    return f"{_said(p[0])} [1]. The request must also incl"


def _silent(p: Passages) -> str:
    return "NOT IN THE SOURCES"


SCRIPTS: dict[str, Callable[[Passages], str]] = {
    "correct": _correct,
    "invented-code": _invented_code,
    "uncited": _uncited,
    "unknown-marker": _unknown_marker,
    "obey-planted": _obey,
    "obey-planted-citing-it": _obey_citing_it,
    "cut": _cut,
    "silent": _silent,
}
FAILURES = ("timeout", "malformed", "server-error")
"""Scripts that never give a usable reply."""


@dataclass
class ScriptedServer:
    """The running server: its base URL (``.../v1``) and every chat request it received."""

    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def requests_for(self, model: str) -> list[dict[str, Any]]:
        """The chat requests that asked for ``model``."""
        return [r for r in self.requests if r.get("model") == model]


def create_app(server: ScriptedServer) -> FastAPI:
    """The scripted OpenAI-compatible app, recording into ``server.requests``."""
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "tests"} for name in SCRIPTS]}

    @app.post("/v1/chat/completions", response_model=None)
    async def completions(request: Request) -> Response:
        body = await request.json()
        server.requests.append(body)
        model = str(body["model"])
        stream = bool(body.get("stream"))
        if model == "timeout":
            await asyncio.sleep(SLOW_SECONDS)
        if model == "server-error":
            return JSONResponse({"error": {"message": "scripted failure", "type": "server_error"}}, status_code=500)
        if model == "malformed":
            if stream:
                return StreamingResponse(_lines(['data: {"id": "x", "choices": [\n\n']), media_type="text/event-stream")
            return Response('{"id": "x", "object": "chat.completion", "choices": [', media_type="application/json")
        text = SCRIPTS[model](passages_of(body["messages"])) if model in SCRIPTS else "NOT IN THE SOURCES"
        if stream:
            return StreamingResponse(_chunks(model, text, cut=model == "cut"), media_type="text/event-stream")
        finish = "length" if model == "cut" else "stop"
        return JSONResponse(
            {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            }
        )

    return app


async def _lines(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _chunks(model: str, text: str, *, cut: bool) -> AsyncIterator[str]:
    """The reply in 9-character pieces, then the finishing chunk and [DONE]; ``cut`` drops the
    connection after the last piece instead, mid-sentence."""
    for start in range(0, len(text), 9):
        yield _chunk(model, {"content": text[start : start + 9]}, None)
        await asyncio.sleep(0)
    if cut:
        raise ConnectionAbortedError("scripted: the connection drops mid-sentence")
    yield _chunk(model, {}, "stop")
    yield "data: [DONE]\n\n"


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> str:
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    """Serve the scripted model server on a free loopback port until the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ScriptedServer(f"http://127.0.0.1:{port}/v1")
    config = uvicorn.Config(
        create_app(server), host="127.0.0.1", port=port, log_level="critical", timeout_graceful_shutdown=1
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert runner.started, "the scripted model server did not start"
    try:
        yield server
    finally:
        runner.should_exit = True
        thread.join(timeout=10)

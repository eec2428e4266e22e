"""The server log holds method, route and status, never what the caller typed (query, path values, body).

The real ``assistant serve`` runs in a subprocess (its own logging set-up, uvicorn included); every
route gets identifiers planted in its query string, path, headers and body, plain and streaming,
native and OpenAI-compatible, accepted and refused; then its whole output is searched for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from tests.api.conftest import free_port

KEY = "log-test-key-41c9"
NAME = "Quimbyroe Zebediah"
MRN = "MRN 77412093"
DOB = "DOB 04/12/1958"
PHONE = "(415) 867-5309"
EMAIL = "quimby.roe@example.org"
MEMBER = "member ID XJH99887766"
SSN = "219-09-9999"
NOTE = f"Patient {NAME}, {DOB}, {MRN}, {MEMBER}, SSN {SSN}, call {PHONE} or {EMAIL}: is 64642 covered by Aetna?"
# What must not appear, raw or URL-encoded: each identifier's distinctive part.
SECRETS = ("Quimbyroe", "Zebediah", "77412093", "04/12/1958", "867-5309", "quimby.roe", "XJH99887766", SSN)


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), quote(secret), secret.lower()}


def _exercise(base: str) -> list[tuple[str, int]]:
    """Call every route with identifiers planted; returns (method route status) for each call made."""
    key = {"Authorization": f"Bearer {KEY}", "User-Agent": NOTE, "Referer": f"http://desk/?q={NOTE}", "X-Note": NOTE}
    anonymous = {"User-Agent": NOTE}
    q = {"q": NOTE, "note": NOTE}
    chat = {"messages": [{"role": "user", "content": NOTE}]}
    completion = {"model": "coding-assistant", "user": NOTE, "messages": [
        {"role": "system", "content": NOTE}, {"role": "user", "content": NOTE}]}
    calls: list[tuple[str, int]] = []
    with httpx.Client(base_url=base, timeout=120) as http:
        def call(method: str, path: str, route: str, **kwargs: object) -> httpx.Response:
            response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
            calls.append((f"{method} {route}", response.status_code))
            return response

        assert call("GET", "/v1/search", "/v1/search", params={**q, "k": "3"}, headers=key).status_code == 200
        assert call("GET", "/v1/search", "/v1/search", params={**q, "k": "999"}, headers=key).status_code == 422
        assert call("GET", "/v1/search", "/v1/search", params=q).status_code == 401
        answered = call("POST", "/v1/chat", "/v1/chat", json=chat, params=q, headers=key)
        assert answered.status_code == 200
        streamed = call("POST", "/v1/chat", "/v1/chat", json={**chat, "stream": True}, headers=key)
        assert streamed.status_code == 200 and "event: done" in streamed.text
        assert call("POST", "/v1/chat", "/v1/chat", json={"messages": [{"role": "assistant", "content": NOTE}]},
                    headers=key).status_code == 422
        assert call("POST", "/v1/chat", "/v1/chat", content=f'{{"messages": [{NOTE}', headers={
            **key, "content-type": "application/json"}).status_code in (400, 422)
        assert call("POST", "/v1/chat", "/v1/chat", content=NOTE.encode() * 40_000, headers={
            **key, "content-type": "application/json"}).status_code == 413
        assert call("POST", "/v1/chat/completions", "/v1/chat/completions", json=completion, params=q,
                    headers=key).status_code == 200
        streamed = call("POST", "/v1/chat/completions", "/v1/chat/completions", json={**completion, "stream": True},
                        headers=key)
        assert streamed.status_code == 200 and "[DONE]" in streamed.text
        assert call("POST", "/v1/chat/completions", "/v1/chat/completions", json={**completion, NOTE: 1},
                    headers=key).status_code == 400
        assert call("GET", "/v1/models", "/v1/models", params=q, headers=key).status_code == 200
        assert call("GET", "/v1/documents", "/v1/documents", params=q, headers=key).status_code == 200
        assert call("GET", "/v1/documents/Quimbyroe-Zebediah-77412093", "/v1/documents/{doc_id}",
                    headers=key).status_code == 404
        assert call("GET", "/v1/documents/openpayer-cpt-64642", "/v1/documents/{doc_id}", params=q,
                    headers=key).status_code == 200
        feedback = {"rating": "down", "comment": NOTE, "expected_answer": NOTE, "messages": chat["messages"],
                    "response": answered.json()}
        assert call("POST", "/v1/feedback", "/v1/feedback", json=feedback, params=q, headers=key).status_code == 201
        assert call("POST", "/v1/feedback", "/v1/feedback", json={**feedback, "rating": NOTE},
                    headers=key).status_code == 422
        assert call("POST", "/v1/admin/reload", "/v1/admin/reload", params=q, headers=key).status_code == 200
        assert call("GET", "/healthz", "/healthz", params=q, headers=anonymous).status_code == 200
        assert call("GET", "/", "/", params=q, headers=anonymous).status_code == 200
        assert call("GET", "/static/app.js", "/static/{path}", params=q, headers=anonymous).status_code == 200
        assert call("GET", f"/static/{quote(NOTE, safe='')}.js", "/static/{path}",
                    headers=anonymous).status_code == 404
        assert call("GET", f"/{quote(NOTE, safe='')}", "(unknown path)", params=q, headers=anonymous).status_code == 404
        assert call("GET", "/openapi.json", "/openapi.json", params=q, headers=anonymous).status_code == 200
        assert call("GET", "/docs", "/docs", params=q, headers=anonymous).status_code == 200
    return calls


def test_serve_logs_no_identifier_from_any_route(real_settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(real_settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(real_settings.index_dir),
        "ASSISTANT_PROMPTS_DIR": str(real_settings.prompts_dir),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_API_KEYS": KEY,
    }
    env.pop("ASSISTANT_LOG_QUESTIONS", None)
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start:\n" + log_path.read_text()
                time.sleep(0.5)
            calls = _exercise(base)
        finally:
            server.terminate()
            server.wait(timeout=60)
    log = log_path.read_text()
    leaks = sorted({secret for secret in SECRETS for form in _forms(secret) if form in log})
    assert not leaks, f"identifiers in the server log: {leaks}\n{log}"
    assert "?" not in "".join(line for line in log.splitlines() if "assistant.access" in line)
    for request, status in calls:  # each request has its line: method, route template, status
        assert f"assistant.access: {request} {status} " in log, (request, status, log)
    assert KEY not in log and "HTTP/1.1\"" not in log  # uvicorn's own access lines are off


@pytest.mark.parametrize(
    ("method", "path", "line"),
    [
        ("GET", "/v1/documents/Jane-Roe-DOB-1961", "GET /v1/documents/{doc_id} 404"),
        ("GET", "/v1/search?q=Jane+Roe+DOB+1961&k=2", "GET /v1/search 200"),
        ("GET", "/Jane-Roe-DOB-1961?q=x", "GET (unknown path) 404"),
        ("GET", "/static/Jane-Roe-DOB-1961.css", "GET /static/{path} 404"),
        ("POST", "/healthz", "POST /healthz 405"),
    ],
)
def test_access_lines_name_the_route_template(
    client: TestClient, caplog: pytest.LogCaptureFixture, method: str, path: str, line: str
) -> None:
    with caplog.at_level("INFO", logger="assistant.access"):
        client.request(method, path)
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.access"]
    assert len(lines) == 1 and lines[0].startswith(line + " "), lines
    assert "Jane" not in json.dumps(lines) and "1961" not in json.dumps(lines)

"""API keys, body/rate/concurrency limits, CORS and the serve command's refusal to run open."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from openai import OpenAI

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.api.security import is_loopback
from assistant.cli import main
from assistant.config import Settings
from tests.api.conftest import serving

CHAT = {"messages": [{"role": "user", "content": "Does Cigna cover CPT 64642?"}]}
KEY = "k-3f9c2a7e51d04b86"


def app_client(settings: Settings, answerer: GroundedAnswerer, **update: Any) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=update), answerer=answerer), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def keyed(real_settings: Settings, answerer: GroundedAnswerer) -> Iterator[TestClient]:
    with app_client(real_settings, answerer, api_keys=(KEY, "other-key")) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/v1/chat", CHAT), ("POST", "/v1/chat/completions", CHAT), ("GET", "/v1/models", None),
     ("GET", "/v1/documents", None), ("GET", "/v1/documents/openpayer-cpt-64642", None),
     ("GET", "/v1/search?q=modifier", None), ("POST", "/v1/admin/reload", None)],
)
@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "requires an API key"), ({"Authorization": "Bearer wrong"}, "not valid"),
     ({"Authorization": f"Basic {KEY}"}, "requires an API key"), ({"Authorization": "Bearer "}, "requires an API key"),
     ({"Authorization": f"Bearer {KEY}x"}, "not valid")],
)
def test_every_v1_route_needs_a_key(
    keyed: TestClient, method: str, path: str, body: dict | None, headers: dict, message: str
) -> None:
    response = keyed.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["code"] == "unauthorized" and message in error["message"]


@pytest.mark.parametrize("key", [KEY, "other-key"])
def test_right_key_is_accepted(keyed: TestClient, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    assert keyed.post("/v1/chat", json=CHAT, headers=headers).status_code == 200
    assert keyed.get("/v1/models", headers=headers).status_code == 200


def test_health_and_docs_stay_open(keyed: TestClient) -> None:
    assert keyed.get("/healthz").status_code == 200
    assert keyed.get("/docs").status_code == 200
    schema = keyed.get("/openapi.json").json()
    assert "401" in schema["paths"]["/v1/chat/completions"]["post"]["responses"]
    assert "401" not in schema["paths"]["/healthz"]["get"]["responses"]


def test_keys_are_never_logged(keyed: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG"):
        keyed.post("/v1/chat", json=CHAT, headers={"Authorization": f"Bearer {KEY}"})
        keyed.post("/v1/chat", json=CHAT, headers={"Authorization": "Bearer guessed-secret"})
    assert KEY not in caplog.text and "guessed-secret" not in caplog.text


def test_keys_file_and_env(real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# desk\nfile-key-1\n\n  file-key-2  \n", encoding="utf-8")
    with app_client(real_settings, answerer, api_keys_file=keys_file) as client:
        for key, status in [("file-key-1", 200), ("file-key-2", 200), ("# desk", 401), ("", 401)]:
            assert client.get("/v1/documents", headers={"Authorization": f"Bearer {key}"}).status_code == status
    monkeypatch.setenv("ASSISTANT_API_KEYS", " env-a , env-b ")
    assert Settings().api_keys == ("env-a", "env-b")


def test_openai_client_with_keys(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    settings = real_settings.model_copy(update={"api_keys": (KEY,)})
    with serving(create_app(settings, answerer=answerer)) as url:
        with OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0) as wrong:
            with pytest.raises(openai.AuthenticationError):
                wrong.models.list()
        with OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0) as right:
            completion = right.chat.completions.create(model="coding-assistant", messages=CHAT["messages"])  # type: ignore[arg-type]
            assert (completion.model_extra or {})["grounding"]["citations"]


@pytest.fixture(scope="module")
def small_body_url(real_settings: Settings, answerer: GroundedAnswerer) -> Iterator[str]:
    with serving(create_app(real_settings.model_copy(update={"max_body_bytes": 4096}), answerer=answerer)) as url:
        yield url


def test_body_over_the_limit_with_content_length_is_413(small_body_url: str) -> None:
    big = {"messages": [{"role": "user", "content": "x" * 3000}] * 2}
    response = httpx.post(f"{small_body_url}/v1/chat", json=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert httpx.post(f"{small_body_url}/v1/chat", json=CHAT).status_code == 200


def test_chunked_body_over_the_limit_is_cut_off(small_body_url: str) -> None:
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(64):
            sent += 1024
            yield b"x" * 1024
        yield b'"}]}'

    response = httpx.post(f"{small_body_url}/v1/chat/completions", content=body(),
                          headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert "4096 bytes" in response.json()["error"]["message"]

    def small() -> Iterator[bytes]:
        yield b'{"messages": [{"role": "user", '
        yield b'"content": "Does Cigna cover CPT 64642?"}]}'

    ok = httpx.post(f"{small_body_url}/v1/chat", content=small(), headers={"content-type": "application/json"})
    assert ok.status_code == 200 and ok.json()["citations"]


def test_rate_limit_is_per_key_with_retry_after(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    with app_client(real_settings, answerer, api_keys=("a-key", "b-key"), rate_limit_per_minute=2) as client:
        a = {"Authorization": "Bearer a-key"}
        assert [client.get("/v1/documents", headers=a).status_code for _ in range(2)] == [200, 200]
        limited = client.get("/v1/documents", headers=a)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 30
        assert client.get("/v1/documents", headers={"Authorization": "Bearer b-key"}).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_rate_limit_per_client_without_keys(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    with app_client(real_settings, answerer, rate_limit_per_minute=1) as client:
        assert client.get("/v1/models").status_code == 200
        assert client.get("/v1/models").status_code == 429


def test_loopback_is_not_rate_limited_without_keys(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    settings = real_settings.model_copy(update={"rate_limit_per_minute": 1})
    with serving(create_app(settings, answerer=answerer)) as url:
        assert [httpx.get(f"{url}/v1/models").status_code for _ in range(3)] == [200, 200, 200]
    keyed = settings.model_copy(update={"api_keys": ("a-key",)})
    with serving(create_app(keyed, answerer=answerer)) as url:
        statuses = [httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer a-key"}).status_code for _ in range(2)]
        assert statuses == [200, 429]


def test_no_answer_slots_is_503(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    with app_client(real_settings, answerer, max_concurrent_answers=0) as client:
        for path in ("/v1/chat", "/v1/chat/completions"):
            response = client.post(path, json=CHAT)
            assert response.status_code == 503 and response.json()["error"]["code"] == "overloaded"
        assert client.get("/v1/documents").status_code == 200


class HeldAnswerer:
    """The real answerer, except that answering waits until the test lets it go."""

    def __init__(self, inner: GroundedAnswerer) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.go = threading.Event()

    def answer(self, turns: list[str], top_k: int | None = None) -> Any:
        self.entered.set()
        assert self.go.wait(20)
        return self.inner.answer(turns, top_k=top_k)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_request_over_the_concurrency_limit_is_503(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    held = HeldAnswerer(answerer)
    settings = real_settings.model_copy(update={"max_concurrent_answers": 1})
    with serving(create_app(settings, answerer=held)) as url:  # type: ignore[arg-type]
        results: list[int] = []
        first = threading.Thread(target=lambda: results.append(httpx.post(f"{url}/v1/chat", json=CHAT, timeout=30).status_code))
        first.start()
        try:
            assert held.entered.wait(20)
            busy = httpx.post(f"{url}/v1/chat/completions", json=CHAT)
            assert busy.status_code == 503 and "retry" in busy.json()["error"]["message"]
        finally:
            held.go.set()
            first.join(timeout=30)
        assert results == [200]
        assert httpx.post(f"{url}/v1/chat/completions", json=CHAT).status_code == 200


def test_cors_closed_by_default_and_configurable(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    preflight = {"Origin": "https://desk.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    with app_client(real_settings, answerer) as closed:
        assert "access-control-allow-origin" not in closed.options("/v1/chat", headers=preflight).headers
    with app_client(real_settings, answerer, cors_origins=("https://desk.example",)) as open_:
        response = open_.options("/v1/chat", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://desk.example"
        other = open_.options("/v1/chat", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False),
                                                ("::", False), ("example.org", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_an_open_public_bind(project_copy: Settings, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(project_copy.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(project_copy.index_dir))
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(project_copy.prompts_dir))
    monkeypatch.delenv("ASSISTANT_API_KEYS", raising=False)
    monkeypatch.delenv("ASSISTANT_API_KEYS_FILE", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "without API keys" in capsys.readouterr().err
    # past the auth check, the missing index stops it
    assert main(["serve", "--host", "0.0.0.0", "--allow-no-auth"]) == 1
    monkeypatch.setenv("ASSISTANT_API_KEYS", "some-key")
    assert main(["serve", "--host", "0.0.0.0"]) == 1
    assert "missing" in capsys.readouterr().err


def test_serve_says_whether_keys_are_required(real_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(real_settings.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(real_settings.index_dir))
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(real_settings.prompts_dir))
    monkeypatch.delenv("ASSISTANT_API_KEYS_FILE", raising=False)
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **options: served.append(host))
    monkeypatch.setenv("ASSISTANT_API_KEYS", "secret-one,secret-two")
    assert main(["serve", "--host", "0.0.0.0"]) == 0
    out = capsys.readouterr().out
    assert "API keys: required" in out and "2 configured" in out and "secret-one" not in out
    monkeypatch.delenv("ASSISTANT_API_KEYS")
    assert main(["serve"]) == 0
    assert "not required" in capsys.readouterr().out
    assert served == ["0.0.0.0", "127.0.0.1"]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("declare_length", [True, False])
def test_ten_megabytes_is_refused_without_being_buffered(
    real_settings: Settings, answerer: GroundedAnswerer, declare_length: bool
) -> None:
    """Server and client share this process: a buffered 10 MB body would show in its RSS."""
    piece, pieces = b"x" * 65_536, 160  # 10 MiB, sent from one reused buffer
    head, tail = b'{"messages": [{"role": "user", "content": "', b'"}]}'

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(pieces):
            yield piece
        yield tail

    headers = {"content-type": "application/json"}
    if declare_length:
        headers["content-length"] = str(len(head) + len(piece) * pieces + len(tail))
    with serving(create_app(real_settings, answerer=answerer)) as url:  # default limit: 1 MiB
        httpx.get(f"{url}/healthz")
        before = rss_mb()
        response = httpx.post(f"{url}/v1/chat", content=body(), headers=headers, timeout=30)
        grown = rss_mb() - before
    assert ("transfer-encoding" in response.request.headers) is not declare_length
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert grown < 20, f"RSS grew by {grown:.1f} MB"

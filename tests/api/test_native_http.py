"""The native /v1/chat contract over real HTTP (uvicorn on loopback) with httpx, plain and SSE."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.config import Settings
from tests.api.conftest import serving

BODY = {"messages": [{"role": "user", "content": "Is 64642 covered by Medicare?"}]}


@pytest.fixture(scope="module")
def keyed_url(real_settings: Settings, answerer: GroundedAnswerer) -> Iterator[str]:
    settings = real_settings.model_copy(update={"api_keys": ("native-test-key",)})
    with serving(create_app(settings, answerer=answerer)) as url:
        yield url


def test_plain_and_streamed_answers_agree_over_http(keyed_url: str) -> None:
    headers = {"Authorization": "Bearer native-test-key"}
    with httpx.Client(base_url=keyed_url, headers=headers, timeout=30) as client:
        plain = client.post("/v1/chat", json=BODY)
        assert plain.status_code == 200
        events: list[tuple[str, object]] = []
        with client.stream("POST", "/v1/chat", json={**BODY, "stream": True}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            name = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((name, json.loads(line.removeprefix("data: "))))
    assert [n for n, _ in events][-2:] == ["citations", "done"]
    assert events[-1][1] == plain.json()
    assert "Medicare" in plain.json()["answer"] and not plain.json()["abstained"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "native-test-key"}])
def test_native_api_needs_the_key_when_keys_are_set(keyed_url: str, headers: dict[str, str]) -> None:
    response = httpx.post(f"{keyed_url}/v1/chat", json=BODY, headers=headers, timeout=30)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "native-test-key" not in response.text

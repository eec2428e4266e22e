"""The API with generative answers on: the real app (TestClient, and uvicorn for the official
``openai`` client) over the real index, with the scripted model server on loopback behind it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from openai import OpenAI

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.config import Settings
from tests.api.conftest import free_port, serving
from tests.conftest import PLANTED_DOC, with_llm
from tests.scripted_llm import ScriptedServer

pytestmark = pytest.mark.slow

QUESTION = "Does Quarry Lake Health require prior authorization for CPT 64999?"
PRIOR_AUTH = "Quarry Lake Health requires prior authorization for CPT 64999 before the procedure"
MARKER = re.compile(r"\[(\d+)\]")


def app_client(settings: Settings, server: ScriptedServer | str, model: str, answerer: GroundedAnswerer) -> TestClient:
    base_url = server if isinstance(server, str) else server.base_url
    app = create_app(with_llm(settings, base_url, model, reload_poll_seconds=0), answerer=answerer)
    return TestClient(app, raise_server_exceptions=False)


def ask(client: TestClient, **extra: object) -> httpx.Response:
    return client.post("/v1/chat", json={"messages": [{"role": "user", "content": QUESTION}], **extra})


def sse(response: httpx.Response) -> list[tuple[str, object]]:
    events = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def assert_exact(client: TestClient, citations: list[dict]) -> None:
    assert citations
    for c in citations:
        text = client.get(f"/v1/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]


def test_without_a_model_server_nothing_changes(client: TestClient) -> None:
    assert client.get("/healthz").json()["generator"] == "off"
    body = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "Does Cigna cover CPT 64642?"}]}).json()
    assert (body["mode"], body["dropped_sentences"], body["prompt_version"]) == ("extractive", 0, None)


def test_healthz_says_whether_the_model_server_answers(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    with app_client(planted_settings, scripted_llm, "correct", planted_answerer) as client:
        assert client.get("/healthz").json()["generator"] == "ok"
    closed = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with app_client(planted_settings, closed, "correct", planted_answerer) as client:
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["generator"] == "unreachable"
        body = ask(client).json()  # and answering falls back to the reader
        assert body["mode"] == "extractive" and PRIOR_AUTH in body["answer"]


def test_chat_gives_the_verified_generated_answer(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    with app_client(planted_settings, scripted_llm, "invented-code", planted_answerer) as client:
        body = ask(client).json()
        assert (body["mode"], body["dropped_sentences"], body["abstained"]) == ("generative", 1, False)
        assert body["prompt_version"].startswith("answer-v1+")
        assert body["answer"] == PRIOR_AUTH + " [1]." and "99999" not in body["answer"]
        assert [c["marker"] for c in body["citations"]] == [1] and body["citations"][0]["doc_id"] == PLANTED_DOC
        assert_exact(client, body["citations"])


def test_chat_stream_cut_mid_sentence_sends_what_was_verified_and_a_note(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    with app_client(planted_settings, scripted_llm, "cut", planted_answerer) as client:
        response = ask(client, stream=True)
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse(response)
    names = [name for name, _ in events]
    assert names == ["delta", "delta", "citations", "done"]
    deltas = [str(data["text"]) for name, data in events if name == "delta" and isinstance(data, dict)]
    done = events[-1][1]
    assert isinstance(done, dict)
    assert deltas[0] == PRIOR_AUTH + " [1]." and "incomplete" in deltas[1]
    assert "".join(deltas) == done["answer"]
    assert (done["mode"], done["dropped_sentences"]) == ("generative", 1)
    assert events[2][1] == done["citations"]


@pytest.mark.parametrize("model", ["timeout", "uncited"])
def test_chat_stream_falls_back_to_the_extractive_answer(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer, model: str
) -> None:
    with app_client(planted_settings, scripted_llm, model, planted_answerer) as client:
        events = sse(ask(client, stream=True))
        plain = ask(client).json()
    done = events[-1][1]
    assert isinstance(done, dict) and done["mode"] == "extractive" and PRIOR_AUTH in done["answer"]
    assert "".join(str(d["text"]) for n, d in events if n == "delta" and isinstance(d, dict)) == done["answer"]
    assert done["answer"] == plain["answer"] and done["citations"] == plain["citations"]


@pytest.fixture(scope="module")
def served(planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer) -> Iterator[str]:
    """The assistant with generation on ("correct" script), served by uvicorn on loopback."""
    settings = with_llm(planted_settings, scripted_llm.base_url, "correct", reload_poll_seconds=0)
    with serving(create_app(settings, answerer=planted_answerer)) as url:
        yield url


def test_the_official_openai_client_gets_verified_cited_answers_plain_and_streamed(served: str) -> None:
    messages = [{"role": "user", "content": QUESTION}]
    with OpenAI(base_url=f"{served}/v1", api_key="not-needed", max_retries=0) as oai:
        plain = oai.chat.completions.create(model="coding-assistant", messages=messages)  # type: ignore[arg-type]
        chunks = list(oai.chat.completions.create(model="coding-assistant", messages=messages, stream=True))  # type: ignore[arg-type]
    content = plain.choices[0].message.content or ""
    grounding = (plain.model_extra or {})["grounding"]
    assert (grounding["mode"], grounding["dropped_sentences"]) == ("generative", 0)
    assert grounding["prompt_version"].startswith("answer-v1+")
    body, _, footer = content.partition("\n\nSources:\n")
    assert body.startswith(PRIOR_AUTH + " [1].")
    assert {int(n) for n in MARKER.findall(body)} == {c["marker"] for c in grounding["citations"]} == {1, 2}
    for c in grounding["citations"]:
        assert f"[{c['marker']}] {c['title']} ({c['doc_id']} {c['start']}-{c['end']})" in footer
        text = httpx.get(f"{served}/v1/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]
    deltas = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert "".join(deltas) == content
    assert len(deltas) == 3  # one per verified sentence, then the Sources footer
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["grounding"] == grounding

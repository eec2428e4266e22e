"""Live reload: a running app swaps in a new build on POST /v1/admin/reload or by polling."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.api.live import LiveAnswerer
from assistant.config import Settings
from assistant.errors import IndexMismatchError, ReloadInProgressError
from assistant.fileio import write_text_atomic
from assistant.pipeline import build_index, load_answerer
from assistant.store.disk import CURRENT
from tests.api.conftest import serving
from tests.corpus_edits import NEW_DOC_ID, NEW_DOC_WORD, add_document
from tests.embedders import RecordingEmbedder

KEY = "reload-key-8e41c07d"
AUTH = {"Authorization": f"Bearer {KEY}"}
HELD = "holdthisquery"


class GatedEmbedder(RecordingEmbedder):
    """The hashing fake, except that a text containing ``HELD`` waits until the gate opens."""

    def __init__(self) -> None:
        super().__init__(32)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def before(self, texts: Sequence[str]) -> None:
        if any(HELD in text for text in texts):
            self.entered.set()
            assert self.gate.wait(timeout=30), "the test never opened the gate"


@pytest.fixture()
def embedder() -> GatedEmbedder:
    return GatedEmbedder()


@pytest.fixture()
def first_version(project_copy: Settings, embedder: GatedEmbedder) -> str:
    """Index A of the unchanged corpus copy."""
    return build_index(project_copy, embedder).index_version


def keyed_client(settings: Settings, embedder: GatedEmbedder, **update: object) -> TestClient:
    """The app with an API key; polling off unless ``update`` turns it on (these tests reload by hand)."""
    settings = settings.model_copy(update={"api_keys": (KEY,), "reload_poll_seconds": 0.0, **update})
    app = create_app(settings, answerer=load_answerer(settings, embedder))
    return TestClient(app, raise_server_exceptions=False)


def served_version(client: TestClient) -> str:
    version: str = client.get("/healthz").json()["index_version"]
    return version


def search_doc_ids(client: TestClient, query: str) -> list[str]:
    response = client.get("/v1/search", params={"q": query, "k": 3}, headers=AUTH)
    assert response.status_code == 200
    return [p["doc_id"] for p in response.json()["passages"]]


def test_reload_serves_a_newly_built_document(
    project_copy: Settings, embedder: GatedEmbedder, first_version: str
) -> None:
    with keyed_client(project_copy, embedder) as client:
        assert client.get(f"/v1/documents/{NEW_DOC_ID}", headers=AUTH).status_code == 404
        assert NEW_DOC_ID not in search_doc_ids(client, f"{NEW_DOC_WORD} nerve wrap invoice")
        add_document(project_copy.corpus_dir)
        second = build_index(project_copy, embedder)
        assert second.incremental
        assert served_version(client) == first_version  # a build alone changes nothing served

        response = client.post("/v1/admin/reload", headers=AUTH)

        assert response.status_code == 200
        assert response.json() == {
            "reloaded": True, "old_index_version": first_version, "new_index_version": second.index_version
        }
        assert served_version(client) == second.index_version
        assert search_doc_ids(client, f"{NEW_DOC_WORD} nerve wrap invoice")[0] == NEW_DOC_ID
        document = client.get(f"/v1/documents/{NEW_DOC_ID}", headers=AUTH)
        assert document.status_code == 200 and NEW_DOC_WORD in document.json()["text"]
        again = client.post("/v1/admin/reload", headers=AUTH).json()
        assert again == {
            "reloaded": False, "old_index_version": second.index_version, "new_index_version": second.index_version
        }


def test_reload_needs_the_api_key(project_copy: Settings, embedder: GatedEmbedder, first_version: str) -> None:
    with keyed_client(project_copy, embedder) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = client.post("/v1/admin/reload", headers=headers)
            assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
        schema = client.get("/openapi.json").json()["paths"]["/v1/admin/reload"]["post"]
        assert {"200", "401", "409", "429"} <= set(schema["responses"])


def corrupt(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-5] + b"xxxxx")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("corrupt file", "corrupt (checksum mismatch)"),
        ("corpus edited after the build", "the corpus changed since the build"),
        ("pointer to a missing build", "names a build that does not exist"),
    ],
)
def test_a_build_that_cannot_load_is_refused_and_the_old_index_keeps_serving(
    project_copy: Settings, embedder: GatedEmbedder, first_version: str, breakage: str, message: str
) -> None:
    with keyed_client(project_copy, embedder) as client:
        add_document(project_copy.corpus_dir)
        second = build_index(project_copy, embedder)
        if breakage == "corrupt file":
            corrupt(second.path / "passages.faiss")
        elif breakage == "corpus edited after the build":
            (project_copy.corpus_dir / "documents" / f"{NEW_DOC_ID}.md").unlink()
        else:
            (project_copy.index_dir / CURRENT).write_text("no-such-build\n")

        response = client.post("/v1/admin/reload", headers=AUTH)

        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "index_unusable"
        assert error["message"].startswith(f"Still serving index {first_version}")
        assert message in error["message"] and "assistant build" in error["message"]
        assert served_version(client) == first_version
        assert client.post("/v1/chat", json={"messages": [{"role": "user", "content": "Does Aetna cover 64642?"}]},
                           headers=AUTH).status_code == 200
        assert NEW_DOC_ID not in search_doc_ids(client, f"{NEW_DOC_WORD} nerve wrap invoice")


def test_a_request_in_flight_finishes_on_the_index_it_started_with(
    project_copy: Settings, embedder: GatedEmbedder, first_version: str
) -> None:
    settings = project_copy.model_copy(update={"api_keys": (KEY,), "reload_poll_seconds": 0.0})  # reloaded by hand
    app = create_app(settings, answerer=load_answerer(settings, embedder))
    query = f"{HELD} {NEW_DOC_WORD} nerve wrap invoice"
    with serving(app) as url, httpx.Client(base_url=url, headers=AUTH, timeout=30) as http:
        add_document(project_copy.corpus_dir)
        second = build_index(project_copy, embedder)
        in_flight: dict[str, httpx.Response] = {}
        request = threading.Thread(target=lambda: in_flight.update(r=http.get("/v1/search", params={"q": query})))
        request.start()
        assert embedder.entered.wait(timeout=10), "the search never reached the embedder"

        reload = http.post("/v1/admin/reload")  # while the search waits inside the old index
        embedder.gate.set()
        request.join(timeout=30)

        assert reload.status_code == 200 and reload.json()["new_index_version"] == second.index_version
        old = in_flight["r"].json()
        assert old["index_version"] == first_version
        assert NEW_DOC_ID not in [p["doc_id"] for p in old["passages"]]
        new = http.get("/v1/search", params={"q": query}).json()
        assert new["index_version"] == second.index_version
        assert new["passages"][0]["doc_id"] == NEW_DOC_ID


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_polling_loads_a_new_build_and_skips_a_broken_one(
    project_copy: Settings, embedder: GatedEmbedder, first_version: str, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with keyed_client(project_copy, embedder, reload_poll_seconds=0.1) as client, caplog.at_level("INFO"):
        added = add_document(project_copy.corpus_dir)
        second = build_index(project_copy, embedder)
        assert wait_for(lambda: served_version(client) == second.index_version)
        assert search_doc_ids(client, f"{NEW_DOC_WORD} nerve wrap invoice")[0] == NEW_DOC_ID

        # A third build, corrupt on disk, appears whole: built elsewhere, damaged, moved in, pointed to.
        added.unlink()
        elsewhere = project_copy.model_copy(update={"index_dir": tmp_path / "elsewhere"})
        third = build_index(elsewhere, embedder)
        corrupt(third.path / "sentences.npy")
        shutil.copytree(third.path, project_copy.index_dir / third.index_version)
        write_text_atomic(project_copy.index_dir / CURRENT, third.index_version + "\n")

        assert wait_for(lambda: "automatic reload failed" in caplog.text)
        assert f"still serving index {second.index_version}" in caplog.text and "corrupt" in caplog.text
        time.sleep(0.5)  # several more polls: the broken build is not retried, the old one serves
        assert caplog.text.count("automatic reload failed") == 1
        assert served_version(client) == second.index_version


@pytest.mark.parametrize(("value", "accepted"), [("0", True), ("0.1", True), ("2", True), ("0.01", False), ("-1", False)])
def test_polling_is_on_by_default_every_2_seconds_and_never_a_busy_loop(
    monkeypatch: pytest.MonkeyPatch, value: str, accepted: bool
) -> None:
    monkeypatch.delenv("ASSISTANT_RELOAD_POLL_SECONDS", raising=False)
    assert Settings().reload_poll_seconds == 2.0
    monkeypatch.setenv("ASSISTANT_RELOAD_POLL_SECONDS", value)
    if accepted:
        assert Settings().reload_poll_seconds == float(value)
    else:
        with pytest.raises(ValueError, match="reload_poll_seconds"):
            Settings()


def test_one_reload_at_a_time(project_copy: Settings, embedder: GatedEmbedder, first_version: str) -> None:
    answerer = load_answerer(project_copy, embedder)
    loading, release = threading.Event(), threading.Event()

    def slow_load() -> GroundedAnswerer:
        loading.set()
        release.wait(timeout=10)
        raise IndexMismatchError("the build is corrupt")

    (project_copy.index_dir / CURRENT).write_text("other-build\n")  # something to reload
    live = LiveAnswerer(answerer, project_copy.index_dir, slow_load)
    failures: list[IndexMismatchError] = []

    def reload_in_background() -> None:
        try:
            live.reload()
        except IndexMismatchError as exc:
            failures.append(exc)

    first = threading.Thread(target=reload_in_background)
    first.start()
    assert loading.wait(timeout=10)
    with pytest.raises(ReloadInProgressError, match="already loading"):
        live.reload()
    release.set()
    first.join(timeout=10)
    assert len(failures) == 1 and live.current is answerer


def test_a_polling_server_serves_ingested_documents_and_404s_removed_ones(
    project_copy: Settings, first_version: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`assistant ingest` and `sources remove` (the CLI, fake embedder) beside a running app that polls."""
    from assistant import pipeline
    from assistant.cli import main
    from assistant.embed.fake import HashingEmbedder

    for name in ("corpus_dir", "index_dir", "prompts_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(project_copy, name)))
    monkeypatch.setenv("ASSISTANT_RELOAD_POLL_SECONDS", "0.1")
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: HashingEmbedder(dimension=32))
    note = Path(__file__).resolve().parents[1] / "fixtures" / "example-prior-auth-note.txt"
    doc = "/v1/documents/example-prior-auth-note"
    with keyed_client(project_copy, GatedEmbedder(), reload_poll_seconds=0.1) as client:
        assert client.get(doc, headers=AUTH).status_code == 404

        assert main(["ingest", str(note)]) == 0
        assert "A running server switches to it within 0.1 s" in " ".join(capsys.readouterr().out.split())
        assert wait_for(lambda: client.get(doc, headers=AUTH).status_code == 200)
        assert "Prior authorization is required" in client.get(doc, headers=AUTH).json()["text"]

        assert main(["sources", "remove", "example-prior-auth-note"]) == 0
        assert wait_for(lambda: client.get(doc, headers=AUTH).status_code == 404)
        assert client.get(doc, headers=AUTH).json()["error"]["code"] == "not_found"
        assert served_version(client) == first_version  # the corpus is as it was: the same build as at start

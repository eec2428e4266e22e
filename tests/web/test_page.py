"""The chat page and its assets: served locally, no external addresses, no HTML injection sinks."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from assistant.api.routes import STATIC_DIR

ASSETS = ("app.js", "app.css")
pytestmark = pytest.mark.slow


def test_root_serves_the_chat_page_with_its_disclaimer(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "not coding advice" in page
    assert 'src="/static/app.js"' in page
    assert 'href="/static/app.css"' in page


@pytest.mark.parametrize("name, media", [("app.js", "javascript"), ("app.css", "text/css")])
def test_assets_are_served(client: TestClient, name: str, media: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert media in response.headers["content-type"]
    assert response.text == (STATIC_DIR / name).read_text(encoding="utf-8")


def test_no_served_file_references_an_external_address(client: TestClient) -> None:
    served = [client.get("/").text] + [client.get(f"/static/{name}").text for name in ASSETS]
    for text in served:
        assert not re.search(r"https?://", text, re.IGNORECASE)
        assert "//cdn" not in text.lower()
        assert not re.search(r"""(?:src|href)\s*=\s*["']//""", text)
        assert "@import" not in text


def test_the_script_never_inserts_html(client: TestClient) -> None:
    script = client.get("/static/app.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink
    assert "textContent" in script


def test_the_page_uses_the_documented_api(client: TestClient) -> None:
    script = client.get("/static/app.js").text
    assert '"/v1/chat"' in script and "stream: true" in script and "getReader" in script
    assert "/v1/documents/" in script and "sessionStorage" in script and "Bearer " in script
    assert "Not in the sources" in script and "Sources differ: " in script
    assert "prompt(" not in script


def test_static_files_exist_as_package_data() -> None:
    names = {p.name for p in STATIC_DIR.iterdir()}
    assert {"index.html", "app.js", "app.css"} <= names


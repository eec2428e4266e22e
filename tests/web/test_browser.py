"""The chat page in a real browser: Playwright driving the OS Chromium against uvicorn on loopback.

Playwright downloads nothing: it launches ``/usr/bin/chromium`` (the Debian package, installed by
``.ci/run`` when missing). Without it the tests skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.cli import main
from assistant.config import Settings
from tests.api.conftest import serving

CHROMIUM = Path("/usr/bin/chromium")
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
SCREENSHOTS = Path(os.environ.get("ASSISTANT_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"))
"""Screenshots of the main states land here (git-ignored; CI keeps them as artifacts)."""

pytestmark = pytest.mark.slow


def _unavailable(reason: str) -> None:
    """Fail under CI (a missing browser must not pass silently), skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from the OS packages, launched once for this module."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=QUIET_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def base_url(real_settings: Settings, answerer: GroundedAnswerer) -> Iterator[str]:
    """The real app served by uvicorn on a free loopback port."""
    with serving(create_app(real_settings, answerer=answerer)) as url:
        yield url


def _ask(page: Any, text: str) -> None:
    page.fill("#question", text)
    page.press("#question", "Enter")


def _answered(page: Any) -> Any:
    """The newest finished answer, once its text and markers are in."""
    answer = page.locator("article.answer:not(.thinking)").last
    answer.locator(".body button.marker").first.wait_for(timeout=TIMEOUT_MS)
    return answer


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_ask_then_open_the_cited_quote(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        assert "not coding advice" in page.inner_text("#disclaimer")
        _ask(page, "Is 64642 covered by Aetna?")
        answer = page.locator("article.answer:not(.thinking)").last
        answer.locator("button.marker").first.wait_for(timeout=TIMEOUT_MS)
        assert "[1]" in answer.locator(".body").inner_text()
        answer.locator(".body button.marker", has_text="[1]").first.click()
        mark = page.locator("#panel mark")
        mark.wait_for(timeout=TIMEOUT_MS)
        assert "Aetna" in mark.inner_text()
        assert page.locator("#panel").is_visible()
        assert page.inner_text("#panel-title").startswith("[1] ")
        _screenshot(page, "desktop-answer-with-open-citation")
    finally:
        page.close()


def test_narrow_screen_has_no_horizontal_scroll(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    try:
        page.goto(base_url + "/")
        _ask(page, "Is 64642 covered by Aetna?")
        page.locator("article.answer:not(.thinking) .body button.marker").first.wait_for(timeout=TIMEOUT_MS)
        page.locator("article.answer .body button.marker").first.click()
        page.locator("#panel mark").wait_for(timeout=TIMEOUT_MS)
        # Under 700px the panel sits below the answer, inside the conversation.
        assert page.evaluate("document.querySelector('#log #panel') !== null")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        _screenshot(page, "narrow-360px-citation-below-answer")
    finally:
        page.close()


def test_markup_from_the_server_renders_as_text(browser: Any, base_url: str) -> None:
    """An answer and a document holding <script>, an <img> and a markdown image stay text."""
    hostile = '<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"> ![x](/static/x.png)'
    citation = {
        "marker": 1, "doc_id": "hostile", "title": "<b>Title</b>", "section": "<i>S</i>", "start": 0,
        "end": len(hostile), "quote": hostile, "source_url": "javascript:alert(1)", "score": 1.0,
        "kind": "reference", "source": "<u>Someone</u>", "confidence": "medium",
    }
    chat = {
        "answer": hostile + " [1]", "abstained": True, "confidence": 0.1, "query": "q", "index_version": "x",
        "citations": [citation], "conflicts": [{"topic": "<em>t</em>", "claims": [{"text": "<s>a</s>", "citation": 1}]}],
    }
    document = {"doc_id": "hostile", "title": "<b>Title</b>", "source_url": None, "codes": [], "text": hostile}
    page = browser.new_page()
    try:
        # A plain JSON body where the page asked for a stream also exercises the fallback to the plain call.
        page.route("**/v1/chat", lambda route: route.fulfill(status=200, content_type="application/json",
                                                                body=json.dumps(chat)))
        page.route("**/v1/documents/hostile", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(document)))
        page.goto(base_url + "/")
        _ask(page, "anything")
        answer = page.locator("article.answer.abstained")
        answer.wait_for(timeout=TIMEOUT_MS)
        assert "Not in the sources" in (answer.text_content() or "")
        assert "<script>" in answer.locator(".body").inner_text()
        assert "Sources differ: <em>t</em>" in answer.inner_text()
        answer.locator(".body button.marker").click()
        page.locator("#panel mark").wait_for(timeout=TIMEOUT_MS)
        assert page.inner_text("#panel mark") == hostile
        assert "Project summary of <u>Someone</u>, confidence medium" in page.inner_text("#panel-ref")
        assert page.locator("#panel-link a").count() == 0
        assert page.locator("#log script, #log img, #panel script, #panel img, #log b, #panel b").count() == 0
        assert page.evaluate("window.pwned === undefined")
    finally:
        page.close()


def test_a_keyed_server_asks_for_the_key_once_per_browser_session(
    browser: Any, real_settings: Settings, answerer: GroundedAnswerer
) -> None:
    """Against a real server with ASSISTANT_API_KEYS set: one prompt, then chat and documents work."""
    keyed = real_settings.model_copy(update={"api_keys": ("desk-key",)})
    with serving(create_app(keyed, answerer=answerer)) as url:
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(url + "/")
            _ask(page, "Is 64642 covered by Aetna?")
            page.locator("#key-form").wait_for(state="visible", timeout=TIMEOUT_MS)
            page.fill("#key-input", "wrong-key")
            page.press("#key-input", "Enter")
            page.locator("article.failure", has_text="API key was refused").wait_for(timeout=TIMEOUT_MS)
            page.press("#question", "Enter")  # the question stays in the box; sending again asks again
            page.locator("#key-form").wait_for(state="visible", timeout=TIMEOUT_MS)
            page.fill("#key-input", "desk-key")
            page.press("#key-input", "Enter")
            answer = page.locator("article.answer:not(.thinking)").last
            answer.locator(".body button.marker").first.wait_for(timeout=TIMEOUT_MS)
            assert page.locator("#key-form").is_hidden()
            answer.locator(".body button.marker").first.click()
            page.locator("#panel mark").wait_for(timeout=TIMEOUT_MS)  # /v1/documents sent the key too
            # A reload in the same browser session keeps the key: no second prompt.
            page.reload()
            _ask(page, "Does Cigna cover 64642?")
            page.locator("article.answer:not(.thinking) .body button.marker").first.wait_for(timeout=TIMEOUT_MS)
            assert page.locator("#key-form").is_hidden()
        finally:
            context.close()


def test_an_unreachable_server_is_said_plainly(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    try:
        page.route("**/v1/chat", lambda route: route.abort("connectionrefused"))
        page.goto(base_url + "/")
        _ask(page, "Is 64642 covered by Aetna?")
        failure = page.locator("article.failure")
        failure.wait_for(timeout=TIMEOUT_MS)
        assert "could not be reached" in failure.inner_text()
        assert page.input_value("#question") == "Is 64642 covered by Aetna?"
    finally:
        page.close()


def test_a_follow_up_uses_the_conversation(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        _ask(page, "Does Aetna cover 64642?")
        _answered(page)
        _ask(page, "What about Cigna?")
        page.locator("article.answer:not(.thinking)").nth(1).locator(".body button.marker").first.wait_for(
            timeout=TIMEOUT_MS
        )
        follow_up = page.locator("article.answer").nth(1)
        assert "Cigna" in follow_up.locator(".body").inner_text()
        assert "abstained" not in (follow_up.get_attribute("class") or "")
        _screenshot(page, "desktop-follow-up")
    finally:
        page.close()


def test_an_off_topic_question_is_shown_as_not_in_the_sources(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        _ask(page, "What is the RVU for 64642?")
        answer = page.locator("article.answer.abstained")
        answer.wait_for(timeout=TIMEOUT_MS)
        assert answer.locator(".label").first.text_content() == "Not in the sources"
        assert "Closest passages" in answer.inner_text()
        assert answer.locator(".sources li").count() >= 1
        _screenshot(page, "desktop-abstention-with-closest-passages")
    finally:
        page.close()


def test_a_conflict_shows_each_side_with_its_citation(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        _ask(page, "How do I bill chemodenervation of both arms in one session?")
        answer = _answered(page)
        conflict = answer.locator(".conflict").first
        conflict.wait_for(timeout=TIMEOUT_MS)
        assert conflict.inner_text().startswith("Sources differ")
        assert conflict.locator("li").count() >= 2
        assert conflict.locator("li button.marker").count() >= 2
        _screenshot(page, "desktop-conflict")
    finally:
        page.close()


def test_keyboard_only_ask_open_and_close_a_source(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        assert page.evaluate("document.activeElement.id") == "question"
        page.keyboard.type("Does Cigna cover 64642?")
        page.keyboard.press("Enter")
        answer = _answered(page)
        marker = answer.locator(".body button.marker").first
        marker.focus()
        page.keyboard.press("Enter")
        page.locator("#panel mark").wait_for(timeout=TIMEOUT_MS)
        assert page.evaluate("document.activeElement.id") == "panel-close"
        page.keyboard.press("Escape")
        assert page.locator("#panel").is_hidden()
        assert page.evaluate("document.activeElement.classList.contains('marker')")
        for control in page.locator("button, textarea, input").all():
            assert control.get_attribute("aria-label") or control.inner_text().strip() or control.get_attribute("id")
    finally:
        page.close()


def test_feedback_is_sent_and_found_in_the_export(
    browser: Any, base_url: str, real_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base_url + "/")
        _ask(page, "Does Aetna cover 64642?")
        answer = _answered(page)
        answer.locator("button.thumb.down").click()
        form = answer.locator("form.feedback-form")
        form.wait_for(timeout=TIMEOUT_MS)
        form.locator("textarea").nth(0).fill("Checked for member ID XJH123456789, DOB 03/14/1961; policy from 2016-01-01.")
        form.locator("textarea").nth(1).fill("Aetna is listed for 64642 and 64643.")
        _screenshot(page, "desktop-feedback-form")
        form.locator("button.send-feedback").click()
        status = answer.locator(".feedback-status")
        status.filter(has_text="saved").wait_for(timeout=TIMEOUT_MS)
        assert "masked" in status.inner_text()
        _screenshot(page, "desktop-feedback-saved")
    finally:
        page.close()
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(real_settings.data_dir))
    exported = tmp_path / "feedback.jsonl"
    assert main(["feedback", "export", "--format", "jsonl", "--output", str(exported)]) == 0
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    mine = [r for r in records if r["expected_answer"] == "Aetna is listed for 64642 and 64643."]
    assert len(mine) == 1
    assert mine[0]["comment"] == "Checked for member ID [MEMBER-ID], DOB [DOB]; policy from 2016-01-01."
    assert mine[0]["rating"] == "down" and mine[0]["conversation"][-1]["content"] == "Does Aetna cover 64642?"
    assert mine[0]["citations"] and mine[0]["index_version"]


def test_the_answer_streams_in_and_copies_with_its_sources(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        page.fill("#question", "Does Aetna cover 64642?")
        page.press("#question", "Shift+Enter")
        page.keyboard.type("And Cigna?")
        assert page.input_value("#question") == "Does Aetna cover 64642?\nAnd Cigna?"  # Shift+Enter: a new line
        page.fill("#question", "Which specialties perform 64642?")
        with page.expect_response("**/v1/chat") as streamed:
            page.press("#question", "Enter")
        response = streamed.value
        assert response.headers["content-type"].startswith("text/event-stream")
        assert json.loads(response.request.post_data or "{}")["stream"] is True
        answer = _answered(page)
        answer.locator("button.copy").click()
        answer.locator("button.copy", has_text="Copied").wait_for(timeout=TIMEOUT_MS)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(answer.locator(".body").inner_text().split(" [")[0])
        assert "\nSources:\n[1] " in copied and '"' in copied
    finally:
        context.close()


def test_a_server_error_is_said_plainly(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    try:
        page.route("**/v1/chat", lambda route: route.fulfill(
            status=500, content_type="application/json",
            body=json.dumps({"error": {"code": "internal_error", "message": "The assistant could not answer."}})))
        page.goto(base_url + "/")
        _ask(page, "Is 64642 covered by Aetna?")
        failure = page.locator("article.failure")
        failure.wait_for(timeout=TIMEOUT_MS)
        assert "500" in failure.inner_text() and "could not answer" in failure.inner_text()
        assert page.input_value("#question") == "Is 64642 covered by Aetna?"
    finally:
        page.close()


def test_narrow_screen_abstention_conflict_and_feedback(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    try:
        page.goto(base_url + "/")
        _ask(page, "What is the RVU for 64642?")
        page.locator("article.answer.abstained").wait_for(timeout=TIMEOUT_MS)
        _ask(page, "How do I bill chemodenervation of both arms in one session?")
        answer = page.locator("article.answer:not(.thinking)").nth(1)
        answer.locator(".conflict").wait_for(timeout=TIMEOUT_MS)
        answer.locator("button.thumb.up").click()
        answer.locator("form.feedback-form button.send-feedback").click()
        answer.locator(".feedback-status", has_text="saved").wait_for(timeout=TIMEOUT_MS)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        _screenshot(page, "narrow-360px-abstention-conflict-feedback")
    finally:
        page.close()

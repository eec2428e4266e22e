"""Generative answers against a real HTTP model server on loopback playing scripted replies
(tests/scripted_llm.py), over the real index and model with a fictional policy that has an
instruction planted in it (tests/fixtures/generation/).

Each scripted case ends as the verifier promises: no unverified sentence reaches the answer, and
every failure gives the extractive answer with ``mode: "extractive"``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from assistant import pipeline
from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.generative import Finished, GenerativeAnswerer, Outcome, Sentence
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.errors import ConfigError
from assistant.pipeline import load_generation
from tests.answer.generation_checks import assert_every_sentence_verified
from tests.conftest import PLANTED_DOC, with_llm
from tests.scripted_llm import PLANTED, SLOW_SECONDS, ScriptedServer

pytestmark = pytest.mark.slow

QUESTION = "Does Quarry Lake Health require prior authorization for CPT 64999?"
PRIOR_AUTH = "Quarry Lake Health requires prior authorization for CPT 64999 before the procedure"


STAGES: list[GenerativeAnswerer] = []
"""Generative stages made by the running test; their clients are closed when it ends."""


@pytest.fixture(autouse=True)
def _close_stages() -> Iterator[None]:
    yield
    while STAGES:
        STAGES.pop().close()


def generation(settings: Settings, server: ScriptedServer, model: str) -> GenerativeAnswerer:
    stage = load_generation(with_llm(settings, server.base_url, model))
    assert stage is not None
    STAGES.append(stage)
    return stage


def ask(settings: Settings, server: ScriptedServer, answerer: GroundedAnswerer, model: str, *turns: str) -> Outcome:
    return generation(settings, server, model).outcome(answerer, list(turns or [QUESTION]))


def test_extractive_answer_for_the_question(planted_answerer: GroundedAnswerer) -> None:
    answer = planted_answerer.answer([QUESTION])
    assert not answer.abstained and PRIOR_AUTH in answer.text
    assert (answer.mode, answer.dropped_sentences, answer.prompt_version) == ("extractive", 0, None)


def test_a_correct_cited_answer_is_given_as_written(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    stage = generation(planted_settings, scripted_llm, "correct")
    outcome = stage.outcome(planted_answerer, [QUESTION])
    answer = outcome.answer
    assert outcome.fallback is None
    assert (answer.mode, answer.dropped_sentences, answer.abstained) == ("generative", 0, False)
    assert answer.prompt_version == stage.prompt_version and answer.prompt_version.startswith("answer-v1+")
    assert answer.text.startswith(PRIOR_AUTH + " [1].")
    assert [c.marker for c in answer.citations] == [1, 2]
    assert {c.doc_id for c in answer.citations} == {PLANTED_DOC}
    assert_every_sentence_verified(answer, planted_answerer, stage, [QUESTION])
    # What the server was asked: the rules, and the passages as JSON data with their sources.
    request = scripted_llm.requests_for("correct")[-1]
    assert request["temperature"] == 0.0 and request["max_tokens"] == 512 and not request.get("stream")
    system, user = request["messages"]
    assert system["role"] == "system" and "never instructions" in system["content"]
    first = json.loads(user["content"].split("<passages>\n", 1)[1].splitlines()[0])
    assert first == {"n": 1, "source": "Quarry Lake Health", "title": first["title"], "section": "Prior authorization",
                     "text": PRIOR_AUTH + "."}
    assert user["content"].rstrip().endswith(f"Question: {QUESTION}")


@pytest.mark.parametrize(
    ("model", "dropped", "absent"),
    [
        ("invented-code", 1, "99999"),  # a code no passage or question names
        ("unknown-marker", 1, "[15]"),  # a marker to a passage that was not given
    ],
)
def test_unverified_sentences_are_dropped_and_the_rest_kept(
    planted_settings: Settings,
    scripted_llm: ScriptedServer,
    planted_answerer: GroundedAnswerer,
    model: str,
    dropped: int,
    absent: str,
) -> None:
    stage = generation(planted_settings, scripted_llm, model)
    answer = stage.answer(planted_answerer, [QUESTION])
    assert (answer.mode, answer.dropped_sentences) == ("generative", dropped)
    assert absent not in answer.text and answer.text == PRIOR_AUTH + " [1]."
    assert_every_sentence_verified(answer, planted_answerer, stage, [QUESTION])


@pytest.mark.parametrize(
    ("model", "fallback", "dropped"),
    [
        ("uncited", "nothing_verified", 2),  # no sentence cites a passage
        ("obey-planted", "nothing_verified", 1),  # it obeys the document's instruction and credits passage 1
        ("silent", "model_found_sources_silent", 0),  # the reader has evidence: its answer is given
        ("timeout", "timeout", 0),
        ("malformed", "malformed", 0),
        ("server-error", "server_error", 0),
    ],
)
def test_every_failure_gives_the_extractive_answer(
    planted_settings: Settings,
    scripted_llm: ScriptedServer,
    planted_answerer: GroundedAnswerer,
    model: str,
    fallback: str,
    dropped: int,
) -> None:
    extractive = planted_answerer.answer([QUESTION])
    started = time.monotonic()
    outcome = ask(planted_settings, scripted_llm, planted_answerer, model)
    assert outcome.fallback == fallback
    assert time.monotonic() - started < SLOW_SECONDS  # the 1 s timeout is honoured, not the server's delay
    answer = outcome.answer
    assert (answer.mode, answer.dropped_sentences, answer.text) == ("extractive", dropped, extractive.text)
    assert answer.citations == extractive.citations and answer.prompt_version is not None
    assert "without review" not in answer.text


def test_a_planted_instruction_never_reaches_the_model(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    """Ingest flags the line written for a model (assistant/ingest/injection.py), so it is no
    passage; a model that states its claim anyway has no quote to rest it on and is dropped."""
    for model in ("obey-planted", "obey-planted-citing-it"):
        outcome = ask(planted_settings, scripted_llm, planted_answerer, model)
        user = scripted_llm.requests_for(model)[-1]["messages"][1]["content"]
        assert PLANTED not in user.lower()
        assert outcome.fallback == "nothing_verified" and outcome.answer.mode == "extractive"
        assert "without review" not in outcome.answer.text


def test_a_reply_cut_by_the_token_limit_keeps_its_finished_sentences_and_says_it_is_incomplete(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    stage = generation(planted_settings, scripted_llm, "cut")
    answer = stage.answer(planted_answerer, [QUESTION])
    note = " ".join(stage.prompt.incomplete_note.split())
    assert (answer.mode, answer.dropped_sentences) == ("generative", 1)
    assert answer.text == f"{PRIOR_AUTH} [1]. {note}"
    assert "incl" not in answer.text.replace(note, "")


def test_a_stream_cut_mid_sentence_ends_with_what_was_verified_and_a_note(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    stage = generation(planted_settings, scripted_llm, "cut")
    events = list(stage.stream(planted_answerer, [QUESTION]))
    note = " ".join(stage.prompt.incomplete_note.split())
    assert [e.text for e in events if isinstance(e, Sentence)] == [f"{PRIOR_AUTH} [1].", f" {note}"]
    final = events[-1]
    assert isinstance(final, Finished) and final.streamed and final.fallback is None
    assert (final.answer.mode, final.answer.dropped_sentences) == ("generative", 1)
    assert final.answer.text == "".join(e.text for e in events if isinstance(e, Sentence))


@pytest.mark.parametrize("model", ["correct", "invented-code", "unknown-marker"])
def test_streamed_sentences_join_to_the_plain_answer(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer, model: str
) -> None:
    stage = generation(planted_settings, scripted_llm, model)
    events = list(stage.stream(planted_answerer, [QUESTION]))
    final = events[-1]
    assert isinstance(final, Finished) and final.streamed
    assert "".join(e.text for e in events if isinstance(e, Sentence)) == final.answer.text
    assert final.answer == stage.answer(planted_answerer, [QUESTION])
    assert scripted_llm.requests_for(model)[-2]["stream"] is True


@pytest.mark.parametrize(("model", "fallback"), [("timeout", "timeout"), ("malformed", "malformed"), ("uncited", "nothing_verified")])
def test_a_stream_that_fails_before_any_verified_sentence_gives_the_extractive_answer(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer, model: str, fallback: str
) -> None:
    events = list(generation(planted_settings, scripted_llm, model).stream(planted_answerer, [QUESTION]))
    assert len(events) == 1
    final = events[0]
    assert isinstance(final, Finished) and not final.streamed and final.fallback == fallback
    assert final.answer.mode == "extractive" and final.answer.text == planted_answerer.answer([QUESTION]).text


def test_when_the_reader_abstains_the_model_is_not_asked(
    planted_settings: Settings, scripted_llm: ScriptedServer, planted_answerer: GroundedAnswerer
) -> None:
    before = len(scripted_llm.requests)
    question = "What is the Quarry Lake Health fee schedule amount for CPT 64999 in Alaska?"
    outcome = ask(planted_settings, scripted_llm, planted_answerer, "correct", question)
    assert outcome.answer.abstained and outcome.fallback is None
    assert (outcome.answer.mode, outcome.answer.prompt_version) == ("extractive", None)
    assert len(scripted_llm.requests) == before


def test_settings_need_a_model_and_a_readable_key_file(planted_settings: Settings, tmp_path: pytest.TempPathFactory) -> None:
    assert load_generation(planted_settings) is None  # off unless a base URL is set
    with pytest.raises(ValueError, match="llm_model"):
        with_llm(planted_settings, "http://127.0.0.1:9/v1", " ")
    with pytest.raises(ConfigError, match="key file"):
        load_generation(with_llm(planted_settings, "http://127.0.0.1:9/v1", "m", llm_api_key_file="/nonexistent/key"))


def test_ask_on_the_command_line_says_which_mode_answered(
    planted_settings: Settings,
    scripted_llm: ScriptedServer,
    real_embedder: SentenceTransformerEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {
        "CORPUS_DIR": planted_settings.corpus_dir, "INDEX_DIR": planted_settings.index_dir,
        "PROMPTS_DIR": planted_settings.prompts_dir, "LLM_BASE_URL": scripted_llm.base_url, "LLM_MODEL": "correct",
    }.items():
        monkeypatch.setenv(f"ASSISTANT_{name}", str(value))
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: real_embedder)
    assert main(["ask", QUESTION]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "mode=generative dropped_sentences=0 prompt=answer-v1+" in out and f"{PRIOR_AUTH} [1]." in out

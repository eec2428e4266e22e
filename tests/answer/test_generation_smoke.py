"""A smoke test against a real model server, run only when one is named:

    ASSISTANT_TEST_LLM_BASE_URL=http://127.0.0.1:11434/v1 ASSISTANT_TEST_LLM_MODEL=llama3.1:8b \
        .venv/bin/python -m pytest tests/answer/test_generation_smoke.py -q -s

(``ASSISTANT_TEST_LLM_API_KEY`` for a hosted endpoint). It checks the guarantees, not the quality:
whatever the model writes, every sentence a client receives is verified against its exact
citations, and the extractive answer stands in when nothing is. It prints how many answers were
generated and how many sentences were dropped.
"""

from __future__ import annotations

import os

import pytest

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.generative import GenerativeAnswerer
from assistant.config import Settings
from assistant.pipeline import load_generation
from tests.answer.generation_checks import assert_every_sentence_verified
from tests.conftest import with_llm

BASE_URL = os.environ.get("ASSISTANT_TEST_LLM_BASE_URL", "").strip()
MODEL = os.environ.get("ASSISTANT_TEST_LLM_MODEL", "").strip()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BASE_URL, reason="no real model server: set ASSISTANT_TEST_LLM_BASE_URL (and ASSISTANT_TEST_LLM_MODEL) to run"),
]

QUESTIONS = [
    ["Does Cigna cover CPT 64642?"],
    ["Which place of service codes are typical for 64642?"],
    ["Does Cigna cover CPT 64642?", "What about Aetna?"],
    ["What is the Medicare fee for CPT 64642 in Alaska?"],
]


def test_a_real_model_server_gets_only_verified_sentences_through(real_settings: Settings, answerer: GroundedAnswerer) -> None:
    if not MODEL:
        pytest.skip("ASSISTANT_TEST_LLM_MODEL is not set: name the model to ask")
    key = os.environ.get("ASSISTANT_TEST_LLM_API_KEY") or None
    stage = load_generation(with_llm(real_settings, BASE_URL, MODEL, llm_timeout_seconds=120.0, llm_api_key=key))
    assert stage is not None
    try:
        ask_all(stage, answerer)
    finally:
        stage.close()


def ask_all(stage: GenerativeAnswerer, answerer: GroundedAnswerer) -> None:
    assert stage.generator.health() == "ok", f"{BASE_URL} does not answer GET /models"
    generated = dropped = 0
    for turns in QUESTIONS:
        extractive = answerer.answer(turns)
        outcome = stage.outcome(answerer, turns)
        answer = outcome.answer
        assert answer.abstained == extractive.abstained  # abstention stays the reader's
        if answer.mode == "generative":
            generated += 1
            assert_every_sentence_verified(answer, answerer, stage, turns)
        else:
            assert answer.text == extractive.text
        dropped += answer.dropped_sentences
        print(f"{turns[-1]!r}: mode={answer.mode} dropped={answer.dropped_sentences} fallback={outcome.fallback}")
    print(f"{generated} of {len(QUESTIONS)} answers generated; {dropped} sentences dropped")

"""Sentences longer than the embedding model reads are cut into exact spans that each fit."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.embed.tokens import CharacterBound, ModelTokens, model_tokens
from assistant.ingest.chunking import chunk_document, split_sentences
from assistant.ingest.context import with_context
from assistant.ingest.long_sentences import TokenCounter, fit_sentences, pieces
from assistant.models import Document


def _document(text: str) -> Document:
    return Document("d", "t", "p", None, (), None, text, "d.md")


def _long_sentence(clauses: int = 60) -> str:
    parts = [f"the clinician records finding {i} of the examination in the chart" for i in range(clauses)]
    return "Before the session, " + ", ".join(parts) + ", and form LH-2291 is required for CPT 64615."


@pytest.fixture(scope="module")
def model() -> ModelTokens | CharacterBound:
    counter = model_tokens(Settings().embedding_model)
    assert isinstance(counter, ModelTokens), "the packaged model's tokenizer.json was not found"
    return counter


def test_the_packaged_model_reads_254_word_pieces(model: TokenCounter) -> None:
    assert model.max_tokens == 254  # max_seq_length 256 less [CLS] and [SEP]
    text = "Prior authorization for 64642"
    assert [text[:end] for end in model.token_ends(text)][-1] == text


@pytest.mark.parametrize("counter", ["model", "bound"])
def test_a_long_sentence_becomes_exact_pieces_that_fit_and_cover_it(
    counter: str, model: TokenCounter
) -> None:
    tokens: TokenCounter = model if counter == "model" else CharacterBound(254)
    text = "A short first sentence. " + _long_sentence() + " A short last sentence."
    start = text.index("Before")
    end = text.index("64615.") + len("64615.")
    spans = pieces(text, start, end, tokens)
    assert len(spans) > 1
    assert spans[0][0] == start and spans[-1][1] == end
    for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
        assert first_end <= second_start and not text[first_end:second_start].strip()  # only spaces left out
    assert all(len(tokens.token_ends(text[a:b])) <= tokens.max_tokens for a, b in spans)
    assert all(text[a:b].endswith((",", "64615.")) for a, b in spans)  # cut after a clause


def test_a_sentence_that_fits_is_left_whole(model: TokenCounter) -> None:
    text = "Brightwater Health Plan requires prior authorization for CPT 64642."
    assert pieces(text, 0, len(text), model) == [(0, len(text))]


def test_one_word_longer_than_the_budget_is_cut_inside_it() -> None:
    text = "x" * 30
    assert pieces(text, 0, 30, CharacterBound(10)) == [(0, 10), (10, 20), (20, 30)]


def test_pieces_keep_their_sentence_context_and_chunks_hold_them(model: TokenCounter) -> None:
    text = "The following apply:\n\n- " + _long_sentence() + "\n- A short item.\n"
    document = _document(text)
    sentences = with_context(document, split_sentences(document))
    fitted = fit_sentences(document, sentences, model)
    assert len(fitted) > len(sentences)
    long_pieces = [s for s in fitted if "clinician" in text[s.start : s.end] or "LH-2291" in text[s.start : s.end]]
    assert len(long_pieces) > 1
    assert {s.kind for s in long_pieces} == {"item"}
    assert {s.lead_in for s in long_pieces} == {sentences[1].lead_in}
    tail = next(s for s in fitted if "LH-2291" in text[s.start : s.end])
    assert text[tail.start : tail.end].endswith("form LH-2291 is required for CPT 64615.")
    passages = chunk_document(document, fitted, size=700, overlap=150)
    assert any("LH-2291" in p.text for p in passages)
    # a piece longer than the chunk size is a chunk of its own, so it fits the model too
    assert all(len(p.text) <= 700 or len(model.token_ends(p.text)) <= model.max_tokens for p in passages)


def test_a_lead_in_that_was_cut_points_at_its_last_piece() -> None:
    text = "Word " * 40 + "and the following apply:\n- First item.\n- Second item.\n"
    document = _document(text)
    sentences = with_context(document, split_sentences(document))
    assert sentences[1].lead_in == (sentences[0].start, sentences[0].end)
    fitted = fit_sentences(document, sentences, CharacterBound(60))
    lead_pieces = [s for s in fitted if s.kind == "sentence"]
    assert len(lead_pieces) > 1
    last = (lead_pieces[-1].start, lead_pieces[-1].end)
    assert [s.lead_in for s in fitted if s.kind == "item"] == [last, last]

"""What a client receives from a generative answer, checked the way a client could check it."""

from __future__ import annotations

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.generative import GenerativeAnswerer
from assistant.answer.verify import Given, Verifier, split_sentences
from assistant.models import Answer


def assert_every_sentence_verified(answer: Answer, answerer: GroundedAnswerer, stage: GenerativeAnswerer, turns: list[str]) -> None:
    """Check what a client receives, with the client's own numbering: every citation an exact span,
    every sentence (the closing note aside) kept by the verifier against the citations it names."""
    documents = answerer.index.documents
    for c in answer.citations:
        assert documents[c.doc_id].text[c.start : c.end] == c.quote
    given = {c.marker: Given(c.quote, f"{c.source or documents[c.doc_id].publisher} {c.title}") for c in answer.citations}
    verifier = Verifier(stage.verifier_settings, answerer.recognizer, answerer.questions.synonyms)
    note = " ".join(stage.prompt.incomplete_note.split())
    sentences = split_sentences(answer.text.replace(note, ""))[0]
    assert sentences
    for sentence in sentences:
        checked = verifier.check(sentence, given, turns)
        assert checked.kept, (sentence, checked.reason)

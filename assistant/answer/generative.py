"""Optional generative answers around the extractive one: a model writes from numbered passages,
the verifier keeps only the sentences their cited passages support, and the extractive answer
stays the answer whenever that fails.

For each question:

1. The extractive answerer answers first. When it abstains, or its answer shows sources that
   disagree (each side cited), that answer is returned and no model is called: abstention stays
   evidence-based.
2. The passages: the extractive answer's citations (the units the reader chose, with their list
   lead-ins), then the reader's next best units, up to ``max_passages``; each is one exact span.
3. The model writes (``generate.py``); each sentence is checked (``verify.py``); a kept
   sentence's markers are renumbered in order of first use and point at its passages' spans.
4. The extractive answer is given instead (``mode: "extractive"``) when the server fails, times out
   or sends something unreadable before any sentence was kept, when the model says the passages
   are silent, or when no sentence survives. A stream that fails after kept sentences were sent
   ends with them and a note that the answer is incomplete.

Nothing here logs question or answer text (they may hold patient details): only counts and reasons.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.checks import citation_is_exact, markers_resolve
from assistant.answer.generate import AnswerPrompt, Generator, Message, Passage
from assistant.answer.verify import Given, Verifier, VerifierSettings, renumber, split_sentences
from assistant.answer.writer import Composer
from assistant.errors import AnswerIntegrityError, ConfigError, GeneratorError
from assistant.models import Answer, Citation, Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sentence:
    """A verified sentence ready to send (markers renumbered; a space before all but the first)."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The final answer; ``streamed`` is true when its text went out as :class:`Sentence` events
    (else send the text whole: the extractive answer, nothing of which was sent)."""

    answer: Answer
    streamed: bool
    fallback: str | None = None


Event = Sentence | Finished


@dataclass(frozen=True)
class Outcome:
    """An answer and, when it is the extractive one, why (``None``: generated, or no model asked)."""

    answer: Answer
    fallback: str | None


class GenerativeAnswerer:
    """Generative answers, verified, over whichever extractive answerer is being served."""

    def __init__(
        self, generator: Generator, prompt: AnswerPrompt, verifier: VerifierSettings, *, max_passages: int = 8
    ) -> None:
        """Ask ``generator`` with ``prompt``; check with ``verifier`` settings; give the model at most
        ``max_passages`` passages.

        Raises:
            ConfigError: ``max_passages`` is below 1.
        """
        if max_passages < 1:
            raise ConfigError(f"max_passages must be at least 1, got {max_passages!r}")
        self.generator = generator
        self.prompt = prompt
        self.verifier_settings = verifier
        self.max_passages = max_passages

    def close(self) -> None:
        """Close the model server client's connections."""
        self.generator.close()

    @property
    def prompt_version(self) -> str:
        """The version every generated answer reports."""
        return self.prompt.prompt_version

    def answer(self, answerer: GroundedAnswerer, user_turns: list[str], *, top_k: int | None = None) -> Answer:
        """The answer to the last of ``user_turns``: generated and verified, or the extractive one.

        Raises:
            ValueError: no turn has text.
            AnswerIntegrityError: a kept sentence cites a span that does not resolve (a bug).
        """
        return self.outcome(answerer, user_turns, top_k=top_k).answer

    def outcome(self, answerer: GroundedAnswerer, user_turns: list[str], *, top_k: int | None = None) -> Outcome:
        """As :meth:`answer`, with the reason when the extractive answer was given."""
        started = time.perf_counter()
        extractive = answerer.answer(user_turns, top_k=top_k)
        if _answers_alone(extractive):
            return Outcome(extractive, None)
        draft = self._draft(answerer, extractive, user_turns)
        try:
            completion = self.generator.complete(draft.messages)
        except GeneratorError as exc:
            return self._finish(draft, extractive, exc.reason, started)
        done, rest = split_sentences(completion.text, final=completion.finished)
        for _ in draft.verified(done):
            pass
        draft.discard("" if draft.silent else rest)
        return self._finish(draft, extractive, None if completion.finished else "truncated", started)

    def stream(self, answerer: GroundedAnswerer, user_turns: list[str], *, top_k: int | None = None) -> Iterator[Event]:
        """The answer as events: each verified sentence as the model completes it, then
        :class:`Finished`. Raises as :meth:`answer`, before the first event."""
        started = time.perf_counter()
        extractive = answerer.answer(user_turns, top_k=top_k)
        if _answers_alone(extractive):
            yield Finished(extractive, False)
            return
        draft = self._draft(answerer, extractive, user_turns)
        buffer = ""
        failure: str | None = None
        pieces = self.generator.stream(draft.messages)
        try:
            for piece in pieces:
                done, buffer = split_sentences(buffer + piece, final=False)
                yield from draft.verified(done)
                if draft.silent:
                    buffer = ""  # the model said the sources are silent: nothing after it is read
                    break
            else:
                done, buffer = split_sentences(buffer, final=True)
                yield from draft.verified(done)
        except GeneratorError as exc:
            failure = exc.reason
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        draft.discard(buffer)
        outcome = self._finish(draft, extractive, failure, started)
        if outcome.fallback is None and failure is not None:
            yield Sentence(" " + _note(self.prompt))
        yield Finished(outcome.answer, outcome.fallback is None, outcome.fallback)

    def _draft(self, answerer: GroundedAnswerer, extractive: Answer, user_turns: list[str]) -> _Draft:
        citations = passages_for(answerer, extractive, self.max_passages)
        documents = answerer.index.documents
        prompt_passages = []
        given = {}
        for number, c in enumerate(citations, start=1):
            source = c.source or documents[c.doc_id].publisher
            prompt_passages.append(Passage(number, source, c.title, c.section, c.quote))
            given[number] = Given(c.quote, f"{source} {c.title}")
        verifier = Verifier(self.verifier_settings, answerer.recognizer, answerer.questions.synonyms)
        return _Draft(
            verifier=verifier,
            prompt=self.prompt,
            citations=citations,
            documents=documents,
            given=given,
            user_turns=list(user_turns),
            messages=self.prompt.messages(prompt_passages, user_turns),
        )

    def _finish(self, draft: _Draft, extractive: Answer, failure: str | None, started: float) -> Outcome:
        """The generated answer when a sentence was kept, else the extractive one (with the reason)."""
        if draft.kept:
            answer = draft.answer(extractive, incomplete=failure is not None, version=self.prompt_version)
            fallback = None
        else:
            fallback = failure or ("model_found_sources_silent" if draft.silent else "nothing_verified")
            answer = replace(extractive, dropped_sentences=draft.dropped, prompt_version=self.prompt_version)
        log.info(
            "generation mode=%s kept=%d dropped=%d passages=%d fallback=%s failure=%s ms=%.0f",
            answer.mode, len(draft.kept), draft.dropped, len(draft.citations), fallback, failure,
            (time.perf_counter() - started) * 1000,
        )
        return Outcome(answer, fallback)


@dataclass
class _Draft:
    """One answer being verified: the passages given, the sentences kept and how many were dropped."""

    verifier: Verifier
    prompt: AnswerPrompt
    citations: list[Citation]
    documents: dict[str, Document]
    given: dict[int, Given]
    user_turns: list[str]
    messages: list[Message]
    order: dict[int, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    dropped: int = 0
    silent: bool = False

    def take(self, sentence: str) -> str | None:
        """Verify one sentence: the kept text (markers renumbered) or None. The "sources are silent"
        reply before any kept sentence marks the draft silent."""
        if not any(c.isalnum() for c in sentence):
            return None
        if self.prompt.is_silent(sentence):
            self.silent = self.silent or not self.kept
            return None
        checked = self.verifier.check(sentence, self.given, self.user_turns)
        if not checked.kept:
            self.dropped += 1
            # The kind of reason only: the quoted value is the model's text, which may echo patient details.
            log.debug("dropped a generated sentence: %s", (checked.reason or "").split("'")[0].split("(")[0][:40])
            return None
        for number in checked.cited:
            self.order.setdefault(number, len(self.order) + 1)
        text = renumber(sentence, self.order)
        self.kept.append(text)
        return text

    def verified(self, sentences: list[str]) -> Iterator[Sentence]:
        """The kept ones of ``sentences`` as events (a space before all but the answer's first),
        stopping at the "sources are silent" reply."""
        for sentence in sentences:
            if self.silent:
                return
            kept = self.take(sentence)
            if kept is not None:
                yield Sentence(kept if len(self.kept) == 1 else " " + kept)

    def discard(self, rest: str) -> None:
        """Count an unfinished last sentence (never shown: it could stop inside a number) as dropped."""
        if any(c.isalnum() for c in rest):
            self.dropped += 1

    def answer(self, extractive: Answer, *, incomplete: bool, version: str) -> Answer:
        """The generated answer; its citations are the cited passages' spans, in marker order.

        Raises:
            AnswerIntegrityError: a marker or span does not resolve (a bug).
        """
        text = " ".join(self.kept)
        if incomplete:
            text += " " + _note(self.prompt)
        citations = tuple(
            replace(self.citations[number - 1], marker=marker)
            for number, marker in sorted(self.order.items(), key=lambda item: item[1])
        )
        if not markers_resolve(text, citations) or not all(citation_is_exact(c, self.documents) for c in citations):
            raise AnswerIntegrityError("a generated answer cited a span that does not resolve; please report this question")
        return Answer(
            text=text,
            abstained=False,
            confidence=extractive.confidence,
            query=extractive.query,
            index_version=extractive.index_version,
            citations=citations,
            intent=extractive.intent,
            conflicts=(),
            mode="generative",
            dropped_sentences=self.dropped,
            prompt_version=version,
        )


def passages_for(answerer: GroundedAnswerer, extractive: Answer, limit: int) -> list[Citation]:
    """The spans given to the model: the extractive answer's citations, then the reader's best
    units for its query (each list item after its lead-in), none overlapping another, at most
    ``limit``. Each is a citation whose quote is exactly its document span."""
    chosen = list(extractive.citations[:limit])
    reader = answerer.reader
    composer = Composer(reader.evidence, answerer.phrasebook.phrasings, {f.fact_id: f for f in answerer.index.facts})
    question = reader.questions.analyse(extractive.query, extractive.query, carried=False)
    for scored in reader.rank(question)[: limit * 2]:
        unit = scored.unit
        group = [reader.evidence.units[unit.lead_in], unit] if unit.lead_in is not None else [unit]
        for member in group:
            if len(chosen) >= limit:
                return chosen
            if any(_overlaps(c, member.doc_id, member.start, member.end) for c in chosen):
                continue
            composer.cite(member, scored.score)
            chosen.append(composer.citations[(member.doc_id, member.start, member.end)])
    return chosen


def _note(prompt: AnswerPrompt) -> str:
    """The closing note of an answer the model server did not finish."""
    return " ".join(prompt.incomplete_note.split())


def _answers_alone(extractive: Answer) -> bool:
    """Whether the extractive answer is given without asking a model: it abstains (abstention is
    decided from the evidence), or it shows sources that disagree, each side cited."""
    return extractive.abstained or bool(extractive.conflicts)


def _overlaps(citation: Citation, doc_id: str, start: int, end: int) -> bool:
    return citation.doc_id == doc_id and citation.start < end and start < citation.end

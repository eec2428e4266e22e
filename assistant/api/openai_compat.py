"""OpenAI-compatible routes: ``POST /v1/chat/completions`` (plain and SSE) and ``GET /v1/models``.

The answer text keeps its ``[n]`` markers and ends with a short "Sources:" footer; the structured
citations travel in the extra top-level field ``grounding``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute

from assistant.answer.generative import Event, Sentence
from assistant.api.deps import AnswererDep, GenerationDep, SettingsDep
from assistant.api.http_errors import ApiError
from assistant.api.limits import answer_slot
from assistant.api.openai_schemas import (
    IGNORED_PARAMETERS,
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChunkChoice,
    ChunkDelta,
    CompletionChoice,
    Grounding,
    ModelCard,
    ModelList,
    unknown_parameters,
)
from assistant.api.schemas import ChatResponse, ErrorResponse
from assistant.api.sse import sentence_deltas
from assistant.models import Answer, Document

log = logging.getLogger("assistant.api")

class OpenAIRoute(APIRoute):
    """A route whose unknown request fields are a 400 ``unsupported_parameter``, as OpenAI answers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The default handler, with unknown-field validation errors turned into 400s."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                unknown = unknown_parameters(list(exc.errors()))
                if unknown:
                    raise ApiError(
                        400,
                        "unsupported_parameter",
                        f"Unsupported parameter(s): {', '.join(repr(u) for u in unknown)}. Accepted (and ignored "
                        f"where noted): messages, stream, {', '.join(IGNORED_PARAMETERS)}.",
                    ) from exc
                raise

        return route_handler


openai_router = APIRouter(route_class=OpenAIRoute, tags=["openai"])


def sources_footer(answer: Answer) -> str:
    """The "Sources:" footer: one line per citation, ``[n] title (doc_id start-end)``."""
    if not answer.citations:
        return ""
    lines = [f"[{c.marker}] {c.title} ({c.doc_id} {c.start}-{c.end})" for c in answer.citations]
    return "\n\nSources:\n" + "\n".join(lines)


def grounding_of(answer: Answer, documents: Mapping[str, Document] | None = None) -> Grounding:
    """The structured grounding of ``answer`` (the same citation objects as ``POST /v1/chat``);
    ``documents`` (by id) give each citation's page."""
    native = ChatResponse.of(answer, documents)
    return Grounding(
        citations=native.citations,
        abstained=native.abstained,
        confidence=native.confidence,
        index_version=native.index_version,
        query=native.query,
        conflicts=native.conflicts,
        mode=native.mode,
        dropped_sentences=native.dropped_sentences,
        prompt_version=native.prompt_version,
    )


@openai_router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    dependencies=[Depends(answer_slot)],
    responses={
        200: {
            "description": (
                "A chat.completion; with `stream: true`, server-sent `chat.completion.chunk` events (one per "
                "sentence, the last with `finish_reason: stop` and `grounding`), then `data: [DONE]`."
            ),
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "description": "One server-sent event.",
                        "properties": {
                            "data": {
                                "type": "string",
                                "description": "A chat.completion.chunk as JSON, or `[DONE]` at the end.",
                            }
                        },
                        "required": ["data"],
                    }
                }
            },
        },
        400: {"model": ErrorResponse, "description": "An unsupported (unknown) parameter."},
        422: {"model": ErrorResponse, "description": "The messages are malformed or break a documented limit."},
        503: {"model": ErrorResponse, "description": "Too many answers in flight; retry shortly."},
    },
)
def chat_completions(
    request: ChatCompletionRequest, answerer: AnswererDep, generation: GenerationDep, settings: SettingsDep
) -> ChatCompletion | Response:
    """Answer the last user message from the sources, in the OpenAI chat-completion format.

    System and developer messages are accepted and ignored: they cannot change the sources or the
    grounding. `model`, `temperature`, `top_p`, `max_tokens`, `max_completion_tokens`, `user`,
    `stream_options`, `presence_penalty`, `frequency_penalty`, `seed` and `stop` are accepted and
    ignored; `n` must be 1 (one answer). Any other parameter is refused with 400. The reply carries `[n]` markers
    and a "Sources:" footer; `grounding` holds the citations, `abstained`, `confidence`,
    `index_version`, `query`, `conflicts`, `mode`, `dropped_sentences` and `prompt_version`.
    """
    started = time.perf_counter()
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    documents = answerer.index.documents
    if generation is not None and request.stream:
        events = generation.stream(answerer, request.user_turns())
        stream = _Chunks(completion_id, created, settings.openai_model_id, answerer.index.index_version)
        return StreamingResponse(
            stream.generated(events, documents), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    if generation is not None:
        answer = generation.answer(answerer, request.user_turns())
    else:
        answer = answerer.answer(request.user_turns())
    log.info(
        "completion turns=%d abstained=%s confidence=%.3f citations=%d stream=%s ms=%.1f",
        len(request.messages),
        answer.abstained,
        answer.confidence,
        len(answer.citations),
        bool(request.stream),
        (time.perf_counter() - started) * 1000,
    )
    grounding = grounding_of(answer, documents)
    footer = sources_footer(answer)
    if not request.stream:
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=settings.openai_model_id,
            system_fingerprint=answer.index_version,
            choices=[CompletionChoice(message=AssistantMessage(content=answer.text + footer))],
            grounding=grounding,
        )
    stream = _Chunks(completion_id, created, settings.openai_model_id, answer.index_version)
    return StreamingResponse(
        stream.whole(answer, documents), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@dataclass(frozen=True)
class _Chunks:
    """The ``chat.completion.chunk`` events of one streamed completion."""

    completion_id: str
    created: int
    model: str
    fingerprint: str

    def chunk(self, delta: ChunkDelta, grounding: Grounding | None = None) -> str:
        """One event; the last (with ``grounding``) has ``finish_reason: stop``."""
        body = ChatCompletionChunk(
            id=self.completion_id,
            created=self.created,
            model=self.model,
            system_fingerprint=self.fingerprint,
            choices=[ChunkChoice(delta=delta, finish_reason="stop" if grounding is not None else None)],
            grounding=grounding,
        )
        return f"data: {body.model_dump_json(exclude=None if grounding is not None else {'grounding'})}\n\n"

    def whole(self, answer: Answer, documents: Mapping[str, Document], opened: bool = False) -> Iterator[str]:
        """An answer already complete: its sentences, the Sources footer, the final chunk, [DONE]."""
        if not opened:
            yield self.chunk(ChunkDelta(role="assistant", content=""))
        for piece in sentence_deltas(answer.text):
            yield self.chunk(ChunkDelta(content=piece))
        yield from self.closing(answer, documents)

    def closing(self, answer: Answer, documents: Mapping[str, Document]) -> Iterator[str]:
        """The Sources footer, the final chunk with ``grounding``, then ``[DONE]``."""
        footer = sources_footer(answer)
        if footer:
            yield self.chunk(ChunkDelta(content=footer))
        yield self.chunk(ChunkDelta(), grounding_of(answer, documents))
        yield "data: [DONE]\n\n"

    def generated(self, events: Iterator[Event], documents: Mapping[str, Document]) -> Iterator[str]:
        """Generative answering: each verified sentence as it is ready, then the closing chunks (or
        the extractive answer whole when it was given instead)."""
        yield self.chunk(ChunkDelta(role="assistant", content=""))
        try:
            for event in events:
                if isinstance(event, Sentence):
                    yield self.chunk(ChunkDelta(content=event.text))
                elif event.streamed:
                    yield from self.closing(event.answer, documents)
                else:
                    yield from self.whole(event.answer, documents, opened=True)
        except Exception:  # the client sees the stream end without [DONE]; the log sees the type
            log.exception("completion stream failed")


@openai_router.get("/v1/models", response_model=ModelList)
def list_models(request: Request, settings: SettingsDep) -> ModelList:
    """The assistant, listed as the one model this server offers."""
    return ModelList(data=[ModelCard(id=settings.openai_model_id, created=int(request.app.state.started_at))])

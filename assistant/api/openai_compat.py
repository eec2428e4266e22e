"""OpenAI-compatible routes: ``POST /v1/chat/completions`` (plain and SSE) and ``GET /v1/models``.

The answer text keeps its ``[n]`` markers and ends with a short "Sources:" footer; the structured
citations travel in the extra top-level field ``grounding``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute

from assistant.api.deps import AnswererDep, SettingsDep
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
    request: ChatCompletionRequest, answerer: AnswererDep, settings: SettingsDep
) -> ChatCompletion | Response:
    """Answer the last user message from the sources, in the OpenAI chat-completion format.

    System and developer messages are accepted and ignored: they cannot change the sources or the
    grounding. `model`, `temperature`, `top_p`, `max_tokens`, `max_completion_tokens`, `user`,
    `stream_options`, `presence_penalty`, `frequency_penalty`, `seed` and `stop` are accepted and
    ignored; `n` must be 1 (one answer). Any other parameter is refused with 400. The reply carries `[n]` markers
    and a "Sources:" footer; `grounding` holds the citations, `abstained`, `confidence`,
    `index_version`, `query` and `conflicts`.
    """
    started = time.perf_counter()
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
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    grounding = grounding_of(answer, answerer.index.documents)
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

    def events() -> Iterator[str]:
        def chunk(delta: ChunkDelta, final: bool = False) -> str:
            body = ChatCompletionChunk(
                id=completion_id,
                created=created,
                model=settings.openai_model_id,
                system_fingerprint=answer.index_version,
                choices=[ChunkChoice(delta=delta, finish_reason="stop" if final else None)],
                grounding=grounding if final else None,
            )
            return f"data: {body.model_dump_json(exclude=None if final else {'grounding'})}\n\n"

        yield chunk(ChunkDelta(role="assistant", content=""))
        for piece in sentence_deltas(answer.text):
            yield chunk(ChunkDelta(content=piece))
        if footer:
            yield chunk(ChunkDelta(content=footer))
        yield chunk(ChunkDelta(), final=True)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@openai_router.get("/v1/models", response_model=ModelList)
def list_models(request: Request, settings: SettingsDep) -> ModelList:
    """The assistant, listed as the one model this server offers."""
    return ModelList(data=[ModelCard(id=settings.openai_model_id, created=int(request.app.state.started_at))])

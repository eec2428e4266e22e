"""Thin routes: parse the request, call the answerer, return the response model."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, StreamingResponse

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.generative import Event, Sentence
from assistant.api.deps import AnswererDep, GenerationDep, SettingsDep
from assistant.api.limits import answer_slot
from assistant.api.schemas import (
    MAX_MESSAGE_CHARS,
    ChatRequest,
    ChatResponse,
    DocumentOut,
    DocumentSummary,
    ErrorResponse,
    Health,
    PassageOut,
    SearchResponse,
)
from assistant.api.sse import sentence_deltas, sse_event
from assistant.errors import InputError, NotFoundError

log = logging.getLogger("assistant.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Not found."},
    422: {"model": ErrorResponse, "description": "The request is malformed or breaks a documented limit."},
}

BAD_BODY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The body cannot be read as JSON (for example, not UTF-8)."}
}

router = APIRouter()
public_router = APIRouter()

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""The chat page's files (index.html, app.js, app.css), served at ``/`` and under ``/static``."""


STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer; with `stream: true`, server-sent events `delta`, `citations`, `done`, `error`.",
        "content": {
            "text/event-stream": {
                # One server-sent event; `data` is the event's JSON payload as text.
                "schema": {
                    "type": "object",
                    "properties": {
                        "event": {"type": "string", "enum": ["delta", "citations", "done", "error"]},
                        "data": {"type": "string"},
                    },
                    "required": ["event", "data"],
                },
                "example": 'event: delta\ndata: {"text": "The publication lists ... [1]."}\n\n'
                'event: citations\ndata: [{"marker": 1, "...": "..."}]\n\nevent: done\ndata: {"answer": "..."}\n\n',
            }
        },
    }
}


@router.post(
    "/v1/chat",
    response_model=ChatResponse,
    responses={
        **STREAM_RESPONSE,
        **ERRORS,
        **BAD_BODY,
        503: {"model": ErrorResponse, "description": "Too many answers in flight; retry shortly."},
    },
    tags=["chat"],
    dependencies=[Depends(answer_slot)],
)
def chat(
    request: ChatRequest, answerer: AnswererDep, generation: GenerationDep, settings: SettingsDep
) -> ChatResponse | StreamingResponse:
    """Answer the last user message from the sources, with ``[n]`` markers and span citations.

    When the sources do not support an answer, ``abstained`` is true, the answer says so, and the
    closest passages are cited. Earlier messages give context for follow-ups. With
    ``stream: true`` the same answer arrives as server-sent events. With a model server configured,
    ``mode`` says whether a model wrote the answer (every sentence verified) or the reader quoted it.
    """
    if generation is not None and request.stream:
        events = generation.stream(answerer, request.user_turns(), top_k=request.top_k)
        return StreamingResponse(_generated_events(events, answerer), media_type="text/event-stream")
    started = time.perf_counter()
    if generation is not None:
        answer = generation.answer(answerer, request.user_turns(), top_k=request.top_k)
    else:
        answer = answerer.answer(request.user_turns(), top_k=request.top_k)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if settings.log_questions:
        log.info("chat question=%r", request.messages[-1].content)
    log.info(
        "chat turns=%d abstained=%s confidence=%.3f citations=%d ms=%.1f",
        len(request.messages),
        answer.abstained,
        answer.confidence,
        len(answer.citations),
        elapsed_ms,
    )
    response = ChatResponse.of(answer, answerer.index.documents)
    if request.stream:
        return StreamingResponse(_chat_events(response), media_type="text/event-stream")
    return response


def _chat_events(response: ChatResponse) -> Iterator[str]:
    """The answer as events: its sentences, then its citations, then the whole response."""
    return _guarded(_answer_events(response, deltas=True))


def _generated_events(events: Iterator[Event], answerer: GroundedAnswerer) -> Iterator[str]:
    """Generative answering as events: each verified sentence as it is ready, then the citations and
    the whole response (the extractive answer's sentences when it was given instead)."""

    def produce() -> Iterator[str]:
        for event in events:
            if isinstance(event, Sentence):
                yield sse_event("delta", {"text": event.text})
                continue
            response = ChatResponse.of(event.answer, answerer.index.documents)
            yield from _answer_events(response, deltas=not event.streamed)

    return _guarded(produce())


def _answer_events(response: ChatResponse, *, deltas: bool) -> Iterator[str]:
    """The answer's sentences (when ``deltas``), then its citations, then the whole response."""
    if deltas:
        for piece in sentence_deltas(response.answer):
            yield sse_event("delta", {"text": piece})
    yield sse_event("citations", [c.model_dump() for c in response.citations])
    yield sse_event("done", response.model_dump())


def _guarded(events: Iterator[str]) -> Iterator[str]:
    """``events``, ended by an error event if producing them fails: the client sees an event, the
    log sees the type; never a silent cut."""
    try:
        yield from events
    except Exception:
        log.exception("chat stream failed")
        yield sse_event("error", {"message": "The answer could not be streamed; retry without stream."})


@router.get("/v1/search", response_model=SearchResponse, responses=ERRORS, tags=["search"])
def search(
    answerer: AnswererDep,
    q: str = Query(min_length=1, max_length=MAX_MESSAGE_CHARS, description="Free-text query."),
    k: int = Query(5, ge=1, le=50, description="Number of passages."),
) -> SearchResponse:
    """Ranked passages (hybrid dense + BM25) for a query."""
    if not q.strip():
        raise InputError("q must not be blank")
    hits = answerer.search(q, top_k=k)
    return SearchResponse(
        query=q, index_version=answerer.index.index_version, passages=[PassageOut.of(h) for h in hits]
    )


@router.get("/v1/documents", response_model=list[DocumentSummary], tags=["documents"])
def list_documents(answerer: AnswererDep) -> list[DocumentSummary]:
    """Every document in the index."""
    return [
        DocumentSummary(
            doc_id=d.doc_id, title=d.title, publisher=d.publisher, source_url=d.source_url, codes=list(d.codes),
            provenance=d.provenance,
        )
        for d in answerer.index.documents.values()
    ]


@router.get("/v1/documents/{doc_id}", response_model=DocumentOut, responses=ERRORS, tags=["documents"])
def get_document(doc_id: str, answerer: AnswererDep) -> DocumentOut:
    """One document with the exact text that citation offsets index into."""
    document = answerer.index.documents.get(doc_id)
    if document is None:
        raise NotFoundError(f"No document {doc_id!r}. GET /v1/documents lists the documents.")
    return DocumentOut.of(document)


@public_router.get("/", include_in_schema=False)
def home() -> FileResponse:
    """The chat page; its script calls the ``/v1`` routes (with the API key when one is required)."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@public_router.get("/healthz", response_model=Health, tags=["health"])
def healthz(answerer: AnswererDep, generation: GenerationDep) -> Health:
    """Liveness and what is loaded; ``generator`` is ``off`` without a model server, else whether it answers."""
    return Health(
        status="ok",
        index_version=answerer.index.index_version,
        documents=len(answerer.index.documents),
        passages=len(answerer.index.passages),
        generator="off" if generation is None else generation.generator.health(),
    )

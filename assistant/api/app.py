"""Build the FastAPI application; the index and model load at start-up, newer builds on reload (live.py)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.access_log import AccessLogMiddleware
from assistant.api.admin import admin_router
from assistant.api.feedback_routes import feedback_router
from assistant.api.http_errors import ApiError
from assistant.api.limits import AnswerSlots, BodyLimitMiddleware, RateLimiter, rate_limit
from assistant.api.live import LiveAnswerer, poll_for_new_builds
from assistant.api.openai_compat import openai_router
from assistant.api.routes import STATIC_DIR, public_router, router
from assistant.api.schemas import ErrorResponse
from assistant.api.security import identify_client, load_api_keys, require_api_key
from assistant.config import Settings
from assistant.errors import AssistantError, FeedbackStoreError, InputError, NotFoundError
from assistant.feedback.store import FeedbackStore

log = logging.getLogger("assistant.api")


def create_app(settings: Settings, *, answerer: GroundedAnswerer | None = None) -> FastAPI:
    """The application for ``settings``; pass ``answerer`` to reuse one already loaded (tests).

    Raises:
        ConfigError: the generative stage is configured but its prompt, verifier data or key file is unusable.
    """
    from assistant.pipeline import load_generation

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from assistant.pipeline import load_answerer, make_embedder
        from assistant.store.recovery import recover

        if answerer is None:  # start-up: finish what killed commands left, and say so (counts only)
            recovered = recover(settings.index_dir).describe(settings.index_dir)
            if recovered:
                log.warning(recovered)
        first = answerer if answerer is not None else load_answerer(settings, make_embedder(settings))
        live = LiveAnswerer(first, settings.index_dir, functools.partial(load_answerer, settings, first.embedder))
        app.state.live = live
        log.info("serving index %s", first.index.index_version)
        poller = None
        if settings.reload_poll_seconds > 0:
            poller = asyncio.create_task(poll_for_new_builds(live, settings.reload_poll_seconds))
            log.info("looking for new index builds every %s s", settings.reload_poll_seconds)
        try:
            yield
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
            if app.state.generation is not None:
                app.state.generation.close()

    app = FastAPI(
        title="Coverage and coding assistant",
        version="0.1.0",
        description=(
            "Answers billing and coding questions from its sources, with citations a person can check: "
            "every citation's `quote` equals `text[start:end]` of `GET /v1/documents/{doc_id}`. "
            "When the sources do not answer, `abstained` is true. Not coding advice."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_keys = load_api_keys(settings)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.answer_slots = AnswerSlots(settings.max_concurrent_answers)
    app.state.started_at = time.time()
    app.state.feedback_store = FeedbackStore(settings.data_dir / "feedback.sqlite3")
    app.state.generation = load_generation(settings)  # None unless ASSISTANT_LLM_BASE_URL is set
    if app.state.generation is not None:
        log.info("generative answers on (prompt %s); the extractive answer is the fallback",
                 app.state.generation.prompt_version)
    # With keys, the routes declare bearer auth (and may answer 401); without, the schema asks for none.
    keyed = bool(app.state.api_keys)
    guarded: dict[str, Any] = {
        "dependencies": [Depends(require_api_key if keyed else identify_client), Depends(rate_limit)],
        "responses": GUARD_ERRORS if keyed else {k: v for k, v in GUARD_ERRORS.items() if k != 401},
    }
    guarded_routers = (router, openai_router, feedback_router, admin_router)
    for guarded_router in guarded_routers:
        app.include_router(guarded_router, **guarded)
    app.include_router(public_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
        )
    # Outermost, so it sees every status (413 included); the routes name each request's path template.
    served = [*app.router.routes, *(route for each in (*guarded_routers, public_router) for route in each.routes)]
    app.add_middleware(AccessLogMiddleware, routes=served)
    return app


GUARD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "An API key is required (when keys are configured) or is wrong."},
    413: {"model": ErrorResponse, "description": "The request body is over the size limit."},
    429: {"model": ErrorResponse, "description": "Over the rate limit; see the Retry-After header."},
}


_UNPARSABLE_BODY = "There was an error parsing the body"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _describe(exc))

    @app.exception_handler(InputError)
    async def invalid_input(request: Request, exc: InputError) -> JSONResponse:
        return _error(422, "invalid_request", str(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return _error(404, "not_found", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
            # FastAPI's words for a body json.loads cannot read at all (bytes that are not UTF-8, arrays
            # nested thousands deep): the same error as any other body that is not JSON.
            return _error(422, "invalid_request", "the request body is not valid JSON (not UTF-8, or nested too deeply)")
        response = _error(exc.status_code, "http_error", str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status,
            content={"error": {"code": exc.code, "message": exc.message}},
            headers=exc.headers,
        )

    @app.exception_handler(FeedbackStoreError)
    async def feedback_unavailable(request: Request, exc: FeedbackStoreError) -> JSONResponse:
        log.error("feedback store failed: %s", exc)
        return _error(503, "feedback_unavailable", "Feedback could not be saved right now; retry, or tell an admin.")

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        log.error("request failed: %s", type(exc).__name__)
        return _error(500, "internal_error", "The assistant could not answer this request; the error was logged.")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message}})


def _describe(exc: RequestValidationError) -> str:
    """One readable line per problem: where it is and what is wrong."""
    parts = []
    for error in exc.errors()[:5]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        if error.get("type") == "json_invalid":
            parts.append("the request body is not valid JSON")
        elif error.get("type") == "missing" and not location:
            parts.append('the request body is empty: send a JSON object, such as {"messages": [{"role": "user", "content": "..."}]}')
        elif error.get("type") == "extra_forbidden":
            parts.append(f"unknown field {location!r}")
        else:
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            parts.append(f"{location or 'body'}: {message}")
    return "; ".join(parts)

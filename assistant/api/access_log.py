"""The access log: one line per request with its method, route, status and time, nothing the caller typed.

uvicorn's own access log writes the raw request line, query string included, so
``GET /v1/search?q=Patient Jane Roe, DOB ...`` would reach the log verbatim. The server switches it
off (:func:`server_log_config`, ``access_log=False``) and logs through :class:`AccessLogMiddleware`
instead, which names the matched route's *template* (``/v1/documents/{doc_id}``, ``/static/{path}``)
rather than the path sent, and never the query string, headers or body.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

access_log = logging.getLogger("assistant.access")

UNKNOWN_PATH = "(unknown path)"
"""What the log says for a path no route serves (the path itself may hold anything)."""


class AccessLogMiddleware:
    """Log ``METHOD /route/template STATUS 12.3 ms`` at INFO on ``assistant.access`` after each request."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        """Wrap ``app``; a request's path is matched against ``routes`` to name its template in the log."""
        self.app = app
        self.routes = [route for route in routes if isinstance(getattr(route, "path", None), str)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the wrapped app, noting the response status, then log the request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = dict(scope)  # routing rewrites root_path and path inside the shared scope
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before it answers

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            access_log.info(
                "%s %s %d %.1f ms",
                _method(asked),
                route_template(asked, self.routes),
                status,
                (time.perf_counter() - started) * 1000,
            )


def route_template(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The template of the route serving ``scope`` (``/v1/documents/{doc_id}``), or :data:`UNKNOWN_PATH`.

    A route matching path and method wins over one matching the path alone (a 405); a mount is
    named ``/prefix/{path}``.
    """
    matched = [(route, route.matches(scope)[0]) for route in routes]
    route = next((r for r, m in matched if m is Match.FULL), None) or next(
        (r for r, m in matched if m is Match.PARTIAL), None
    )
    if route is None:
        return UNKNOWN_PATH
    path = str(getattr(route, "path", ""))
    if isinstance(route, Mount):
        return f"{path}/{{path}}"
    return path or "/"


def _method(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method.isalpha() and len(method) <= 10 else "?"


def server_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the ``assistant`` loggers (access log included) at INFO.

    Pass it with ``access_log=False`` so uvicorn's own access log (which writes query strings)
    stays off.
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["assistant"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s %(name)s: %(message)s",
        "use_colors": None,
    }
    config["handlers"]["assistant"] = {
        "formatter": "assistant",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["assistant"] = {"handlers": ["assistant"], "level": "INFO", "propagate": False}
    config["loggers"]["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}
    return config

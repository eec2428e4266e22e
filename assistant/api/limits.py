"""Request limits: body size (pure ASGI, enforced while the body streams in), rate and concurrency."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import AsyncIterator

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.http_errors import ApiError
from assistant.api.security import is_loopback


class BodyLimitMiddleware:
    """Answer 413 as soon as a request body exceeds ``max_bytes``, with or without Content-Length.

    The body is never buffered here: bytes are counted as they arrive, and once the count passes the
    limit the application sees the client as gone and its response is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        """Wrap ``app``, refusing bodies longer than ``max_bytes``."""
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the wrapped app with a counting ``receive``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if not started:
                    started = True
                    await self._refuse(send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            started = True
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": f"The request body is larger than the limit of {self.max_bytes} bytes.",
                }
            }
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to ``per_minute``."""

    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int) -> None:
        """Allow ``per_minute`` requests a minute per client (0 = unlimited)."""
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, client_id: str) -> float:
        """Take a token for ``client_id``: 0.0 when allowed, else the seconds until one is free."""
        if self.capacity <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client_id, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client_id] = (tokens - 1.0, now)
                self._prune(now)
                return 0.0
            self._buckets[client_id] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= self.MAX_CLIENTS:
            return
        full = [k for k, (tokens, last) in self._buckets.items() if tokens + (now - last) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]


class AnswerSlots:
    """At most ``limit`` answering requests in flight; one more is refused rather than queued."""

    def __init__(self, limit: int) -> None:
        """Allow ``limit`` concurrent answers (0 refuses every answering request)."""
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit) if limit > 0 else None

    def try_acquire(self) -> bool:
        """Take a slot if one is free, without waiting."""
        return self._semaphore is not None and self._semaphore.acquire(blocking=False)

    def release(self) -> None:
        """Give back a slot taken with ``try_acquire``."""
        if self._semaphore is not None:
            self._semaphore.release()


async def rate_limit(request: Request) -> None:
    """Refuse with 429 and ``Retry-After`` when the client (its key, else its address) is over its rate.

    Without API keys, clients on this machine (loopback) are not limited: the server then serves
    loopback only unless told otherwise, and local tools (``assistant eval --url``, ``bench``) send
    bursts.
    """
    limiter: RateLimiter = request.app.state.rate_limiter
    host = request.client.host if request.client else "unknown"
    if not request.app.state.api_keys and is_loopback(host):
        return
    client_id: str = getattr(request.state, "client_id", None) or f"ip:{host}"
    wait = limiter.acquire(client_id)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: the limit is {int(limiter.capacity)} a minute; retry in {seconds} s.",
            {"Retry-After": str(seconds)},
        )


async def answer_slot(request: Request) -> AsyncIterator[None]:
    """Hold one answering slot for the request; 503 when all are busy."""
    slots: AnswerSlots = request.app.state.answer_slots
    if not slots.try_acquire():
        raise ApiError(
            503,
            "overloaded",
            f"The server is answering its maximum of {slots.limit} requests at once; retry shortly.",
            {"Retry-After": "1"},
        )
    try:
        yield
    finally:
        slots.release()

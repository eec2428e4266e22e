"""What an evaluation talks to: the answerer in this process, or a deployed server over HTTP.

Both speak the ``/v1/chat`` contract, so the scorer treats them alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.generative import GenerativeAnswerer
from assistant.api.schemas import ChatResponse, PassageOut
from assistant.errors import AssistantError
from assistant.retrieve import RetrievalMode

SearchMode = RetrievalMode | Literal["sentences"]
"""A passage retrieval mode, or ``sentences``: the reader's own ranked evidence units."""


class TargetError(AssistantError):
    """The evaluated server could not be reached or answered with an error."""


@dataclass(frozen=True)
class Reply:
    """One ``/v1/chat`` response and how long it took."""

    body: dict[str, Any]
    seconds: float


class ChatTarget(Protocol):
    """Anything that answers ``/v1/chat`` requests and serves document texts."""

    def chat(self, messages: list[dict[str, str]]) -> Reply:
        """The response to a conversation."""
        ...

    def document_text(self, doc_id: str) -> str | None:
        """The text citations of ``doc_id`` index into, or None if unknown."""
        ...

    def search(self, query: str, k: int, mode: SearchMode) -> tuple[list[dict[str, Any]], float] | None:
        """Ranked passages and seconds taken, or None when this target cannot search in ``mode``."""
        ...


class InProcessTarget:
    """Calls the answerer directly, shaping replies exactly as the API does."""

    def __init__(self, answerer: GroundedAnswerer, generation: GenerativeAnswerer | None = None) -> None:
        """Evaluate ``answerer``, or generative answers over it when ``generation`` is given."""
        self.answerer = answerer
        self.generation = generation

    def chat(self, messages: list[dict[str, str]]) -> Reply:
        """Answer the user turns of ``messages``."""
        started = time.perf_counter()
        turns = [m["content"] for m in messages if m["role"] == "user"]
        if self.generation is not None:
            answer = self.generation.answer(self.answerer, turns)
        else:
            answer = self.answerer.answer(turns)
        seconds = time.perf_counter() - started
        return Reply(ChatResponse.of(answer, self.answerer.index.documents).model_dump(), seconds)

    def document_text(self, doc_id: str) -> str | None:
        """Text from the loaded index."""
        document = self.answerer.index.documents.get(doc_id)
        return document.text if document else None

    def search(self, query: str, k: int, mode: SearchMode) -> tuple[list[dict[str, Any]], float]:
        """Retrieval in any mode, timed including the query embedding; ``sentences`` gives the
        reader's top ``k`` evidence units (each with its list's lead-in) as passages."""
        started = time.perf_counter()
        if mode == "sentences":
            units = self.answerer.candidates(query, k)
            return [{"doc_id": u.doc_id, "kind": "chunk", "text": t, "start": u.start, "end": u.end} for u, t in units], (
                time.perf_counter() - started
            )
        hits = self.answerer.search(query, top_k=k, mode=mode)
        seconds = time.perf_counter() - started
        return [PassageOut.of(h).model_dump() for h in hits], seconds


class HttpTarget:
    """A deployed server, through its public API."""

    def __init__(self, url: str, *, api_key: str | None = None, timeout: float = 30.0) -> None:
        """Talk to the server at ``url`` (bearer ``api_key`` if given)."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)
        self._documents: dict[str, str | None] = {}

    def chat(self, messages: list[dict[str, str]]) -> Reply:
        """POST /v1/chat."""
        started = time.perf_counter()
        response = self._request("POST", "/v1/chat", json={"messages": messages})
        return Reply(response.json(), time.perf_counter() - started)

    def document_text(self, doc_id: str) -> str | None:
        """GET /v1/documents/{doc_id}, cached."""
        if doc_id not in self._documents:
            response = self._client.get(f"/v1/documents/{doc_id}")
            self._documents[doc_id] = response.json()["text"] if response.status_code == 200 else None
        return self._documents[doc_id]

    def search(self, query: str, k: int, mode: SearchMode) -> tuple[list[dict[str, Any]], float] | None:
        """GET /v1/search (the server's hybrid retrieval only)."""
        if mode != "hybrid":
            return None
        started = time.perf_counter()
        response = self._request("GET", "/v1/search", params={"q": query, "k": k})
        return response.json()["passages"], time.perf_counter() - started

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpTarget:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TargetError(f"Cannot reach {self._client.base_url}{path}: {exc}") from exc
        if response.status_code == 401:
            raise TargetError(f"{self._client.base_url} refused the request (401): pass --api-key.")
        if response.status_code >= 400:
            raise TargetError(f"{self._client.base_url}{path} answered {response.status_code}: {response.text[:300]}")
        return response

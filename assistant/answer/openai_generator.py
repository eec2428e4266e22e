"""A ``Generator`` on an OpenAI-compatible model server, through the official ``openai`` client.

vLLM, Ollama, llama.cpp's server and hosted endpoints all speak this API. Every failure becomes a
:class:`GeneratorError` with a reason, and never carries the prompt or the reply (they may hold
patient details). Imported only when a model server is configured (``openai`` takes ~0.4 s to load).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import openai

from assistant.answer.generate import Completion, Health, Message
from assistant.errors import ConfigError, GeneratorError

log = logging.getLogger(__name__)

# /healthz must answer promptly even when the model server hangs; its answer is reused briefly.
_HEALTH_TIMEOUT_SECONDS = 3.0
_HEALTH_TTL_SECONDS = 5.0


class OpenAIGenerator:
    """A model on an OpenAI-compatible server (vLLM, Ollama, llama.cpp's server, a hosted endpoint)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_seconds: float = 30.0,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> None:
        """Talk to ``model`` at ``base_url`` (e.g. ``http://127.0.0.1:11434/v1``).

        ``timeout_seconds`` bounds each request and each wait between streamed pieces; nothing is
        retried (the extractive answer is the fallback, so a slow server costs one timeout).

        Raises:
            ConfigError: ``model`` is blank or a limit is out of range.
        """
        if not model.strip():
            raise ConfigError("the model server needs a model name: set ASSISTANT_LLM_MODEL")
        if timeout_seconds <= 0 or max_tokens < 1:
            raise ConfigError(f"invalid model limits: timeout {timeout_seconds!r} s, max tokens {max_tokens!r}")
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        # Servers without keys (Ollama, a local vLLM) accept any placeholder.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_seconds, max_retries=0
        )
        self._health_timeout = min(timeout_seconds, _HEALTH_TIMEOUT_SECONDS)
        self._health: tuple[float, Health] | None = None

    def complete(self, messages: list[Message]) -> Completion:
        """The whole reply.

        Raises:
            GeneratorError: the server timed out, could not be reached, answered an error status, or
                sent something that is not a chat completion.
        """
        try:
            reply = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=self.max_tokens,
                temperature=self.temperature,
            )
        except _CLIENT_ERRORS as exc:
            raise _failure(exc) from exc
        choices = getattr(reply, "choices", None)
        first = choices[0] if isinstance(choices, list) and choices else None
        content = getattr(getattr(first, "message", None), "content", None)
        if not isinstance(content, str):
            raise GeneratorError("malformed", "the model server's reply has no message text")
        return Completion(content, getattr(first, "finish_reason", None) != "length")

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """The reply's text pieces as the server streams them.

        Raises:
            GeneratorError: as :meth:`complete`, or ``interrupted`` when the stream ends without the
                model finishing, or ``truncated`` when it stopped at the token limit.
        """
        finish: str | None = None
        try:
            chunks = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                stream=True,
            )
            for chunk in chunks:
                choices = getattr(chunk, "choices", None)
                if not isinstance(choices, list):
                    raise GeneratorError("malformed", "a streamed piece from the model server is not a chat chunk")
                for choice in choices:
                    content = getattr(getattr(choice, "delta", None), "content", None)
                    if isinstance(content, str) and content:
                        yield content
                    finish = getattr(choice, "finish_reason", None) or finish
        except _CLIENT_ERRORS as exc:
            raise _failure(exc) from exc
        if finish is None:
            raise GeneratorError("interrupted", "the model server's stream ended before the model finished")
        if finish == "length":
            raise GeneratorError("truncated", "the model reached the token limit (ASSISTANT_LLM_MAX_TOKENS)")

    def health(self) -> Health:
        """``ok`` when ``GET <base_url>/models`` answers, else ``unreachable`` (within a few seconds).

        The result is kept for a few seconds, so a monitor polling ``/healthz`` does not hold a
        server thread per poll while the model server hangs."""
        cached = self._health
        if cached is not None and time.monotonic() - cached[0] < _HEALTH_TTL_SECONDS:
            return cached[1]
        status: Health = "ok"
        try:
            self._client.with_options(timeout=self._health_timeout).models.list()
        except Exception as exc:  # any failure means the generator cannot be relied on now
            log.warning("model server health check failed: %s", type(exc).__name__)
            status = "unreachable"
        self._health = (time.monotonic(), status)
        return status

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


# What the openai client raises: its own errors (transport, status, validation) and, for a body
# that is not JSON, json's ValueError; TypeError for JSON of the wrong shape.
_CLIENT_ERRORS = (openai.OpenAIError, ValueError, TypeError)


def _failure(exc: Exception) -> GeneratorError:
    """A typed error for what the client raised (never the prompt or reply text: they may hold PHI)."""
    if isinstance(exc, openai.APITimeoutError):
        return GeneratorError("timeout", "the model server did not answer in time (ASSISTANT_LLM_TIMEOUT_SECONDS)")
    if isinstance(exc, openai.APIConnectionError):
        return GeneratorError("unreachable", f"cannot reach the model server ({type(exc).__name__})")
    if isinstance(exc, openai.APIStatusError):
        return GeneratorError("server_error", f"the model server answered HTTP {exc.status_code}")
    return GeneratorError("malformed", f"the model server's reply cannot be read ({type(exc).__name__})")

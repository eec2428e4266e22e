"""An error that the HTTP layer turns into a JSON error with a given status, code and headers."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.errors import AssistantError


class ApiError(AssistantError):
    """A refused request: ``status`` and ``code`` go in the response, ``message`` says what to do."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

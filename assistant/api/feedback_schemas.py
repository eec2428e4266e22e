"""Request and response bodies of ``POST /v1/feedback``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.api.schemas import ChatMessage, ChatResponse

MAX_FEEDBACK_CHARS = 4_000


class FeedbackRequest(BaseModel):
    """An evaluator's verdict on one answer, sent with the conversation that led to it."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{
                "rating": "down",
                "comment": "Should mention the add-on code.",
                "expected_answer": "64642 for the first extremity plus 64643 for the second.",
                "messages": [{"role": "user", "content": "Both arms in one session?"}],
                "response": {
                    "answer": "...", "abstained": False, "confidence": 0.9, "query": "Both arms in one session?",
                    "index_version": "1787823dd79ebc5f", "citations": [], "conflicts": [],
                },
            }]
        },
    )

    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_FEEDBACK_CHARS, description="Optional; redacted before storing.")
    expected_answer: str | None = Field(
        None, max_length=MAX_FEEDBACK_CHARS, description="What the answer should have said; redacted before storing."
    )
    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=50,
        description="The conversation up to the judged answer, with at least one user message; redacted before storing.",
        json_schema_extra={"contains": {"type": "object", "properties": {"role": {"const": "user"}}, "required": ["role"]}},
    )
    response: ChatResponse = Field(description="The judged answer, as `POST /v1/chat` returned it.")

    @model_validator(mode="after")
    def _has_a_question(self) -> FeedbackRequest:
        if not any(message.role == "user" for message in self.messages):
            raise ValueError("messages must include the user's question")
        return self


class FeedbackReceipt(BaseModel):
    """What was stored: its id, when, and how many identifiers were masked."""

    id: int
    created_at: str
    redactions: int = Field(
        description="Identifiers masked (names after a cue, DOB, SSN, phone, e-mail, address, member/record/claim numbers ...)."
    )

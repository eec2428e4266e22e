"""Request and response bodies of the OpenAI-compatible API (``/v1/chat/completions``, ``/v1/models``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.api.schemas import (
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES,
    MAX_REPLY_CHARS,
    NOT_BLANK,
    CitationOut,
    ConflictOut,
    content_limit,
)

IGNORED_PARAMETERS = (
    "model",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "user",
    "n",
    "stream_options",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "stop",
)


class TextPart(BaseModel):
    """One text part of a message's content."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["text"]
    text: str


# Text parts are not blank together when one of them is not: the schema's ``contains`` says so.
_SOME_PART_NOT_BLANK = {"type": "object", "properties": {"text": {"type": "string", "pattern": NOT_BLANK}}, "required": ["text"]}


class OpenAIMessage(BaseModel):
    """One OpenAI chat message; ``system``/``developer`` messages are accepted and ignored."""

    model_config = ConfigDict(extra="forbid", strict=True)

    role: Literal["system", "developer", "user", "assistant"]
    content: (
        Annotated[str, Field(min_length=1, max_length=MAX_REPLY_CHARS, json_schema_extra={"pattern": NOT_BLANK})]
        | Annotated[list[TextPart], Field(min_length=1, json_schema_extra={"contains": _SOME_PART_NOT_BLANK})]
    ) = Field(
        description=(
            f"A string or text parts, not blank, at most {MAX_MESSAGE_CHARS} characters in all from the user "
            f"(the parts' texts count together), {MAX_REPLY_CHARS} in other messages (earlier answers sent back)."
        )
    )
    name: str | None = Field(None, description="Accepted and ignored.")

    @model_validator(mode="after")
    def _within_limits(self) -> OpenAIMessage:
        text = self.text()
        limit = content_limit(self.role)
        if len(text) > limit:
            raise ValueError(f"content must have at most {limit} characters")
        if not text.strip():
            raise ValueError("content must not be blank")
        return self

    def text(self) -> str:
        """The content as one string (text parts joined)."""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class StreamOptions(BaseModel):
    """OpenAI stream options; accepted and ignored."""

    model_config = ConfigDict(extra="allow", strict=True)

    include_usage: bool | None = None


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat-completion request; the last user message is answered from the sources."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"model": "coding-assistant", "messages": [{"role": "user", "content": "Is CPT 64642 covered by Aetna?"}]}
            ]
        },
    )

    messages: list[OpenAIMessage] = Field(
        min_length=1,
        max_length=MAX_MESSAGES,
        description=(
            f"At most {MAX_MESSAGES} messages, user messages of at most {MAX_MESSAGE_CHARS} characters; the last non-system "
            "message from the user. System and developer messages are ignored: they cannot change the "
            "sources or the grounding."
        ),
    )
    stream: bool | None = Field(False, description="True: server-sent chat.completion.chunk events, then [DONE].")
    model: str | None = Field(None, description="Accepted and ignored: the assistant is the only model.")
    temperature: float | None = Field(None, description="Accepted and ignored (answers are deterministic).")
    top_p: float | None = Field(None, description="Accepted and ignored.")
    max_tokens: int | None = Field(None, description="Accepted and ignored (answers are never cut).")
    max_completion_tokens: int | None = Field(None, description="Accepted and ignored.")
    user: str | None = Field(None, description="Accepted and ignored (never logged).")
    n: int | None = Field(None, ge=1, le=1, description="Only 1 is supported (one answer).")
    stream_options: StreamOptions | None = Field(None, description="Accepted and ignored (no usage chunk).")
    presence_penalty: float | None = Field(None, description="Accepted and ignored.")
    frequency_penalty: float | None = Field(None, description="Accepted and ignored.")
    seed: int | None = Field(None, description="Accepted and ignored (answers are deterministic).")
    stop: str | list[str] | None = Field(None, description="Accepted and ignored.")

    @model_validator(mode="after")
    def _last_from_user(self) -> ChatCompletionRequest:
        turns = [m for m in self.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1].role != "user":
            raise ValueError("the last non-system message must have role 'user'")
        return self

    def user_turns(self) -> list[str]:
        """The user messages' text, in order."""
        return [m.text() for m in self.messages if m.role == "user"]


class Grounding(BaseModel):
    """What the answer rests on: the same citations and conflicts as ``POST /v1/chat``."""

    citations: list[CitationOut]
    abstained: bool = Field(description="True when the sources do not support an answer.")
    confidence: float = Field(ge=0.0, le=1.0)
    index_version: str
    query: str = Field(description="The standalone question actually searched.")
    conflicts: list[ConflictOut] = Field(default_factory=list)
    mode: Literal["extractive", "generative"] = Field("extractive", description="Who wrote the text (see POST /v1/chat).")
    dropped_sentences: int = Field(0, ge=0, description="Generated sentences that failed verification.")
    prompt_version: str | None = Field(None, description="The generator prompt's version when a model was asked.")


class AssistantMessage(BaseModel):
    """The assistant's reply."""

    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    """The single choice of a completion."""

    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    """An OpenAI ``chat.completion`` plus ``grounding`` (clients that ignore it still work)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    system_fingerprint: str = Field(description="The index version.")
    choices: list[CompletionChoice]
    usage: None = None
    grounding: Grounding


class ChunkDelta(BaseModel):
    """Part of the reply in a stream chunk."""

    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    """The single choice of a stream chunk."""

    index: int = 0
    delta: ChunkDelta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One ``chat.completion.chunk`` event; the last one has ``finish_reason`` "stop" and ``grounding``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    system_fingerprint: str
    choices: list[ChunkChoice]
    grounding: Grounding | None = None


class ModelCard(BaseModel):
    """The assistant as an OpenAI model."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "coding-assistant"


class ModelList(BaseModel):
    """The models this server offers: the assistant alone."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


def unknown_parameters(errors: list[dict[str, Any]]) -> list[str]:
    """The dotted locations of fields a validation error calls unknown (``extra_forbidden``)."""
    return [
        ".".join(str(p) for p in error.get("loc", ()) if p != "body" and not _union_branch(p))
        for error in errors
        if error.get("type") == "extra_forbidden"
    ]


def _union_branch(part: object) -> bool:
    """Whether a location part names the branch of a union pydantic tried (``str``, ``list[TextPart]``)."""
    return isinstance(part, str) and (part == "str" or "[" in part)

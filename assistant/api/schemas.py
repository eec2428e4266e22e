"""Request and response bodies of the HTTP API (kept apart from internal models)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from assistant.models import Answer, Citation, Document, ScoredPassage

MAX_MESSAGES = 40
MAX_MESSAGE_CHARS = 4000  # a user's question
# A reply of the assistant's sent back as history: clients send our own answers back unchanged, and
# a long answer (a whole list, each item cited) runs past a question's limit. Replies are not read.
MAX_REPLY_CHARS = 100_000
NOT_BLANK = r"\S"


def content_limit(role: str) -> int:
    """The most characters a message of ``role`` may hold: a user's question, or anything else sent
    back as history (``MAX_REPLY_CHARS``)."""
    return MAX_MESSAGE_CHARS if role == "user" else MAX_REPLY_CHARS


def _whole(value: object) -> object:
    """2468.0 -> 2468: JSON Schema's "integer" admits a number with no fractional part, and the
    strict models that read answers back (``POST /v1/feedback``) must accept what the schema does."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


JsonInt = Annotated[int, BeforeValidator(_whole)]


class ChatMessage(BaseModel):
    """One turn of the conversation."""

    model_config = ConfigDict(extra="forbid", strict=True)

    role: Literal["user", "assistant"]
    content: str = Field(
        min_length=1,
        max_length=MAX_REPLY_CHARS,
        json_schema_extra={"pattern": NOT_BLANK},
        description=f"Not blank; at most {MAX_MESSAGE_CHARS} characters from the user, {MAX_REPLY_CHARS} in an assistant reply.",
    )

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value

    @model_validator(mode="after")
    def _question_within_limit(self) -> ChatMessage:
        if len(self.content) > content_limit(self.role):
            raise ValueError(f"a {self.role} message must have at most {content_limit(self.role)} characters")
        return self


class ChatRequest(BaseModel):
    """A conversation whose last message, from the user, is to be answered."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"messages": [{"role": "user", "content": "Is CPT 64642 covered by Aetna?"}]}]
        },
    )

    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=MAX_MESSAGES,
        description=(
            f"At most {MAX_MESSAGES} messages, user messages of at most {MAX_MESSAGE_CHARS} characters; the last "
            "from the user. Assistant messages (earlier answers, sent back as they came) are not read."
        ),
    )
    top_k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default from settings).")
    stream: bool = Field(
        False,
        description=(
            "Answer as server-sent events: `delta` ({text}: the answer sentence by sentence), "
            "`citations` (the citation objects), `done` (the full response object), `error` ({message})."
        ),
    )

    @model_validator(mode="after")
    def _last_from_user(self) -> ChatRequest:
        if self.messages[-1].role != "user":
            raise ValueError("the last message must have role 'user'")
        return self

    def user_turns(self) -> list[str]:
        """The user messages, in order."""
        return [m.content for m in self.messages if m.role == "user"]


class CitationOut(BaseModel):
    """A checkable citation: ``quote == GET /v1/documents/{doc_id} .text[start:end]``."""

    model_config = ConfigDict(strict=True)

    marker: JsonInt
    doc_id: str
    title: str
    section: str | None
    start: JsonInt
    end: JsonInt
    quote: str
    source_url: str | None
    score: float
    kind: Literal["publication", "reference"] = Field(
        description="publication: a source document's own words; reference: this project's summary of a named source."
    )
    source: str | None = Field(description="Who said it: the publisher, or the named source of a summary.")
    confidence: Literal["high", "medium"] | None = Field(description="For summarized reference facts.")
    page: JsonInt | None = Field(None, description="The PDF page the quote starts on (1-based); null for other sources.")
    provenance: Literal["given", "from_file"] = Field(
        "given",
        description="given: the document's title, publisher and URL were given by the person who loaded it (flags, "
        "manifest) or are the project's own; from_file: some of them are the file's own claim about itself.",
    )

    @classmethod
    def of(cls, citation: Citation, document: Document | None = None) -> CitationOut:
        """Copy an internal citation; ``document`` (the one it quotes) gives its page and provenance
        (without it, the provenance cannot be vouched for: ``from_file``)."""
        page = document.page_at(citation.start) if document is not None else None
        provenance = document.provenance if document is not None else "from_file"
        return cls(**citation.__dict__, page=page, provenance=provenance)


class ConflictClaimOut(BaseModel):
    """One side of a disagreement and the citation marker it rests on."""

    model_config = ConfigDict(strict=True)

    text: str
    citation: JsonInt


class ConflictOut(BaseModel):
    """Sources that disagree on something the answer touches."""

    model_config = ConfigDict(strict=True)

    topic: str
    claims: list[ConflictClaimOut]


class ChatResponse(BaseModel):
    """The answer with its citations and the facts needed to audit it."""

    # Strict, like the models it holds: POST /v1/feedback reads responses back from clients, uncoerced.
    model_config = ConfigDict(strict=True)

    answer: str
    abstained: bool = Field(description="True when the sources do not support an answer.")
    confidence: float = Field(ge=0.0, le=1.0, description="Support score that drives abstention.")
    query: str = Field(description="The standalone question actually searched.")
    index_version: str
    citations: list[CitationOut]
    conflicts: list[ConflictOut] = Field(default_factory=list, description="Where cited sources disagree.")
    intent: str | None = Field(None, description="The kind of question recognised (prompts/intents.yaml), if any.")
    mode: Literal["extractive", "generative"] = Field(
        "extractive",
        description=(
            "extractive: quotes chosen by the evidence reader; generative: written by the configured model, "
            "every sentence verified against the passages it cites."
        ),
    )
    dropped_sentences: JsonInt = Field(0, ge=0, description="Sentences the model wrote that failed verification (not shown).")
    prompt_version: str | None = Field(None, description="The generator prompt's version when a model was asked, else null.")

    @classmethod
    def of(cls, answer: Answer, documents: Mapping[str, Document] | None = None) -> ChatResponse:
        """Copy an internal answer; ``documents`` (by id) give each citation's page."""
        documents = documents or {}
        return cls(
            answer=answer.text,
            abstained=answer.abstained,
            confidence=answer.confidence,
            query=answer.query,
            index_version=answer.index_version,
            citations=[CitationOut.of(c, documents.get(c.doc_id)) for c in answer.citations],
            conflicts=[
                ConflictOut(topic=c.topic, claims=[ConflictClaimOut(text=x.text, citation=x.citation) for x in c.claims])
                for c in answer.conflicts
            ],
            intent=answer.intent,
            mode=answer.mode,
            dropped_sentences=answer.dropped_sentences,
            prompt_version=answer.prompt_version,
        )


class PassageOut(BaseModel):
    """A ranked passage from search."""

    passage_id: str
    kind: Literal["chunk", "fact"]
    doc_id: str
    section: str | None
    start: int
    end: int
    text: str
    score: float

    @classmethod
    def of(cls, hit: ScoredPassage) -> PassageOut:
        """Copy a scored passage."""
        p = hit.passage
        return cls(
            passage_id=p.passage_id,
            kind=p.kind,
            doc_id=p.doc_id,
            section=p.section,
            start=p.start,
            end=p.end,
            text=p.text,
            score=round(hit.score, 6),
        )


class SearchResponse(BaseModel):
    """Passages for a query, best first."""

    query: str
    index_version: str
    passages: list[PassageOut]


class DocumentSummary(BaseModel):
    """A corpus document without its text."""

    doc_id: str
    title: str
    publisher: str
    source_url: str | None
    codes: list[str]
    provenance: Literal["given", "from_file"] = Field(
        "given", description="from_file: its title, publisher or URL is the file's own claim (see citations)."
    )


class DocumentOut(BaseModel):
    """A corpus document with the exact text citations index into."""

    doc_id: str
    title: str
    source_url: str | None
    codes: list[str]
    text: str

    @classmethod
    def of(cls, document: Document) -> DocumentOut:
        """Copy a document."""
        return cls(
            doc_id=document.doc_id,
            title=document.title,
            source_url=document.source_url,
            codes=list(document.codes),
            text=document.text,
        )


class ErrorBody(BaseModel):
    """What went wrong and what to do about it."""

    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx response body."""

    error: ErrorBody


class Health(BaseModel):
    """Liveness plus what is loaded."""

    status: Literal["ok"]
    index_version: str
    documents: int
    passages: int
    generator: Literal["off", "ok", "unreachable"] = Field(
        "off", description="The optional model server: off (not configured), ok (it answers) or unreachable."
    )


class ReloadResponse(BaseModel):
    """What ``POST /v1/admin/reload`` did."""

    reloaded: bool = Field(description="False when the build on disk is the one already served (nothing changed).")
    old_index_version: str = Field(description="The index served before the call.")
    new_index_version: str = Field(description="The index served from now on.")

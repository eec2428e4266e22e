"""Typed records that travel between the stages: documents, facts, passages, citations, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["chunk", "fact"]


@dataclass(frozen=True)
class Document:
    """A source document: front-matter metadata plus the exact text citations point into."""

    doc_id: str
    title: str
    publisher: str
    source_url: str | None
    codes: tuple[str, ...]
    added: str | None
    text: str
    path: str


@dataclass(frozen=True)
class Fact:
    """A claim a document makes, with the exact span of that document supporting it."""

    fact_id: str
    fact_type: str
    doc_id: str
    statement: str
    quote: str
    start: int
    end: int
    entities: tuple[str, ...]
    summary: bool = False


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: a chunk of a document or a fact, pointing at a document span."""

    passage_id: str
    kind: PassageKind
    doc_id: str
    text: str
    start: int
    end: int
    section: str | None
    fact_id: str | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document with its character span, the unit the extractor quotes."""

    doc_id: str
    start: int
    end: int
    section: str | None


@dataclass(frozen=True)
class ScoredPassage:
    """A passage with its fused retrieval score and the per-retriever evidence behind it."""

    passage: Passage
    score: float
    dense_score: float
    lexical_score: float
    code_matches: int = 0


@dataclass(frozen=True)
class Citation:
    """A checkable pointer: ``quote == documents[doc_id].text[start:end]``."""

    marker: int
    doc_id: str
    title: str
    section: str | None
    start: int
    end: int
    quote: str
    source_url: str | None
    score: float


@dataclass(frozen=True)
class Answer:
    """What the assistant says, with citations, its support score and the query it searched."""

    text: str
    abstained: bool
    confidence: float
    query: str
    index_version: str
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    intent: str | None = None

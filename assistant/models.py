"""Typed records that travel between the stages: documents, facts, passages, citations, answers."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["chunk", "fact"]
SentenceKind = Literal["sentence", "item", "row"]
DocumentKind = Literal["publication", "reference"]
Confidence = Literal["high", "medium"]
AnswerMode = Literal["extractive", "generative"]
Provenance = Literal["given", "from_file"]
MetadataField = Literal["title", "publisher", "source_url"]


UNKNOWN_PUBLISHER = "unknown"
"""The publisher of an ingested document when neither the file nor the command names one."""


@dataclass(frozen=True)
class Document:
    """A source document: front-matter metadata plus the exact text citations point into.

    ``page_starts`` (a PDF's) holds the offset in ``text`` where each page 1..n begins;
    ``pages_without_text`` the 1-based pages that had no text layer and were not read.
    ``from_file`` names the metadata (title, publisher, source_url) read from the file itself
    rather than given by the person who ingested it (flags, manifest) or the curated corpus.
    ``flagged`` holds the ``(start, end)`` spans of lines that address a model or impersonate a
    chat turn (``assistant.ingest.injection``): they stay in ``text`` but are never evidence.
    """

    doc_id: str
    title: str
    publisher: str
    source_url: str | None
    codes: tuple[str, ...]
    added: str | None
    text: str
    path: str
    kind: DocumentKind = "publication"
    ingested: bool = False
    page_starts: tuple[int, ...] = ()
    pages_without_text: tuple[int, ...] = ()
    from_file: tuple[MetadataField, ...] = ()
    flagged: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        # Spans read back from JSON arrive as lists; keep them tuples (hashable, comparable).
        object.__setattr__(self, "flagged", tuple((int(start), int(end)) for start, end in self.flagged))

    @property
    def provenance(self) -> Provenance:
        """``from_file`` when any of its title, publisher or URL is the file's own claim, else ``given``."""
        return "from_file" if self.from_file else "given"

    def is_flagged(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` overlaps a flagged line (see ``flagged``)."""
        return any(begin < end and start < finish for begin, finish in self.flagged)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that character ``offset`` of ``text`` is on; None without a page map."""
        if not self.page_starts or offset < 0:
            return None
        return max(1, bisect_right(self.page_starts, offset))


@dataclass(frozen=True)
class Fact:
    """A claim with the exact span of a document supporting it.

    A *quoted* fact is something a publication says, its quote taken from the publication. An
    *attested* fact is this project's summary of a named outside source (``source``,
    ``source_url``, ``confidence``, dates in force); its span is its own line in a generated
    reference document.
    """

    fact_id: str
    fact_type: str
    doc_id: str
    statement: str
    quote: str
    start: int
    end: int
    entities: tuple[str, ...]
    summary: bool = False
    source: str | None = None
    source_url: str | None = None
    confidence: Confidence | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    negative: bool = False

    @property
    def attested(self) -> bool:
        """True for this project's summary of an outside source, False for a publication quote."""
        return self.source is not None

    def in_force(self, first: str, last: str) -> bool:
        """Whether the fact applies on some day between ISO dates ``first`` and ``last``."""
        return (self.effective_from is None or self.effective_from <= last) and (
            self.effective_to is None or first <= self.effective_to
        )


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
    """A sentence of a document with its character span, the unit the extractor quotes.

    ``kind`` says whether it is running text, a list item or a table row; ``lead_in`` is the span
    ``(start, end)`` of the line that introduces its list ("The following are not covered:"), if any;
    ``note_of`` is, for a footnote, the span of the sentence whose marker calls it ("... a trialb of
    ..." for "b For Kentucky business, only a 30-day trial ...").
    """

    doc_id: str
    start: int
    end: int
    section: str | None
    kind: SentenceKind = "sentence"
    lead_in: tuple[int, int] | None = None
    note_of: tuple[int, int] | None = None


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
    kind: DocumentKind = "publication"
    source: str | None = None
    confidence: Confidence | None = None


@dataclass(frozen=True)
class ConflictSpec:
    """A declared disagreement: its topic and, per side, a label and the fact ids stating it."""

    conflict_id: str
    topic: str
    sides: tuple[tuple[str, tuple[str, ...]], ...]
    intents: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    def concerns(self, intent: str, entity_keys: set[str]) -> bool:
        """Whether a question of ``intent`` naming ``entity_keys`` is about this conflict."""
        return intent in self.intents or bool(entity_keys & set(self.entities))


@dataclass(frozen=True)
class ConflictClaim:
    """One side of a disagreement: what it says and the citation marker it rests on."""

    text: str
    citation: int


@dataclass(frozen=True)
class Conflict:
    """Sources that disagree on a topic the answer touches; each side is cited."""

    topic: str
    claims: tuple[ConflictClaim, ...]


@dataclass(frozen=True)
class Answer:
    """What the assistant says, with citations, its support score and the query it searched.

    ``mode`` says who wrote the text: the extractive reader (quotes) or a model whose every sentence
    was verified against its citations; ``dropped_sentences`` counts the model's sentences that
    failed verification; ``prompt_version`` names the prompt when a model was asked (else None).
    """

    text: str
    abstained: bool
    confidence: float
    query: str
    index_version: str
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    intent: str | None = None
    conflicts: tuple[Conflict, ...] = field(default_factory=tuple)
    mode: AnswerMode = "extractive"
    dropped_sentences: int = 0
    prompt_version: str | None = None

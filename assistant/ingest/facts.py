"""Read quoted facts: claims a corpus document makes, each tied to the exact quote supporting it."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import CorpusError
from assistant.ingest.documents import DOC_ID_PATTERN
from assistant.ingest.yaml_files import read_yaml_model
from assistant.models import Document, Fact

ENTITY_PATTERN = r"^[a-z_]+:[A-Za-z0-9._&-]+$"


class FactRecord(BaseModel):
    """One fact as written in a facts file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    type: str = Field(pattern=r"^[a-z_]+$")
    statement: str = Field(min_length=1, description="The claim, attributed to its document.")
    quote: str = Field(min_length=1, description="Exact text of the document supporting the claim.")
    entities: list[str] = Field(default_factory=list)
    summary: bool = Field(False, description="True when the fact lists every item of its type.")
    doc_id: str | None = Field(None, pattern=DOC_ID_PATTERN)

    def entity_errors(self) -> list[str]:
        """Entity keys that are not of the form ``kind:value``."""
        return [e for e in self.entities if not re.match(ENTITY_PATTERN, e)]


class FactsFile(BaseModel):
    """A facts file: a default document id and its facts."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str = Field(pattern=DOC_ID_PATTERN)
    facts: list[FactRecord] = Field(min_length=1)


def read_facts(folder: Path, documents: dict[str, Document]) -> list[Fact]:
    """Read and check every ``*.yaml`` facts file under ``folder`` against the documents.

    Raises:
        CorpusError: naming the file and fact when a field is invalid, an id repeats, the document
            is unknown, or the quote is not in the document text.
    """
    if not folder.is_dir():
        return []
    facts: list[Fact] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        parsed = read_yaml_model(path, FactsFile, "facts file")
        for record in parsed.facts:
            fact = _to_fact(path, record, parsed.doc_id, documents)
            if fact.fact_id in seen:
                raise CorpusError(f"{path}: fact {fact.fact_id!r} is defined twice.")
            seen.add(fact.fact_id)
            facts.append(fact)
    return facts


def _to_fact(path: Path, record: FactRecord, default_doc: str, documents: dict[str, Document]) -> Fact:
    bad_entities = record.entity_errors()
    if bad_entities:
        raise CorpusError(f"{path}: fact {record.id!r} has malformed entities {bad_entities} (use kind:value).")
    doc_id = record.doc_id or default_doc
    document = documents.get(doc_id)
    if document is None:
        raise CorpusError(f"{path}: fact {record.id!r} names unknown document {doc_id!r}.")
    start = document.text.find(record.quote)
    if start < 0:
        raise CorpusError(
            f"{path}: fact {record.id!r}: its quote is not in document {doc_id!r} "
            f"(quote begins {record.quote[:60]!r}). Copy the quote exactly from the document."
        )
    return Fact(
        fact_id=record.id,
        fact_type=record.type,
        doc_id=doc_id,
        statement=record.statement.strip(),
        quote=record.quote,
        start=start,
        end=start + len(record.quote),
        entities=tuple(record.entities),
        summary=record.summary,
    )

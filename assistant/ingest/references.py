"""Attested reference facts: this project's summaries of named public coding sources.

Each ``corpus/references/<topic>.yaml`` becomes a generated reference document whose title says
plainly it is this project's summary; each fact is one line of it naming its source, confidence
and dates, so a citation's ``quote`` is that line, exactly. ICD-10-CM descriptions are never
typed by hand: a file's ``icd_codes`` are described from the pinned ``simple-icd-10-cm`` package
at build time.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from assistant.errors import CorpusError
from assistant.ingest.documents import DOC_ID_PATTERN
from assistant.ingest.facts import ENTITY_PATTERN
from assistant.ingest.yaml_files import read_yaml_model
from assistant.models import Document, Fact

PUBLISHER = "This project (summary of public coding references)"
PREAMBLE = (
    "This document is this project's own summary of public coding references, written for this "
    "assistant; it is not the text of any of them. Each line states one fact and names its source "
    "and confidence, and the dates it applies where known."
)
ICD_PACKAGE = "simple-icd-10-cm"


class AttestedFactRecord(BaseModel):
    """One attested fact as written in a references file: a source is required."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    type: str = Field(pattern=r"^[a-z_]+$")
    statement: str = Field(min_length=1, description="One sentence, attributing its source.")
    entities: list[str] = Field(default_factory=list)
    source: str = Field(min_length=1, description="Bibliographic name of the source.")
    source_url: HttpUrl | None = None
    confidence: Literal["high", "medium"]
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    summary: bool = False
    negative: bool = Field(False, description="States that something is NOT in the sources.")


class ReferencesFile(BaseModel):
    """A topic's attested facts, plus (optionally) ICD-10-CM codes to describe from the package."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str = Field(pattern=DOC_ID_PATTERN)
    title: str = Field(min_length=1)
    facts: list[AttestedFactRecord] = Field(default_factory=list)
    icd_codes: list[str] = Field(default_factory=list, description="Codes or ranges like G24.1-G24.9.")
    icd_source: str | None = None
    icd_doc_id: str = Field("ref-icd10", pattern=DOC_ID_PATTERN)
    icd_title: str = "ICD-10-CM code descriptions (this project's list, described by the simple-icd-10-cm package)"
    icd_conditions: dict[str, str] = Field(default_factory=dict, description="code prefix -> condition key")
    icd_effective_from: dict[str, dt.date] = Field(default_factory=dict, description="code prefix -> date")


def read_references(folder: Path) -> tuple[list[Document], list[Fact]]:
    """Generated reference documents and their attested facts from every ``*.yaml`` in ``folder``.

    Raises:
        CorpusError: naming the file and fact when a field is missing (a source above all) or
            invalid, an entity is malformed, an id repeats, or an ICD-10-CM code is unknown.
    """
    if not folder.is_dir():
        return [], []
    documents: list[Document] = []
    facts: list[Fact] = []
    for path in sorted(folder.glob("*.yaml")):
        parsed = _parse(path)
        lines = [_line(path, record) for record in parsed.facts]
        if lines:
            document, doc_facts = _document(parsed.doc_id, parsed.title, str(path), lines)
            documents.append(document)
            facts.extend(doc_facts)
        if parsed.icd_codes:
            icd_lines = [_icd_line(path, parsed, code) for code in _expand_codes(path, parsed.icd_codes)]
            document, doc_facts = _document(parsed.icd_doc_id, parsed.icd_title, f"{path} ({ICD_PACKAGE})", icd_lines)
            documents.append(document)
            facts.extend(doc_facts)
    seen: set[str] = set()
    for fact in facts:
        if fact.fact_id in seen:
            raise CorpusError(f"{folder}: reference fact {fact.fact_id!r} is defined twice.")
        seen.add(fact.fact_id)
    return documents, facts


def icd_package_version() -> str:
    """Version of the ICD-10-CM data package (part of what an index is built from)."""
    return f"{ICD_PACKAGE}=={importlib.metadata.version(ICD_PACKAGE)}"


def _parse(path: Path) -> ReferencesFile:
    parsed = read_yaml_model(path, ReferencesFile, "references file")
    for record in parsed.facts:
        bad = [e for e in record.entities if not re.match(ENTITY_PATTERN, e)]
        if bad:
            raise CorpusError(f"{path}: fact {record.id!r} has malformed entities {bad} (use kind:value).")
    return parsed


class _Line:
    """A fact's line of a generated document, before its offsets are known."""

    def __init__(self, text: str, fact: dict[str, object]) -> None:
        self.text = text
        self.fact = fact


def _line(path: Path, record: AttestedFactRecord) -> _Line:
    statement = " ".join(record.statement.split())
    if not statement.endswith("."):
        raise CorpusError(f"{path}: fact {record.id!r}: the statement must be one sentence ending with a period.")
    details = [f"Source: {record.source}" + (f", {record.source_url}" if record.source_url else ""),
               f"confidence: {record.confidence}"]
    if record.effective_from:
        details.append(f"in effect from {record.effective_from.isoformat()}")
    if record.effective_to:
        details.append(f"until {record.effective_to.isoformat()}")
    text = f"{statement} ({'; '.join(details)}.)"
    return _Line(text, {
        "fact_id": record.id,
        "fact_type": record.type,
        "statement": statement,
        "entities": tuple(record.entities),
        "summary": record.summary,
        "negative": record.negative,
        "source": record.source,
        "source_url": str(record.source_url) if record.source_url else None,
        "confidence": record.confidence,
        "effective_from": record.effective_from.isoformat() if record.effective_from else None,
        "effective_to": record.effective_to.isoformat() if record.effective_to else None,
    })


def _document(doc_id: str, title: str, path: str, lines: list[_Line]) -> tuple[Document, list[Fact]]:
    text = f"# {title}\n\n{PREAMBLE}\n"
    facts = []
    for line in lines:
        text += "\n- "
        start = len(text)
        text += line.text
        facts.append(Fact(doc_id=doc_id, quote=line.text, start=start, end=len(text), **line.fact))  # type: ignore[arg-type]
    codes = sorted({e.split(":", 1)[1] for f in facts for e in f.entities if e.startswith("cpt:")})
    document = Document(
        doc_id=doc_id, title=title, publisher=PUBLISHER, source_url=None, codes=tuple(codes),
        added=None, text=text + "\n", path=path, kind="reference",
    )
    return document, facts


def _expand_codes(path: Path, items: list[str]) -> list[str]:
    import simple_icd_10_cm as cm

    codes: list[str] = []
    for item in items:
        first, _, last = item.partition("-")
        first, last = first.strip(), (last.strip() or first.strip())
        for code in (first, last):
            if not cm.is_valid_item(code):
                raise CorpusError(f"{path}: {code!r} is not an ICD-10-CM code in {icd_package_version()}.")
        siblings = cm.get_children(cm.get_parent(first)) if first != last else [first]
        codes.extend(c for c in siblings if first <= c <= last and c not in codes)
    return codes


def _icd_line(path: Path, parsed: ReferencesFile, code: str) -> _Line:
    import simple_icd_10_cm as cm

    description = cm.get_description(code)
    source = parsed.icd_source or f"ICD-10-CM via the {icd_package_version()} package"
    by_length = sorted(parsed.icd_conditions.items(), key=lambda kv: -len(kv[0]))
    condition = next((key for prefix, key in by_length if code.startswith(prefix)), None)
    effective = next((d for prefix, d in parsed.icd_effective_from.items() if code.startswith(prefix)), None)
    record = AttestedFactRecord(
        id=f"icd-{code.lower().replace('.', '-')}",
        type="diagnosis_code",
        statement=f'Per ICD-10-CM, {code} is "{description}".',
        entities=[f"icd:{code}", *([f"condition:{condition}"] if condition else [])],
        source=source,
        confidence="high",
        effective_from=effective,
    )
    return _line(path, record)

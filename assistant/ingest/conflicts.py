"""Declared conflicts: which facts of which sources disagree on a topic (corpus/conflicts.yaml)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import CorpusError
from assistant.ingest.yaml_files import read_yaml_model
from assistant.models import ConflictSpec, Fact


class ConflictSide(BaseModel):
    """One side of a disagreement: a label and the facts that state it."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1)
    facts: list[str] = Field(min_length=1)


class ConflictTriggers(BaseModel):
    """Which questions a conflict belongs to: by intent name or by an entity they name."""

    model_config = ConfigDict(extra="forbid")

    intents: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)


class ConflictRecord(BaseModel):
    """A topic on which two or more sides disagree."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    topic: str = Field(min_length=1)
    sides: list[ConflictSide] = Field(min_length=2)
    when: ConflictTriggers = Field(default_factory=ConflictTriggers)


class ConflictsFile(BaseModel):
    """corpus/conflicts.yaml."""

    model_config = ConfigDict(extra="forbid")

    conflicts: list[ConflictRecord] = Field(default_factory=list)


def read_conflicts(path: Path, facts: list[Fact]) -> list[ConflictSpec]:
    """Read declared conflicts and check every fact they name exists.

    Raises:
        CorpusError: the file is invalid or names an unknown fact (named in the message).
    """
    if not path.is_file():
        return []
    parsed = read_yaml_model(path, ConflictsFile, "conflicts")
    known = {f.fact_id for f in facts}
    specs = []
    for record in parsed.conflicts:
        for side in record.sides:
            unknown = [fact_id for fact_id in side.facts if fact_id not in known]
            if unknown:
                raise CorpusError(f"{path}: conflict {record.id!r} names unknown facts {unknown}.")
        specs.append(
            ConflictSpec(
                conflict_id=record.id,
                topic=record.topic,
                sides=tuple((s.label, tuple(s.facts)) for s in record.sides),
                intents=tuple(record.when.intents),
                entities=tuple(record.when.entities),
            )
        )
    return specs

"""The evaluation set: items validated by pydantic, errors reported by file and line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import AssistantError

Category = Literal[
    "coverage",
    "modifier",
    "place_of_service",
    "specialty",
    "clinical",
    "documentation",
    "definition",
    "multi_turn",
    "unanswerable",
    "adversarial",
    # categories of real-document sets (../shared/realdocs)
    "limitation",
    "codes",
    "units",
    "dates",
    "contact",
]


class EvalDataError(AssistantError):
    """An evaluation file is missing or holds a malformed item (message names file and line)."""


class Evidence(BaseModel):
    """Where a correct answer's citation must point: a document and a quote it must contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class EvalItem(BaseModel):
    """One scored conversation; only the answer to the last turn is scored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    category: Category
    turns: list[str] = Field(min_length=1)
    answerable: bool
    must_include: list[list[str]] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    evidence: Evidence | None = None

    @field_validator("turns")
    @classmethod
    def _turns_not_blank(cls, turns: list[str]) -> list[str]:
        if any(not t.strip() for t in turns):
            raise ValueError("turns must not be blank")
        return turns

    @field_validator("must_include", "must_not_include")
    @classmethod
    def _regexes_compile(cls, value: list[list[str]] | list[str]) -> list[list[str]] | list[str]:
        patterns = [p for group in value for p in (group if isinstance(group, list) else [group])]
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"regex {pattern!r} does not compile: {exc}") from exc
        if any(isinstance(g, list) and not g for g in value):
            raise ValueError("a must_include group must hold at least one alternative")
        return value

    @model_validator(mode="after")
    def _answerable_has_evidence(self) -> EvalItem:
        if self.answerable and self.evidence is None:
            raise ValueError("an answerable item needs evidence")
        return self


def load_items(path: Path) -> list[EvalItem]:
    """Read a JSONL evaluation file.

    Raises:
        EvalDataError: the file is missing, or a line is not JSON or not a valid item
            (the message gives ``file:line`` and the field), or an id repeats.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(f"{path}: cannot read evaluation file ({exc}).") from exc
    items: list[EvalItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = EvalItem.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise EvalDataError(f"{path}:{number}: not valid JSON ({exc.msg}).") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "item"
            raise EvalDataError(f"{path}:{number}: {where}: {first['msg']}") from exc
        if item.id in seen:
            raise EvalDataError(f"{path}:{number}: id {item.id!r} is used twice.")
        seen.add(item.id)
        items.append(item)
    return items

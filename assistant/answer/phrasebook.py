"""The answerer's data from prompts/: entity vocabulary, intents with examples, answer phrasings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError

NonEmpty = Annotated[str, Field(min_length=1)]


class VocabularyEntry(BaseModel):
    """One entity: how it is shown and the ways people write it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    aliases: list[str] = Field(min_length=1)


class IntentSpec(BaseModel):
    """What a kind of question asks for and how the sources answer it (see prompts/intents.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    examples: list[str] = Field(min_length=1)
    cues: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    keyword_bonus: float | None = Field(None, ge=0.0, le=1.0, description="Overrides the default bonus.")
    fact_types: list[str] = Field(default_factory=list)
    required_kinds: list[str] = Field(default_factory=list)
    noted_kinds: list[str] = Field(default_factory=list)
    extract: bool = False
    missing: str = Field(min_length=1)
    default_subject: str = "this"


class Phrasings(BaseModel):
    """Sentences the answerer wraps around facts and quotes (prompts/answers.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    extract_sentence: str
    extract_sentence_no_publisher: str
    not_found: str
    off_topic: str
    unsupported: str
    closest: str
    closest_marked: str
    stated_absent: str
    conflict: str
    dated: str
    not_in_force: str


class Phrasebook(BaseModel):
    """Everything the answerer reads from prompts/."""

    model_config = ConfigDict(frozen=True)

    vocabulary: dict[str, dict[str, VocabularyEntry]]
    intents: dict[str, IntentSpec]
    phrasings: Phrasings
    follow_up_openers: list[str] = Field(default_factory=list)
    abbreviations: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    case_sensitive_abbreviations: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)


def load_phrasebook(prompts_dir: Path) -> Phrasebook:
    """Read and validate entities.yaml, intents.yaml, answers.yaml and abbreviations.yaml from ``prompts_dir``.

    Raises:
        ConfigError: a file is missing, not YAML, or has an invalid field (named in the message).
    """
    shorthand = _load(prompts_dir / "abbreviations.yaml")
    try:
        return Phrasebook(
            vocabulary=_load(prompts_dir / "entities.yaml"),
            intents=_load(prompts_dir / "intents.yaml").get("intents", {}),
            phrasings={k: v for k, v in _load(prompts_dir / "answers.yaml").items() if k != "follow_up_openers"},
            follow_up_openers=_load(prompts_dir / "answers.yaml").get("follow_up_openers", []),
            abbreviations=shorthand.get("expansions", {}),
            case_sensitive_abbreviations=shorthand.get("case_sensitive", {}),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{prompts_dir}: invalid entry {where}: {first['msg']}") from exc


def _load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc}). Is ASSISTANT_PROMPTS_DIR right?") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level.")
    return data

"""An answer being assembled, and the thresholds the answerer works with."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.models import ConflictSpec


@dataclass(frozen=True)
class AnswerSettings:
    """Thresholds of the answerer, calibrated on eval/dev.jsonl."""

    intent_threshold: float = 0.5
    abstain_threshold: float = 0.5
    extract_threshold: float = 0.55
    fact_margin: float = 0.08
    entity_bonus: float = 0.2


@dataclass
class Draft:
    """An answer being assembled: claim sentences, each with the spans it cites."""

    sentences: list[tuple[str, list[tuple[str, int, int, float]]]] = field(default_factory=list)
    lead: str = ""
    notes: list[str] = field(default_factory=list)
    conflicts: list[ConflictSpec] = field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0
    intent: str | None = None

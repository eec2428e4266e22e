"""Turn a conversation into one standalone question: carry intent and entities into follow-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assistant.answer.entities import SUBJECT_CODE_KINDS, Entity, EntityRecognizer
from assistant.answer.intents import IntentClassifier, IntentScore, mask_codes
from assistant.answer.shorthand import Shorthand
from assistant.embed.protocol import Embedder

# How many earlier user turns a follow-up may inherit from.
_LOOKBACK = 4
# Words of a follow-up that only connect it to the previous question ("and for Medicare?").
_FOLLOW_UP_FILLER = frozenset({"", "and", "or", "what", "about", "how", "for", "the", "then", "also", "same", "with"})


@dataclass(frozen=True)
class Understanding:
    """What is being asked: the standalone query, its vector, entities and ranked intents.

    ``vector`` embeds the query with its codes masked: every passage of a corpus about 64642
    names 64642, so the number only blurs meaning; exact codes are matched by BM25 and the
    retriever's code lift instead.
    """

    query: str
    vector: npt.NDArray[np.float32]
    entities: list[Entity]
    intents: list[IntentScore]
    carried: bool

    @property
    def top_intent(self) -> IntentScore:
        """The best-scoring intent."""
        return self.intents[0]


def understand(
    user_turns: list[str],
    *,
    recognizer: EntityRecognizer,
    classifier: IntentClassifier,
    embedder: Embedder,
    intent_threshold: float,
    follow_up_openers: list[str] = [],  # noqa: B006 (read only)
    shorthand: Shorthand | None = None,
) -> Understanding:
    """Understand the last user turn, using earlier turns when it is a follow-up (shorthand spelled out first).

    A last turn with a clear intent stands alone (codes from earlier turns are appended when it
    names none). A last turn without one ("and for Medicare plans?") inherits the intent of the latest
    earlier turn that had one: that turn is rewritten with the new entities put in place of the
    old ones of the same kind ("Is 64642 a covered service under Aetna plans?" -> "Is 64642 a covered service under Medicare plans?").
    """
    if not user_turns:
        raise ValueError("user_turns must hold at least one message")
    if shorthand is not None:
        user_turns = [shorthand.expand(turn) for turn in user_turns]
    last = user_turns[-1]
    current = _analyse(last, recognizer, classifier, embedder)
    earlier = [t for t in user_turns[:-1] if t.strip()][-_LOOKBACK:]
    opener = last.strip().lower()
    continues = any(opener == o or opener.startswith(o + " ") or opener.startswith(o + ",") for o in follow_up_openers)
    if (current.top_intent.score >= intent_threshold and not continues) or not earlier:
        carried_codes = _missing_codes(current.entities, earlier, recognizer)
        if not carried_codes:
            return current
        query = f"{last} ({', '.join(carried_codes)})"
        return _analyse(query, recognizer, classifier, embedder, carried=True)
    for previous in reversed(earlier):
        before = _analyse(previous, recognizer, classifier, embedder)
        if before.top_intent.score >= intent_threshold:
            query = _substitute(previous, before.entities, current.entities, last)
            merged = _analyse(query, recognizer, classifier, embedder, carried=True)
            intents = [before.top_intent, *[s for s in merged.intents if s.name != before.top_intent.name]]
            return Understanding(merged.query, merged.vector, merged.entities, intents, carried=True)
    if current.top_intent.score < intent_threshold:
        # No turn says clearly what is asked: read the follow-up with the turn just before it.
        return _analyse(f"{earlier[-1]} {last}", recognizer, classifier, embedder, carried=True)
    return current


def _analyse(
    text: str, recognizer: EntityRecognizer, classifier: IntentClassifier, embedder: Embedder, carried: bool = False
) -> Understanding:
    entities = recognizer.find(text)
    masked = mask_codes(text, entities)
    vector = embedder.embed([masked])[0]
    return Understanding(text, vector, entities, classifier.rank(masked, vector, entities), carried)


def _substitute(previous: str, old: list[Entity], new: list[Entity], follow_up: str) -> str:
    """``previous`` with entities of each kind the follow-up names replaced by the new ones."""
    if not new:
        return f"{previous} {follow_up}"
    new_by_kind: dict[str, list[Entity]] = {}
    for entity in new:
        new_by_kind.setdefault(entity.kind, []).append(entity)
    text = previous
    replaced: set[str] = set()
    for entity in sorted(old, key=lambda e: -e.start):
        replacements = new_by_kind.get(entity.kind)
        if not replacements:
            continue
        surface = " and ".join(follow_up[e.start : e.end] for e in replacements)
        text = text[: entity.start] + (surface if entity.kind not in replaced else "") + text[entity.end :]
        replaced.add(entity.kind)
    extra = [follow_up[e.start : e.end] for kind, group in new_by_kind.items() if kind not in replaced for e in group]
    # What else the follow-up asks for ("and Noridian's billing article?"): its words, less the entities.
    rest = follow_up
    for entity in sorted(new, key=lambda e: -e.start):
        rest = rest[: entity.start] + rest[entity.end :]
    rest = " ".join(w for w in rest.split() if re.sub(r"'s$", "", w.strip("?.,!")).lower() not in _FOLLOW_UP_FILLER)
    return " ".join([" ".join(text.split()), *extra, *([rest] if rest else [])])


def _missing_codes(entities: list[Entity], earlier: list[str], recognizer: EntityRecognizer) -> list[str]:
    """Subject codes named earlier in the conversation when the last turn names none."""
    if any(e.kind in SUBJECT_CODE_KINDS for e in entities):
        return []
    codes: list[str] = []
    for turn in earlier:
        for entity in recognizer.find(turn):
            if entity.kind in SUBJECT_CODE_KINDS and entity.label not in codes:
                codes.append(entity.label)
    return codes

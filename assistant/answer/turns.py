"""How a question stands in its conversation: a follow-up that goes on from the turn before, and
a compound question split into the questions it asks (the understand stage, with question.py)."""

from __future__ import annotations

import re

from assistant.answer.entities import EntityRecognizer

# "whats", "hows", "wheres", "whos": the wh-word run into its verb, as typed in chat.
QUESTION_WORDS = re.compile(
    r"\b(whats?|which|when|wheres?|whos?|whom|whose|why|hows?|does|do|did|is|are|was|were|can|could|should|may|must|will|"
    r"would|has|have|list|tell|explain|define|describe|show|give|need|needs|required?|covered?|bill(?:ed|able)?)\b",
    re.IGNORECASE,
)
# Words that point back at something said before.
_BACK_REFERENCE = re.compile(
    r"\b(it|its|they|them|their|that|those|this|these|the same|same|there|then|so|also|either|too)\b", re.IGNORECASE
)
_OPENERS = re.compile(r"^\s*(and|what about|how about|same for|also|ok(ay)?,? (and|so)|then|what if|so|but|or)\b", re.IGNORECASE)
# A pronoun standing for what was said before, however long the turn: "does that qualify?",
# "... evaluated at for that", "can it go on the same claim?".
_ANAPHORA = re.compile(
    r"\b(does|do|did|is|was|would|will|can|could) (that|this|it|they|those|these)\b|"
    r"\b(for|about|with|to|of|from|on|under) (that|this|it|them|those)\s*([?.!,]|$)",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?")
STOP_WORDS = frozenset(
    "a an the of for to in on at by with without and or is are was were be been do does did can could should would "
    "may might must will shall what which when where who how why this that these those it its they them their there "
    "any all some per as from under about if than then so not no yes i we you our my me us pt patient please need "
    "needs get got have has had just also only still same whats hows wheres whos something one ones thing things "
    "tell itself himself herself themselves myself yourself".split()
)



def is_elliptical(turn: str) -> bool:
    """Whether ``turn`` only makes sense with the turn before it.

    True when it opens like a continuation ("and ...", "what about ...", "what if ..."), or is
    short and points back ("so the report has to be filed too?"), or, however long, has a pronoun
    standing for what was said ("... and we used an interpreter, does that qualify?"), or has no
    question word at all ("Cigna?"). A complete question ("What is the capital of France?") stands alone.
    """
    words = WORD.findall(turn)
    if _OPENERS.match(turn):
        return True
    if not QUESTION_WORDS.search(turn):
        return len(words) <= 6
    return (len(words) <= 12 and bool(_BACK_REFERENCE.search(turn))) or bool(_ANAPHORA.search(turn))


def has_own_predicate(turn: str, recognizer: EntityRecognizer) -> bool:
    """Whether ``turn`` asks something of its own beyond naming things: two or more content words
    once its opener, entities and stop words are set aside."""
    text = _OPENERS.sub("", turn)
    for entity in sorted(recognizer.find(text), key=lambda e: -e.start):
        if entity.kind != "concept":  # a concept ("documented") is what is asked, not a name
            text = text[: entity.start] + text[entity.end :]
    words = [w.lower() for w in WORD.findall(text) if not w.isdigit()]
    content = sum(1 for w in words if w not in STOP_WORDS and len(w) > 2)
    return bool(QUESTION_WORDS.search(text)) and content >= 1


def merge_follow_up(previous: str, follow_up: str, recognizer: EntityRecognizer) -> str:
    """The previous question with the follow-up's entities put in place of those of the same kind,
    followed by the follow-up's own words."""
    old = recognizer.find(previous)
    new = recognizer.find(follow_up)
    kinds = {e.kind for e in new}
    text = previous
    for entity in sorted(old, key=lambda e: -e.start):
        if entity.kind in kinds:
            text = text[: entity.start] + text[entity.end :]
    return " ".join(f"{text} {follow_up}".split())


# A part ends after its "?" (kept: it says the part asks) or before "and"/"also"/"plus" opening a
# question of its own.
_PART_BREAK = re.compile(
    r"(?<=\?)\s+(?=\S)|[,;]?\s+(?:and|also|plus)\s+(?=(?:do|does|did|is|are|was|were|has|have|can|could|which|what|"
    r"whats|how|hows|when|where|who|whose|why|will|should|must|would)\b)",
    re.IGNORECASE,
)


def split_parts(query: str) -> list[str]:
    """The sub-questions of a compound question ("do they need PA, and which codes are listed?"),
    or the query alone; a part needs three words or more."""
    parts = [p.strip(" ,;") for p in _PART_BREAK.split(query)]
    merged: list[str] = []
    for part in (p for p in parts if p):
        if merged and (not _poses(part) or _restates(part)):
            # "how often can we bill it? once a year, or every visit?": choices offered for the
            # question before, not a question of their own; "... in 2026? need the national rate
            # for the add-on": what the question before asks, said again.
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) < 2 or any(len(WORD.findall(p)) < 3 or not _asks(p) for p in merged):
        return [query]
    return merged


_TOPIC = re.compile(r"^\s*([^?\n]{2,80}?)(?:\s+[-\u2013\u2014]+|\s*:)\s+(?=\S)")
_TOPIC_WORDS = 8


def topic(query: str) -> str:
    """The topic a question opens with before a dash or colon, which each of its parts is about
    ("UHC spravato - how many sessions a week, and whats the max dose?" -> "UHC spravato"); empty
    when there is none or the opening itself asks or runs longer than a heading."""
    match = _TOPIC.match(query)
    if not match:
        return ""
    opening = match.group(1).strip()
    return "" if _asks(opening) or len(WORD.findall(opening)) > _TOPIC_WORDS else opening


_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+")


def asking_sentences(text: str) -> str:
    """The sentences of ``text`` that ask, without those that tell the case or the purpose: "T2DM
    on metformin, had a psych eval. does she meet criteria for sleeve?" asks only its last sentence;
    "what codes are listed for TMS? need them for our chargemaster" its first. When some sentence
    ends with "?", those are the asking ones; else those that pose a question in words; else all of
    ``text``."""
    sentences = [s for s in _SENTENCE_BREAK.split(text.strip()) if s]
    marked = [s for s in sentences if s.rstrip().endswith("?")]
    asking = marked or [s for s in sentences if _asks(s)]
    return " ".join(asking) if asking else text


# "need the full list", "need it for the auth request": what is wanted, told after the question.
_WANTED = re.compile(r"^\W*(?:(?:i|we)\s+)?(?:need|needs|needed|want|wanted)\b", re.IGNORECASE)


def _restates(part: str) -> bool:
    """Whether ``part``, after a question, tells what is wanted without asking ("need the national
    rate for the add-on"): it opens with "need" or "want" and does not end with "?"."""
    return bool(_WANTED.match(part)) and not part.rstrip().endswith("?")


def _poses(part: str) -> bool:
    """Whether ``part`` poses a question in words (a wh-word or a question word first), not by its
    question mark alone ("90 days?", "once a year, or every visit?")."""
    words = WORD.findall(part)
    opening = words[1] if len(words) > 1 and words[0].lower() in _CONNECTIVES else words[0] if words else ""
    return bool(_WH.search(part)) or bool(QUESTION_WORDS.fullmatch(opening))


def _asks(part: str) -> bool:
    """Whether ``part`` of a compound question asks something: it ends with "?", holds a wh-word
    ("planned 2-stage - how soon ...") or opens with another question word ("do they ...",
    "list the codes"); "pt is 17" only tells."""
    return part.rstrip().endswith("?") or _poses(part)


_CONNECTIVES = frozenset({"and", "so", "ok", "okay", "also", "but", "then", "plus", "or"})


# "whats", "hows", "wheres": the wh-word run into its verb, as typed in chat.
_WH = re.compile(r"\b(?:what|which|when|where|who|whom|whose|why|how)s?\b", re.IGNORECASE)

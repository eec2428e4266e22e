"""Whether an evidence unit holds the kind of answer a question asks for: a number counted in the
asked measure ("53 minutes" for "how many minutes"), a date, an amount, a code of the asked system,
a modifier's value, the party to contact for a "who" question (the evidence stage's check that a
close unit answers, not only speaks of, what is asked; used by abstain.py)."""

from __future__ import annotations

import functools
import re

from assistant.answer.evidence import EvidenceSet, EvidenceUnit
from assistant.answer.kinds import AnswerType, measure_key
from assistant.answer.question import Question
from assistant.answer.rank import has_answer_type
from assistant.codes import find_codes


def gives(unit: EvidenceUnit, question: Question, evidence: EvidenceSet) -> bool:
    """Whether ``unit``, with its lead-in or the items it introduces, holds the kind of answer asked."""
    texts = [unit.text]
    if unit.lead_in is not None:
        texts.append(evidence.units[unit.lead_in].text)
    texts += [u.text for u in evidence.following_items(unit, 12)]
    if question.expects in ("number", "code"):
        # The question's own codes are no answer to "how many" or "which code".
        texts = [re.sub(r"(?<![\w.])(" + "|".join(map(re.escape, question.codes or ("\0",))) + r")(?![\w])", "", t) for t in texts]
    if question.expects == "code" and MODIFIER_ASKED.search(question.query):
        return any(_MODIFIER_VALUE.search(t) for t in texts)
    system = question.code_system
    if question.expects == "code" and system:
        # "Which NUCC taxonomy code ...?" is answered by a taxonomy code, not by a diagnosis code.
        if system == "revenue":  # no recogniser for revenue codes: the unit must at least speak of them
            return any(_REVENUE_CODE.search(t) for t in texts)
        return any(m.key.startswith(f"{system}:") for t in texts for m in find_codes(t))
    if question.measure:
        return any(_holds_measure(t, measure_key(question.measure)) for t in texts)
    if question.expects == "contact" and _ASKS_WHO.search(question.query) and any(_PARTY.search(t) for t in texts):
        return True  # "who do providers contact?": "Providers are urged to contact the Plan ..."
    return any(_holds_type(t, question.expects) for t in texts)


# Cached, for the units checked again and again. List markers ("2.", "(1)") number a list and
# answer nothing.
@functools.lru_cache(maxsize=1 << 15)
def _holds_measure(text: str, key: str) -> bool:
    """Whether ``text`` states the measure ``key`` of ``_MEASURED`` ("minutes": "30 minutes")."""
    pattern = _MEASURED.get(key) or _counted(key)
    return bool(pattern.search(_LIST_MARKER.sub(" ", text)))


@functools.lru_cache(maxsize=256)
def _counted(noun: str) -> re.Pattern[str]:
    """A number counting ``noun`` ("devices": "2 devices", "two different antidepressant
    medications" for "antidepressants"), at most a few words apart, either order; or, for the
    parts of a rule ("criteria"), a number of the items of a list ("two of the following")."""
    stem = re.escape(re.sub(r"(?<=\w{3})(es|s)$", "", noun))
    pattern = rf"{_NUMBER}\W+(?:[\w-]+\W+){{0,4}}?{stem}|\b{stem}\w*\W+(?:[\w-]+\W+){{0,3}}?\d"
    if _RULE_PARTS.fullmatch(noun):
        # "three or more of the following indications" answers "how many criteria ...?": a number
        # of a list's items counts the parts of a rule, whatever the list calls them.
        pattern += rf"|{_NUMBER}\s+(?:or\s+(?:more|fewer|less)\s+)?of\s+the\s+following\b"
    return re.compile(pattern, re.I)


# What the parts of a rule are called, any of which a list of them may be called instead.
_RULE_PARTS = re.compile(r"criteri(a|on)|indications?|requirements?|conditions?|factors?|elements?|items?|components?", re.I)


@functools.lru_cache(maxsize=1 << 15)
def _holds_type(text: str, kind: AnswerType) -> bool:
    """Whether ``text`` holds an answer of ``kind`` ("date", "number", ...)."""
    return has_answer_type(_LIST_MARKER.sub(" ", text), kind)


# "Who do we contact ...?" asks for a party: a name after the verb answers it as a phone number would
# ("contact the Plan", "call your MAC"); "what's the phone #" still needs the number.
_ASKS_WHO = re.compile(r"\bwho(m|se)?\b", re.I)
_PARTY = re.compile(r"\b(?i:contact|call|reach|notify|write to)\s+(?:(?i:the|your|their|our)\s+)?[A-Z][\w&.-]*")

_REVENUE_CODE = re.compile(r"\brevenue codes?\b[^.;]{0,40}\b0\d{3}\b|\b0\d{3}\b[^.;]{0,20}\brevenue\b", re.I)


# "which modifier ..." is answered by a modifier's value: "modifier FT", "-25", "the GA modifier".
MODIFIER_ASKED = re.compile(r"\b(which|what) (\w+ ){0,2}(modifiers?|mods?)\b", re.I)
_MODIFIER_VALUE = re.compile(r"\b(?i:modifiers?)\s+-?[A-Z0-9]{2}\b|(?<![\w-])-[A-Z0-9]{2}\b|\b[A-Z0-9]{2}\s+(?i:modifiers?)\b")


_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|ninety|hundred)(?:[- ](?:one|two|three|four|"
    r"five|six|seven|eight|nine))?)(?:\s+[a-z]+)??"  # one word may come between: "twelve flare days"
)
# A number counted in the asked measure ("53 minutes", "once every twelve weeks", "BMI ≥ 40").
_MEASURED = {
    "minutes": re.compile(rf"{_NUMBER}\s*(?:-|–|to)?\s*\d*\s*(?:minutes?|mins?)\b|\b\d+\s*(?:hours?|hrs?)\b", re.I),
    "hours": re.compile(rf"{_NUMBER}\s*(?:-|–)?\s*\d*\s*(?:hours?|hrs?|minutes?|mins?)\b", re.I),
    "days": re.compile(rf"{_NUMBER}[- ]?(?:calendar |business )?days?\b|\b(?:daily|per day|same day|once a day)\b", re.I),
    "weeks": re.compile(rf"{_NUMBER}[- ]?(?:weeks?|wks?)\b|\bweekly\b", re.I),
    "months": re.compile(rf"{_NUMBER}[- ]?(?:months?|mos?)\b|\bmonthly\b|\byear\b", re.I),
    "years": re.compile(rf"{_NUMBER}[- ]?(?:years?|yrs?)\b|\bannual(?:ly)?\b", re.I),
    "units": re.compile(rf"{_NUMBER}\s*units?\b|\bx\s*\d\b|\bonce\b|\bunits? of\b", re.I),
    # Sessions are counted ("36 sessions") or given a rate ("twice weekly"); "once per treatment
    # episode" says how often a code is billed, not how many sessions.
    "sessions": re.compile(
        rf"{_NUMBER}\s*(?:\w+ )?(?:sessions?|visits?|treatments?|times)\b|"
        r"\b(?:once|twice)\s+(?:a\s+|per\s+|each\s+|every\s+)?(?:day|week|month|year|daily|weekly|monthly)\b",
        re.I,
    ),
    "times": re.compile(rf"{_NUMBER}\s*(?:\w+ )?(?:times|sessions?|visits?|units?)\b|\b(?:once|twice)\b", re.I),
    "bmi": re.compile(r"\bBMI\b[^.;]{0,30}\d|\d+(?:\.\d+)?\s*kg/m", re.I),
    "age": re.compile(rf"\bage[sd]?\s*(?:of\s*)?{_NUMBER}|{_NUMBER}\s*(?:-|–|to)?\s*\d*\s*years? (?:of age|old)|\b\d+\s*(?:-|–|to)\s*\d+ years\b", re.I),
    "percent": re.compile(r"\d+(?:\.\d+)?\s*(?:%|percent)", re.I),
    # "60 mins", "6 wks": a duration in shorthand is one too.
    "duration": re.compile(rf"{_NUMBER}[- ]?(?:calendar |business )?(?:minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)\b", re.I),
}


_LIST_MARKER = re.compile(r"(?<![\w.])\(\d{1,2}\)|(?:^|(?<=\s))\d{1,2}\.(?=\s)")

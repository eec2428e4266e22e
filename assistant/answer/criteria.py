"""Hold the numbers a question gives against the numeric criteria its quotes state (compose stage).

"UHC pt, BMI 34 with type 2 diabetes - does she meet the criteria?" is answered by quoting the
criteria; whether 34 meets "BMI ≥ 35 kg/m2 – 39.9 kg/m2" is arithmetic the reader can do for the
user, each comparison cited to the quote that states the threshold:
'BMI 34 is outside "BMI ≥ 35 kg/m2 – 39.9 kg/m2" [1]'. Nothing is judged but the numbers; the
quotes stay the answer, with their qualifiers ("in individuals of Asian descent").

A value is a labelled number ("BMI 34", "AHI of 22"), an age ("44 y/o") or a duration ("10 wks",
"140 min"); a threshold is such a measure with a comparison ("≥ 40", "at least 8 weeks",
"18 years or older", "30–74 minutes", "15 to 65"). Only the same measure is compared; durations
convert between minutes and hours, days and weeks, months and years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Units of time, keyed to a base unit and its factor ("2 hours" is 120 minutes).
_UNITS: dict[str, tuple[str, float]] = {
    "min": ("minutes", 1), "mins": ("minutes", 1), "minute": ("minutes", 1), "minutes": ("minutes", 1),
    "hr": ("minutes", 60), "hrs": ("minutes", 60), "hour": ("minutes", 60), "hours": ("minutes", 60),
    "day": ("days", 1), "days": ("days", 1),
    "wk": ("days", 7), "wks": ("days", 7), "week": ("days", 7), "weeks": ("days", 7),
    "mo": ("months", 1), "mos": ("months", 1), "month": ("months", 1), "months": ("months", 1),
    "yr": ("months", 12), "yrs": ("months", 12), "year": ("months", 12), "years": ("months", 12),
}
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)"
_NUM = r"\d{1,3}(?:\.\d+)?"
# A label is a measure's short name as written in capitals: BMI, AHI, RDI, HbA1c, FEV1, eGFR.
# Upper case even in a pattern that ignores case; a lower-case prefix before capitals is one ("eGFR").
_LABEL = r"\b((?-i:[a-z]?[A-Z][A-Za-z]?[A-Z][A-Za-z0-9]{0,4}))\b"

# In a question: "BMI 34", "BMI of 33.8", "BMI was 54", "AHI=22"; "44 y/o", "age 44"; "10 wks", "x10 wks", "8+ wks".
# A value may end its sentence ("KPI 6."); a decimal point is no end ("33.8").
_ASKED_LABELLED = re.compile(rf"{_LABEL}\s*(?:of|was|is|=|:|at)?\s*({_NUM})(?!\d|\.\d|\s*{_UNIT}\b|\s*(?:y/?o|yo)\b)")
_ASKED_AGE = re.compile(rf"\b({_NUM})\s*(?:-\s*)?(?:y/?o|yo|years?[- ]old|-year-old)\b|\bage[d]?\s*({_NUM})\b", re.I)
_ASKED_TIME = re.compile(rf"(?<![\w.])x?({_NUM})\+?\s*-?\s*({_UNIT})\b", re.I)

# In a quote: a comparison word or sign before the number, or a phrase after it.
_LOWER = r"≥|>=|=>|at least|no less than|not less than|a minimum of|minimum of|minimum"
_LOWER_STRICT = r">|more than|greater than|over|exceeding|in excess of"
_UPPER = r"≤|<=|=<|no more than|not more than|up to|a maximum of|maximum of|maximum|within|at most|not to exceed"
_UPPER_STRICT = r"<|less than|fewer than|under|below"
_AFTER_LOWER = r"or more|or greater|or older|or longer|or above|and older|and over|\+"
_AFTER_UPPER = r"or less|or fewer|or younger|or below|or shorter"
_COMPARE = rf"(?:{_LOWER}|{_LOWER_STRICT}|{_UPPER}|{_UPPER_STRICT})"
_RANGE_SEP = r"\s*(?:-|–|—|to|through)\s*"
_QUOTED = re.compile(
    # "BMI ≥ 35 kg/m2 – 39.9 kg/m2", "AHI or RDI of > 30", "AHI of 15 to 65"
    rf"(?P<label>{_LABEL}(?:\s+(?:or|and|/)\s+(?-i:[A-Z][A-Z0-9][A-Za-z0-9]{{0,5}}))?(?:\s+(?:of|score of|value of))?)\s*"
    rf"(?P<cmp>{_COMPARE})?\s*(?P<low>{_NUM})\s*(?P<lunit>kg/m2|{_UNIT})?"
    rf"(?:{_RANGE_SEP}(?P<high>{_NUM})\s*(?P<hunit>kg/m2|{_UNIT})?)?\s*(?P<after>{_AFTER_LOWER}|{_AFTER_UPPER})?"
    # "at least 8 weeks", "≥ 104 minutes", "30–74 minutes", "18 years or older"
    rf"|(?P<tcmp>{_COMPARE})?\s*(?<![\w.])(?P<tlow>{_NUM})\s*(?:(?P<tunit1>{_UNIT})\s*)?"
    rf"(?:{_RANGE_SEP}(?P<thigh>{_NUM})\s*)?(?P<tunit>{_UNIT})\b(?P<age>\s+of age)?\s*(?P<tafter>{_AFTER_LOWER}|{_AFTER_UPPER})?",
    re.I,
)
# A number that is a share of another value: "120% of the 95th percentile" (a BMI relative to
# a growth chart, not a BMI); "FEV1 < 45 percent" stays a threshold of FEV1.
_RELATIVE = re.compile(r"\s*(%|percent|per cent)\s+of\b|\s*(st|nd|rd|th)?\s+percentile\b", re.I)
_AGE_WORDS = re.compile(r"\b(age|aged|older|younger|old)\b", re.I)
# Words of a question applying criteria to a case (not asking for a number or a code).
_APPLIES = re.compile(
    r"\b(meets?|qualif\w*|counts?|enough|satisf\w*|fits?|eligible|criteri(a|on)|still apply|applies|okay|ok|"
    r"allowed|cover(ed|s)?|approve[ds]?|work)\b",
    re.I,
)
MAX_CHECKS = 6  # comparisons said in one answer at most


@dataclass(frozen=True)
class Value:
    """A number the question gives: ``measure`` ("BMI", "age", "days"), ``number`` in the base unit."""

    measure: str
    number: float
    written: str


@dataclass(frozen=True)
class Threshold:
    """A numeric criterion in a quote: bounds in the base unit of ``measure``; ``written`` is verbatim."""

    measure: str
    low: float | None
    high: float | None
    low_strict: bool
    high_strict: bool
    written: str

    def admits(self, number: float) -> bool:
        """Whether ``number`` (base unit) meets the threshold."""
        if self.low is not None and (number < self.low or (self.low_strict and number == self.low)):
            return False
        return not (self.high is not None and (number > self.high or (self.high_strict and number == self.high)))


def applies_criteria(question: str) -> bool:
    """Whether ``question`` asks if a case meets something ("does she meet ...", "enough?")."""
    return bool(_APPLIES.search(question))


def asked_values(question: str) -> list[Value]:
    """The numbers ``question`` gives about its case, by measure (labels upper-case: "BMI")."""
    values: list[Value] = []
    ages: set[tuple[int, int]] = set()
    for m in _ASKED_AGE.finditer(question):
        number = m.group(1) or m.group(2)
        values.append(Value("age", float(number), m.group(0).strip()))
        ages.add(m.span())
    for m in _ASKED_LABELLED.finditer(question):
        values.append(Value(m.group(1).upper(), float(m.group(2)), m.group(0).strip()))
    for m in _ASKED_TIME.finditer(question):
        if any(a <= m.start() < b for a, b in ages):
            continue
        base, factor = _UNITS[m.group(2).lower()]
        values.append(Value(base, float(m.group(1)) * factor, f"{m.group(1)} {m.group(2)}"))
    return values


def thresholds(text: str) -> list[Threshold]:
    """The numeric criteria ``text`` states; a bare number with no comparison or range is none."""
    found: list[Threshold] = []
    for m in _QUOTED.finditer(text):
        if _RELATIVE.match(text, m.end()):
            continue  # "BMI ≥ 120% of the 95th percentile" is not a BMI of 120
        if m.group("label") is not None:
            labels = re.findall(r"[a-z]?[A-Z][A-Za-z]?[A-Z][A-Za-z0-9]{0,4}", m.group("label"))
            labels = [w for w in labels if w.lower() not in ("or", "and", "of", "score", "value")]
            cmp, after, low, high = m.group("cmp"), m.group("after"), m.group("low"), m.group("high")
            for label in labels:
                threshold = _bounded(label.upper(), cmp, after, low, high, 1.0, m.group(0).strip())
                if threshold:
                    found.append(threshold)
            continue
        unit = (m.group("tunit") or "").lower()
        base, factor = _UNITS.get(unit, ("", 1.0))
        if not base:
            continue
        cmp, after = m.group("tcmp"), m.group("tafter")
        written = m.group(0).strip()
        context = text[max(0, m.start() - 20) : m.end() + 12]
        if base == "months" and (_AGE_WORDS.search(written) or m.group("age") or re.search(r"\bage[ds]?\s*$", text[: m.start()], re.I)):
            threshold = _bounded("age", cmp, after, m.group("tlow"), m.group("thigh"), factor / 12, written)
        else:
            threshold = _bounded(base, cmp, after, m.group("tlow"), m.group("thigh"), factor, written)
        if threshold and not (base == "months" and _AGE_WORDS.search(context) and threshold.measure != "age"):
            found.append(threshold)
    return found


def _bounded(
    measure: str, cmp: str | None, after: str | None, low: str, high: str | None, factor: float, written: str
) -> Threshold | None:
    """A threshold from a match's parts, or None when it compares nothing (a bare number)."""
    a, b = float(low) * factor, (float(high) * factor if high else None)
    if b is not None:
        if b <= a:
            return None
        return Threshold(measure, a, b, False, False, written)
    word = (cmp or after or "").lower().strip()
    if not word:
        return None
    if re.fullmatch(_LOWER, word) or re.fullmatch(_AFTER_LOWER, word):
        return Threshold(measure, a, None, False, False, written)
    if re.fullmatch(_LOWER_STRICT, word):
        return Threshold(measure, a, None, True, False, written)
    if re.fullmatch(_UPPER, word) or re.fullmatch(_AFTER_UPPER, word):
        return Threshold(measure, None, a, False, False, written)
    return Threshold(measure, None, a, False, True, written)


def fits(values: list[Value], text: str) -> bool | None:
    """Whether the case whose ``values`` a question gives (``asked_values``) meets a threshold
    ``text`` states for the same measure (True), is outside every such threshold (False), or
    ``text`` states none of its measures (None)."""
    verdicts = [t.admits(v.number) for t in thresholds(text) for v in values if v.measure == t.measure]
    return any(verdicts) if verdicts else None


def checked(question: str, quotes: list[tuple[str, int]]) -> str | None:
    """The sentence holding ``question``'s numbers against the thresholds in ``quotes`` (text,
    citation marker), or None when there is nothing to compare (see ``comparisons``). The caller
    keeps to ``MAX_CHECKS`` comparisons by the quotes it passes."""
    found = comparisons(question, quotes)
    return f"Held against the quoted thresholds: {'; '.join(found)}." if found else None


def comparisons(question: str, quotes: list[tuple[str, int]]) -> list[str]:
    """'BMI 34 meets "BMI ≥ 32.5 kg/m2 – 37.4 kg/m2" [2]' for each threshold in ``quotes`` (text,
    citation marker) of a measure ``question`` gives a value for; [] when the question asks no
    case to be held against criteria or no threshold shares its measures."""
    if not applies_criteria(question):
        return []
    values = asked_values(question)
    if not values:
        return []
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for text, marker in quotes:
        for threshold in thresholds(text):
            for value in values:
                if value.measure != threshold.measure or (value.written, threshold.written) in seen:
                    continue
                seen.add((value.written, threshold.written))
                verb = "meets" if threshold.admits(value.number) else "is outside"
                out.append(f'{value.written} {verb} "{threshold.written}" [{marker}]')
    return out

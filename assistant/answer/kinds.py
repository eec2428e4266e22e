"""The kind of answer a question asks for, read from its words (the understand stage).

"when did ..." asks for a date, "how many minutes ..." for a number counted in minutes, "which
modifier ..." for a code; the words that ask ("how many", "which ... codes") are told apart from
the words that say what about. Nothing here is keyed to a document, payer or question.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.answer.shorthand import without_glosses
from assistant.answer.turns import WORD as _WORD

AnswerType = Literal["contact", "date", "money", "number", "code", "yesno", "other"]

_EXPECTS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    # "cpt for the initial scalp cooling visit w/ cap calibration and threshold check?": a code, whatever follows.
    # "cap refit mid cycle - which scalp cooling cpt?": a question ending by asking which code.
    ("code", re.compile(r"^\W*(?:(?:what'?s|what is|which is) the |which |what )?(?:cpt|hcpcs|icd(?:-?10)?(?:-?cm)?|billing)"
                        r"(?: codes?)? (?:for|to (?:use|bill|report) for)\b|"
                        # "which code do we use when they had to redo the motor threshold?": opening with it.
                        r"^\W*(?:which|what)(?: [\w-]+){0,2} (?:codes?|modifiers?)(?= (?:do|does|did|should|would|could|can|to|for|goes?|go|applies|fits|we|i)\b)|"
                        # "NGS TMS - which CPT for redoing the motor threshold?": after the names it gives.
                        r"\b(?:which|what) (?:cpt|hcpcs)(?: codes?)? (?:for|to (?:use|bill|report) for)\b|"
                        r"\b(?:which|what) (?:[\w-]+ ){0,2}(?:cpt|hcpcs|codes?)\W*$|"
                        # "spravato J code?", "obesity dx codes?": a code system's codes, asked for by name
                        # (a single letter is a HCPCS Level II series; "a code?" is the article), not
                        # in a yes/no question ("does the LCD list the covered dx codes?")
                        r"^(?!\W*(?:does|do|did|is|are|was|were|can|could|should|will|would|has|have|may|must)\b)"
                        r"[^?]*\b(?:[b-v]|cpt|hcpcs|icd(?:-?10)?(?:-?cm)?|dx)[- ]?codes?\W*$", re.I)),
    # "for medicare to call it medically necessary": to call something so is to deem it, not a contact.
    ("contact", re.compile(r"\b(phone|telephone|fax|call(?!\s+(?:it|this|that|them|these|those)\b)|hotline|e-?mail|contact|reach)\b|"
                           r"#\s*\??\s*$", re.I)),
    # "When is 99214 selected?" asks for a condition; "when did it take effect?" for a date.
    ("date", re.compile(r"\b(when (did|was|were|will)|when does \w+( \w+){0,4} (take effect|start|begin|end|expire)|"
                        r"what date|which date|effective (date|on|as of)|start(ing)? date|end date|since when|"
                        r"what year|deadline|expir\w*)\b", re.I)),
    ("money", re.compile(r"\b(fees?|price|costs?|reimburse\w*|allowable|allowed amount|payment amount|rvus?|"
                         r"relative value|dollars?|how much (do|does|will|would|did) (\w+ ){1,4}(pay|reimburse|allow)|"
                         r"what (do|does|will|would) \w+ pay|"
                         # "does X pay 90837 at a different rate ...?", "whats X paying for 90837?", "allowed amt"
                         r"pay(s|ing)?\b[^?.;]{0,30}\brates?|(payment|pay|reimbursement|fee) rates?|"
                         r"what'?s? (is |are )?\w+ paying|(allowed |payment )?amt|how much (\w+ ){0,3}(get )?paid)\b|\$", re.I)),
    # A measure stated with its value ("BMI 44", "age 16", "30 min of therapy") describes the case;
    # it asks for nothing.
    ("number", re.compile(r"\b(how (many|much|long|often|old|far|soon)|(?<!\d)(?<!\b\d\s)(?<!\b\d\d\s)(?<!\b\d\d\d\s)min(imum)?|max(imum)?|at least|"
                          r"at most|limit|number of|(bmi|age)(?!\s*(of|is|was|=|:|>|<|≥|≤)?\s*\d)|"
                          r"what (time|duration|frequency|percentage|score|dose)( range)?|(time|age|dose) range|threshold|cut ?off)\b", re.I)),
    # "Where are the codes?" asks where to look, not for a code.
    ("other", re.compile(r"(^|[-:;,?]\s)\s*where (is|are|do|does|can|should)\b", re.I)),
    # "what ICD-10 do we put ...", "which CPT should we use": the code system names the code asked.
    ("code", re.compile(r"\b((which|what) (cpt|hcpcs|icd(-?10)?(-?cm)?|dx|diagnosis) (do|does|did|should|would|can|could|goes?|to|is|are)\b|"
                        r"(which|what) ([\w-]+ ){0,2}(code|codes|modifier|modifiers|mods?)\b|"
                        # "what are all the CPT codes listed for TMS?"
                        r"(which|what) (are|is|were) (all )?(of )?(the )?([\w-]+ ){0,2}(codes?|modifiers?)\b|(what'?s|what is) the (cpt|hcpcs)( codes?)? (for|to)|code(s)? (for|to use)|"
                        r"bill(ed)? (it )?(with|as|under)|report(ed)? with)\b", re.I)),
    ("yesno", re.compile(r"^\s*(?:(?:ok|okay|so|and|also|but|then)\b[,]?\s+)*(does|do|is|are|can|could|should|may|must|will|would|was|were|has|have)\b", re.I)),
)
# The words the patterns above spell out ("how", "many", "codes", "take effect"), as opposed to the
# words they let stand between them.
_KIND_WORDS = frozenset(
    w.lower() for _, pattern in _EXPECTS for w in re.findall(r"(?<!\\)[a-z]{2,}", pattern.pattern, re.I)
) | {"cost", "rate", "minimum", "maximum", "mod", "expires", "expiration"}  # spelled in part above ("costs?", "min(imum)?")

# The units a number is counted in ("minutes", "sessions", "BMI"): group 1 is the unit as written.
MEASURE = re.compile(
    r"\b(minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|years?|yrs?|units?|sessions?|visits?|times|treatments?|"
    r"bmi|age|percent|%)(?![\w])",
    re.IGNORECASE,
)


def expected_answer(question: str) -> AnswerType:
    """The kind of answer ``question`` asks for; the first matching kind in priority order."""
    question = without_glosses(question)
    for kind, pattern in _EXPECTS:
        if pattern.search(question):
            return kind
    return "other"


def answer_words(question: str) -> set[str]:
    """The words that say what kind of answer is asked ("how many", "what date"), lower case; the
    measure itself ("times", "minutes") is not among them."""
    question = without_glosses(question)
    words: set[str] = set()
    for _, pattern in _EXPECTS:
        match = pattern.search(question)
        if match:
            # Only the pattern's own words: in "which telehealth consult codes" the words between
            # "which" and "codes" say what the codes are for, the subject of the question.
            words |= {w.lower() for w in _WORD.findall(match.group(0))} & _KIND_WORDS
            break
    return words - {m.group(1).lower() for m in MEASURE.finditer(question)}


# The words that name each measure a number question may count in ("mins" -> "minutes").
MEASURE_WORDS: dict[str, frozenset[str]] = {
    "minutes": frozenset({"minute", "minutes", "min", "mins"}),
    "hours": frozenset({"hour", "hours", "hr", "hrs"}),
    "days": frozenset({"day", "days"}),
    "weeks": frozenset({"week", "weeks", "wk", "wks"}),
    "months": frozenset({"month", "months", "mo", "mos"}),
    "years": frozenset({"year", "years", "yr", "yrs"}),
    "units": frozenset({"unit", "units"}),
    "sessions": frozenset({"session", "sessions", "visit", "visits", "treatment", "treatments"}),
    "times": frozenset({"times"}),
    "bmi": frozenset({"bmi"}),
    "age": frozenset({"age"}),
    "percent": frozenset({"percent", "%"}),
    "duration": frozenset({"duration"}),
}
# A duration is counted in any unit of time.
_DURATION_WORDS = frozenset().union(*(MEASURE_WORDS[k] for k in ("minutes", "hours", "days", "weeks", "months", "years", "duration")))


def measure_key(measure: str) -> str:
    """The ``MEASURE_WORDS`` key of a measure as the question writes it ("mins" -> "minutes"); a
    noun of its own ("devices") is counted as itself."""
    return next((key for key, words in MEASURE_WORDS.items() if measure in words), measure)


def measure_words(measure: str) -> frozenset[str]:
    """The words of a question that name ``measure`` (``asked_measure``), the "time" a number
    answers included: "min time for G3002?" asks for minutes, and "at least 40 minutes" answers it
    without saying "time"; a duration is any unit of time. A noun counted ("devices") names itself."""
    key = measure_key(measure)
    units = _DURATION_WORDS if key == "duration" else MEASURE_WORDS.get(key, frozenset({key}))
    return units | {"time", "period"}


def asked_measure(question: str) -> str | None:
    """The unit a number question counts in ("how many minutes ..." -> "minutes"), if it says."""
    if expected_answer(question) != "number":
        return None
    # The words as typed ("bcbs tx (treatment)": Texas), the spelled-out ones only when those name
    # no measure ("how many tx (treatments)?").
    typed = [m.group(1).lower() for m in MEASURE.finditer(without_glosses(question))]
    found = typed or [m.group(1).lower() for m in MEASURE.finditer(question)]
    for specific in ("bmi", "age", "percent", "%"):
        if specific in found:
            return specific
    counted = counted_noun(question)
    if counted:
        # "how many devices per month?" counts devices, not months; "0998T visit, 60 min - how
        # many units of G9995?" counts units, not visits.
        return counted
    # A count noun names what is asked about ("threshold for a subsequent hospital visit"), and is
    # the measure only when counted ("max sessions per course?", "after 12 visits").
    counted_nouns = {m.group(1).lower() for m in _COUNTED.finditer(question)}
    found = [f for f in found if f not in _COUNT_NOUNS or f in counted_nouns]
    if _HOW_LONG.search(question) or not found and _TIME.search(question):
        # "how long is an approval good for?", "how long does conservative treatment need to be tried?",
        # "max time it can stay in?": a number of minutes, days, weeks, ... whatever else it counts.
        return "duration"
    # "min" alone is mostly "minimum" ("min time"): a unit said in full wins over it.
    return next((f for f in found if f not in ("min", "mins")), found[0] if found else None)


_HOW_MANY = re.compile(r"\bhow many\s+(.*)", re.IGNORECASE)
_COUNT_NOUNS = frozenset({"unit", "units", "session", "sessions", "visit", "visits", "treatment", "treatments"})
_COUNTED = re.compile(
    r"(?:\bhow many|\bmax(?:imum)?|\bmin(?:imum)?|\bnumber of|#(?: of)?|\btotal|\d+|\b(?:one|two|three|four|five|six|"
    r"eight|ten|twelve))\s+(?:[\w+-]+\s+\(?)?(units?|sessions?|visits?|treatments?)\b",
    re.IGNORECASE,
)
# Words that end the counted noun phrase: "how many devices | per month", "how many trials | does ...".
_PHRASE_END = frozenset(
    "per a an the each does do did can could is are was were will would should may must for in on of before after "
    "and or to at under with w without we they he she it you i allowed max total a "
    # Verbs: "how many need to be met?", "how many have to fail?" name no noun.
    "need needs have has had got get".split()
)


def counted_noun(question: str) -> str | None:
    """The noun a "how many" question counts, as written: "how many failed antidepressants does
    ..." -> "antidepressants", "how many 90868 sessions" -> "sessions", a unit of measure before
    the noun it qualifies ("how many yrs lookback" -> "yrs"); None when it names none ("how many
    can we bill?") or counts a share of a list ("how many of the criteria ...")."""
    match = _HOW_MANY.search(without_glosses(question))
    if not match:
        return None
    noun = None
    for word in re.findall(r"[\w+-]+|[^\w\s]", match.group(1))[:3]:
        if word.lower() in _PHRASE_END or not re.match(r"[\w+-]+$", word):
            break
        if MEASURE.fullmatch(word):
            noun = word.lower()
            break
        if word.isalpha() and len(word) >= 3:
            noun = word.lower()
    return noun


_HOW_LONG = re.compile(r"\bhow long\b", re.IGNORECASE)
# "max time it can stay in?", "min time on the DOS?": a duration, in whatever unit the source counts.
_TIME = re.compile(r"\b(time|period)\b", re.IGNORECASE)


# "what's 90839 for", "what does CPT 0999T mean?", "meaning of 0999T": the code is what is asked
# about; "whats the right CPT for a sleeve - can we use 43659?" asks for another code.
_CODE_ASKED_ABOUT = r"(?:the\s+)?(?:(?:cpt|hcpcs|icd-?10(?:-cm)?)\s+)?(?:code\s+)?\+?(?:[A-Z]\d{4}|\d{4}[0-9A-Z]|[A-TV-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?)\b"
_DEFINITION = re.compile(
    rf"^\s*(?:what(?:'s|s| is| does)|define|describe)\s+{_CODE_ASKED_ABOUT}|\bmeaning of\s+{_CODE_ASKED_ABOUT}"
    r"|\b(?:[A-Z]\d{4}|\d{4}[0-9A-Z])\b\W+(?:\w+\W+){0,3}?(?:describe|mean|stand for)\b",
    re.I,
)


def asks_what_code_is(question: str) -> bool:
    """Whether ``question`` asks what a code it names is ("whats 90839 for", "what does CPT 0999T
    mean?", "meaning of 0999T"), not for another code ("whats the right CPT for a sleeve - can we
    use 43659?")."""
    return bool(_DEFINITION.search(question))

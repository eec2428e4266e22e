"""Check generated sentences against the passages they cite; no second model call, no randomness.

A sentence is kept only when all of these hold, else it is dropped with the reason:

1. it cites at least one passage (``[n]``), and every ``[n]`` is a passage that was given;
2. every billing code, payer, number, date and drug name it names occurs in its cited passages
   (their text, or the source and title they were given with) or in the user's own turns; a code
   inside a range a passage states (``99341-99350``) counts as occurring; a rare word (a name the
   model may have invented) counts as a drug name;
3. it negates only what its cited passages negate, affirms nothing they only negate, and has a
   negation when every passage it cites has one;
4. each qualifier class it uses (more/less, after/before, all/only, a unit of time ...) is used by
   its cited passages;
5. its support, the share of its content words (stemmed; function words, numbers and codes left
   out) found in its cited passages, is at least the calibrated threshold (``prompts/verifier.yaml``,
   fitted on paraphrase pairs by ``scripts/calibrate_verifier.py``).

What this does not check: that the sentence draws the right conclusion from supported words
(numbers swapped between two conditions, or a word changed in a long sentence, can pass), or that
a passage is true or honest (a passage that is itself a planted instruction supports what it says).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from wordfreq import zipf_frequency

from assistant.answer.entities import EVIDENCE_KINDS, EntityRecognizer
from assistant.answer.evidence import code_ranges
from assistant.answer.terms import RARE_ZIPF
from assistant.errors import ConfigError

VERIFIER_FILE = "verifier.yaml"

MARKER_GROUP = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_WORD = re.compile(r"[a-z0-9]+")
_NAME = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")
_NUMBER = re.compile(r"(?<![\w.])\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w])")
_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
     "once": 1, "twice": 2, "thrice": 3}
_MONTHS = {
    m: i
    for i, names in enumerate(
        ["jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
         "sep sept september", "oct october", "nov november", "dec december"],
        start=1,
    )
    for m in names.split()
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATES = (
    re.compile(rf"(?i)\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b"),
    re.compile(rf"(?i)\b(?P<day>\d{{1,2}})\s+{_MONTH}\s+(?P<year>\d{{4}})\b"),
    re.compile(rf"(?i)\b{_MONTH},?\s+(?P<year>\d{{4}})\b"),
    re.compile(r"\b(?P<mnum>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})\b"),
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
)
# A "." after one of these does not end a sentence.
_ABBREVIATIONS = frozenset("e.g i.e u.s vs etc al no nos dr mr mrs ms st fig p pp approx incl dept sec ch vol".split())
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


class VerifierSettings(BaseModel):
    """``prompts/verifier.yaml``: the support threshold, its calibration record and the word lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    support_threshold: float = Field(ge=0.0, le=1.0)
    calibration: dict[str, object] = Field(default_factory=dict)
    negations: frozenset[str] = Field(min_length=1)
    qualifiers: dict[str, frozenset[str]] = Field(default_factory=dict)
    negated_qualifiers: dict[str, str] = Field(default_factory=dict)
    stopwords: frozenset[str] = Field(default_factory=frozenset)

    @field_validator("negations", "stopwords", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        """Word lists are written as one string of words (YAML would read a bare ``no`` as false)."""
        return frozenset(value.lower().split()) if isinstance(value, str) else value

    @field_validator("qualifiers", mode="before")
    @classmethod
    def _classes(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: frozenset(v.lower().split()) if isinstance(v, str) else v for k, v in value.items()}
        return value


def load_verifier_settings(prompts_dir: Path) -> VerifierSettings:
    """Read ``prompts_dir/verifier.yaml``.

    Raises:
        ConfigError: missing, not YAML, or a field is invalid (named in the message).
    """
    path = prompts_dir / VERIFIER_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return VerifierSettings.model_validate(data)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc}). Is ASSISTANT_PROMPTS_DIR right?") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from exc
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid ({exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}).") from exc


@dataclass(frozen=True)
class Given:
    """A passage the model was given: its ``text`` (the exact quote) and the ``label`` it came with
    (publisher and title)."""

    text: str
    label: str


@dataclass(frozen=True)
class Checked:
    """One generated sentence and the verdict: ``cited`` passage numbers in order, ``kept`` or the
    ``reason`` it was dropped, and its ``support`` (share of content words found, 0-1)."""

    text: str
    cited: tuple[int, ...]
    kept: bool
    reason: str | None = None
    support: float | None = None


@dataclass(frozen=True)
class Reading:
    """What the rules need from a text: its content stems, which of them it negates and affirms,
    and the qualifier classes it uses."""

    stems: frozenset[str]
    negated: frozenset[str]
    affirmed: frozenset[str]
    qualifiers: frozenset[str]
    negative: bool


class Verifier:
    """Checks sentences against the passages they cite (see the module docstring)."""

    def __init__(self, settings: VerifierSettings, recognizer: EntityRecognizer, drug_names: Iterable[str] = ()) -> None:
        """``recognizer`` finds codes and payers; ``drug_names`` (any case) are the brand and generic
        names the loaded documents give, checked like rare words."""
        self.settings = settings
        self.recognizer = recognizer
        self.drug_names = frozenset(n.lower() for n in drug_names)
        self._qualifier_of = {w: name for name, words in settings.qualifiers.items() for w in words}
        self._stop = frozenset(settings.stopwords) | settings.negations | frozenset(self._qualifier_of)

    def check(self, sentence: str, passages: Mapping[int, Given], user_turns: Sequence[str]) -> Checked:
        """The verdict on one ``sentence`` given the numbered ``passages`` and the user's turns."""
        cited = tuple(dict.fromkeys(markers(sentence)))
        bare = MARKER_GROUP.sub(" ", sentence)
        if not cited:
            return Checked(sentence, cited, False, "cites no passage")
        unknown = [n for n in cited if n not in passages]
        if unknown:
            return Checked(sentence, cited, False, f"cites [{unknown[0]}], which was not given")
        quotes = [passages[n].text for n in cited]
        labels = [passages[n].label for n in cited]
        named = self._unsupported_names(bare, [*quotes, *labels, *user_turns])
        if named:
            return Checked(sentence, cited, False, f"names {named!r}, which its passages and the question do not")
        said, ground = self.read(bare), [self.read(q) for q in quotes]
        negated = frozenset().union(*(g.negated for g in ground))
        affirmed = frozenset().union(*(g.affirmed for g in ground))
        flipped = sorted((said.negated & (affirmed - negated)) | (said.affirmed & (negated - affirmed)))
        if flipped or (all(g.negative for g in ground) and not said.negative):
            where = f" ({flipped[0]})" if flipped else ""
            return Checked(sentence, cited, False, f"negates differently from its passages{where}")
        missing = sorted(said.qualifiers - frozenset().union(*(g.qualifiers for g in ground)))
        if missing:
            return Checked(sentence, cited, False, f"qualifies by {missing[0]!r}, which its passages do not")
        score = self.support(bare, [*quotes, *labels])
        if score < self.settings.support_threshold:
            return Checked(sentence, cited, False, f"support {score:.2f} below {self.settings.support_threshold}", score)
        return Checked(sentence, cited, True, None, score)

    def support(self, sentence: str, evidence: Sequence[str]) -> float:
        """Share (0-1) of the sentence's content-word stems found among the evidence's stems; a
        sentence with no content word has support 0 (it claims nothing checkable)."""
        words = self.read(sentence).stems
        if not words:
            return 0.0
        found: set[str] = set()
        for text in evidence:
            found |= self.read(text).stems
        return len(words & found) / len(words)

    def read(self, text: str) -> Reading:
        """The content stems of ``text`` (stopwords, negations, qualifiers, single letters, numbers,
        number words and codes left out: those are checked by name), the stems a negation word governs (the next content word after it) and
        the others, the qualifier classes used, and whether anything is negated. A negation word
        right before a qualifier governs the qualifier instead ("no less than" reads "more")."""
        stems: list[str] = []
        negated: set[str] = set()
        affirmed: set[str] = set()
        qualifiers: set[str] = set()
        pending = negative = False
        for word in _WORD.findall(_normalise(text)):
            if word in self.settings.negations:
                pending = True
                continue
            if word in self._qualifier_of:
                kind = self._qualifier_of[word]
                if pending and kind in self.settings.negated_qualifiers:
                    kind, pending = self.settings.negated_qualifiers[kind], False
                qualifiers.add(kind)
                continue
            if word in self._stop or len(word) == 1 or word in _NUMBER_WORDS or any(c.isdigit() for c in word):
                continue  # numbers and codes are checked by name, not counted as words
            stem = _stem(word)
            stems.append(stem)
            (negated if pending else affirmed).add(stem)
            negative |= pending
            pending = False
        return Reading(frozenset(stems), frozenset(negated), frozenset(affirmed), frozenset(qualifiers), negative)

    def _unsupported_names(self, sentence: str, grounds: Sequence[str]) -> str | None:
        """The first code, payer, date, number or drug name of ``sentence`` not in ``grounds``."""
        ground = " \n ".join(grounds)
        known = self.recognizer.keys(ground, EVIDENCE_KINDS)
        ranges = code_ranges(ground)
        masked = sentence
        for entity in self.recognizer.find(sentence):
            if entity.kind not in EVIDENCE_KINDS:
                continue
            value = entity.key.split(":", 1)[1]
            if entity.key not in known and not any(r.holds(value) for r in ranges):
                return sentence[entity.start : entity.end]
            masked = masked[: entity.start] + " " * (entity.end - entity.start) + masked[entity.end :]
        dates = {d for d, _ in _dates(ground)}
        for date, (start, end) in _dates(masked):
            if date not in dates and not (date[2] is None and any(d[:2] == date[:2] for d in dates)):
                return masked[start:end]
            masked = masked[:start] + " " * (end - start) + masked[end:]
        numbers = _numbers(ground)
        for number, written in _number_mentions(masked):
            if number not in numbers:
                return written
        words = {w.lower() for w in _NAME.findall(ground)}
        words |= {part for w in list(words) for part in w.split("-")}
        for match in _NAME.finditer(sentence):
            for part in {match.group().lower(), *match.group().lower().split("-")}:
                if part not in words and (part in self.drug_names or _rare(part)):
                    return match.group()
        return None

def markers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order (``[1]``, ``[2][3]`` and ``[2, 3]`` alike)."""
    return [int(n) for group in MARKER_GROUP.findall(sentence) for n in group.split(",")]


def renumber(sentence: str, numbers: Mapping[int, int]) -> str:
    """``sentence`` with each ``[n]`` (or ``[n, m]``) written as ``[numbers[n]]...``."""
    return MARKER_GROUP.sub(lambda m: "".join(f"[{numbers[int(n)]}]" for n in m.group(1).split(",")), sentence)


def split_sentences(text: str, *, final: bool = True) -> tuple[list[str], str]:
    """Cut ``text`` into sentences: ``(complete sentences, unfinished rest)``.

    A sentence ends at a line break, or at ``.``, ``!`` or ``?`` (with any closing quote and any
    ``[n]`` markers after it) followed by a space and a capital letter, digit or opening quote; a
    period after an abbreviation ("e.g.", "U.S.") or an initial does not end one. Whether a cut is
    made depends only on the characters up to it and the next few, so pieces arriving one by one
    are cut exactly as the whole text is. With ``final`` the rest counts as the last sentence.
    Leading list marks ("- ", "1. ") are removed; blank pieces dropped.
    """
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group("stop") is None:
            piece = text[start : match.start()]
        elif _abbreviation(text, match.start("stop")):
            continue
        else:
            piece = text[start : match.end("end")]
        start = match.end()
        if piece.strip():
            sentences.append(_tidy(piece))
    rest = text[start:]
    if final:
        if rest.strip():
            sentences.append(_tidy(rest))
        rest = ""
    return sentences, rest


# A sentence end: terminator (+ closing quote/paren, + markers) then space and an opener; or a line break.
_BOUNDARY = re.compile(
    r"(?P<stop>[.!?])[\"')\]]*(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*(?P<end>)(?=\s+[\"'(“]?[A-Z0-9])\s+"
    r"|\n+"
)


def _abbreviation(text: str, stop: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[:stop])
    if word is None:
        return False
    return word.group(1).lower().strip(".") in _ABBREVIATIONS


def _tidy(piece: str) -> str:
    return _LIST_MARK.sub("", " ".join(piece.split()))


def _rare(word: str) -> bool:
    """Rare in English (below wordfreq's Zipf 1.5): a name such as a drug's, or an invented word."""
    return len(word) >= 5 and zipf_frequency(word, "en") < RARE_ZIPF


def _normalise(text: str) -> str:
    """Lower case, contractions' "n't" as "not", comparison signs as words."""
    text = text.lower().replace("’", "'").replace("cannot", "can not").replace("can't", "can not").replace("won't", "will not")
    text = re.sub(r"n't\b", " not", text)
    for sign, words in (("≥", " at least "), ("≤", " at most "), (">", " more than "), ("<", " less than ")):
        text = text.replace(sign, words)
    return text


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def _dates(text: str) -> list[tuple[tuple[int, int, int | None], tuple[int, int]]]:
    """Dates in ``text`` as (year, month, day or None) with their spans, overlaps left out."""
    found: list[tuple[tuple[int, int, int | None], tuple[int, int]]] = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for _, (start, end) in found):
                continue
            groups = m.groupdict()
            month = _MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["mnum"])
            year = int(groups["year"])
            year += 2000 if year < 100 else 0
            day = int(groups["day"]) if groups.get("day") else None
            if 1 <= month <= 12:
                found.append(((year, month, day), (m.start(), m.end())))
    return found


def _number_mentions(text: str) -> list[tuple[str, str]]:
    """Numbers written in ``text`` as (value, as written): digits, and number words other than
    "one" and "once" (mostly not counts: "the one that", "once you have")."""
    found = [(_value(m.group(1), m.group(2)), m.group(0)) for m in _NUMBER.finditer(text)]
    words = re.findall(r"[a-z]+", text.lower())
    found += [(str(_NUMBER_WORDS[w]), w) for w in words if w in _NUMBER_WORDS and w not in ("one", "once")]
    return found


def _numbers(text: str) -> set[str]:
    """Every number value ``text`` states, in digits or words (digit runs inside codes and dates included)."""
    values = {_value(m.group(1), m.group(2)) for m in _NUMBER.finditer(text)}
    values |= {str(int(d)) for d in re.findall(r"\d+", text)}
    values |= {str(_NUMBER_WORDS[w]) for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return values


def _value(whole: str, fraction: str | None) -> str:
    number = str(int(whole.replace(",", "")))
    fraction = (fraction or "").rstrip("0")
    return f"{number}.{fraction}" if fraction else number

"""Whether an evidence unit speaks of what a question asks: the word stems a unit says (with its
lead-in, list items and the sentence before it), without who says it, and which of a question's
words those must be (a compound question's part, an elliptical follow-up's new topic, beyond a
document's title).

Used by ``abstain.choose``; a word is matched by a light stem ("interpreter" -> "interpret",
"relapsed" -> "relaps").
"""

from __future__ import annotations

import functools
import re

from wordfreq import zipf_frequency

from assistant.answer.evidence import EvidenceSet, EvidenceUnit
from assistant.answer.question import Question


def own_terms(question: Question, terms: tuple[str, ...]) -> tuple[str, ...]:
    """The ``terms`` a part of a compound question says itself (all of them when it says none):
    the names and topic it carries from the whole ("(MDD with acute suicidal ideation, UHC)") say
    what it is about, not what it asks."""
    said = {stem_of(w) for w in WORDS.findall(question.text.lower())}
    return tuple(t for t in terms if stem_of(t) in said) or terms


def new_topic(
    question: Question, terms: tuple[str, ...], units: list[EvidenceUnit], evidence: EvidenceSet, names: list[re.Pattern[str]]
) -> tuple[str, ...]:
    """What an elliptical follow-up newly asks about, or nothing: of the ``terms`` its own text
    says and the turn before did not, the most specific that some of ``units`` speak of, the one
    English uses least ("what about maintenance tx (treatment)?" after a question about 90867
    asks about maintenance: "treatment" is in the 90867 sentence the turn before was answered
    by). A word most of ``units`` speak of singles nothing out ("sessions" among the rows of
    psychotherapy codes); a follow-up naming only a payer or code ("and for <another payer>?") asks
    nothing new."""
    said = {stem_of(w) for w in WORDS.findall(question.text.lower())}
    before = {stem_of(w) for w in WORDS.findall(question.query.replace(question.text, " ").lower())}
    new = [t for t in terms if stem_of(t) in said and stem_of(t) not in before]
    counts = {t: sum(mentions(u, (t,), evidence, names) for u in units) for t in new}
    spoken = [t for t in new if 0 < counts[t] <= len(units) * _NEW_TOPIC_SHARE]
    return (min(spoken, key=lambda t: zipf_frequency(t, "en")),) if spoken else ()


_NEW_TOPIC_SHARE = 1 / 3  # a follow-up's new word said by more of the close units singles nothing out


def says_itself(unit: EvidenceUnit, terms: tuple[str, ...], evidence: EvidenceSet) -> bool:
    """Whether ``unit``'s own text (not its lead-in or neighbours) has a word stem of ``terms``."""
    stems = _stems_said(unit.text, evidence.documents[unit.doc_id].publisher, ())
    return any(stem_of(t) in stems for t in terms)


def beyond_title(terms: tuple[str, ...], unit: EvidenceUnit, evidence: EvidenceSet) -> tuple[str, ...]:
    """``terms`` without the words of ``unit``'s document title ("bariatric" in a bariatric surgery
    policy, where nearly every line speaks of it: "nicotine" is what is asked), unless nothing else
    is asked."""
    title = _title_stems(evidence.documents[unit.doc_id].title)
    beyond = tuple(t for t in terms if stem_of(t) not in title)
    return beyond or terms


@functools.lru_cache(maxsize=256)
def _title_stems(title: str) -> frozenset[str]:
    """The word stems of a document title (cached: asked for every close unit of every question)."""
    return frozenset(stem_of(w) for w in WORDS.findall(title.lower()))


def mentions(unit: EvidenceUnit, terms: tuple[str, ...], evidence: EvidenceSet, names: list[re.Pattern[str]]) -> bool:
    """Whether ``unit`` (with its lead-in, section and list items) shares a word stem with ``terms``;
    words inside ``names`` (payers: "First Coast Service Options") do not count."""
    parts = [unit.text, unit.section or ""]
    if unit.lead_in is not None:
        parts.append(evidence.units[unit.lead_in].text)
    parts += [u.text for u in evidence.following_items(unit, 12)]
    if unit.kind != "fact" and unit.position > 0:
        # The sentence before, in the same section, may name what this one goes on about:
        # "... the UB-04 codes and descriptions may not be copied. Please contact the AHA at ...".
        before = evidence.units[unit.position - 1]
        if before.doc_id == unit.doc_id and before.section == unit.section and before.kind != "fact":
            parts.append(before.text)
    stems = _stems_said(" ".join(parts), evidence.documents[unit.doc_id].publisher, tuple(names))
    if any(stem_of(t) in stems for t in terms):
        return True
    # A clipped word ("psych", "eval") stands for the words it begins ("psychiatric", "evaluation").
    # "auth" written out by the shorthand ("authorization") is matched as written out only.
    clipped = tuple(t for t in terms if len(t) >= 4 and not any(o != t and o.startswith(t) for o in terms))
    return bool(clipped) and any(s.startswith(clipped) for s in stems)


@functools.lru_cache(maxsize=1 << 14)
def _stems_said(text: str, publisher: str, names: tuple[re.Pattern[str], ...]) -> frozenset[str]:
    """The word stems of ``text`` without who says it (cached: units are checked again and again).
    An attribution ("According to First Coast Service Options, ..."), the ``publisher``'s name and
    words inside ``names`` (payers) are left out."""
    text = _ATTRIBUTION.sub(" ", text)
    publisher = re.sub(r"\s*\([^)]*\)", "", publisher).strip()
    if publisher:
        text = text.replace(publisher, " ")
    for pattern in names:
        text = pattern.sub(" ", text)
    return frozenset(stem_of(w) for w in WORDS.findall(text.lower()))


@functools.lru_cache(maxsize=1 << 16)
def stem_of(word: str) -> str:
    """``word`` without its hyphens and one ending of inflection, of the act or of its doer, and
    without the silent "e" that ending replaced: "interpretation", "interpreting", "interpreter" ->
    "interpret"; "X-rays", "xrays" -> "xray"; "relapsed", "relapse" -> "relaps"."""
    return _silent_e(_uninflected(word.replace("-", "")))


def _uninflected(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "ers", "er"):
        if suffix == "es" and not re.search(r"(s|x|z|ch|sh)es$", word):
            continue  # "muscles" is "muscle" + "s" (as "muscle(s)" is), "boxes" is "box" + "es"
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word  # "pays" -> "pay"


def _silent_e(stem: str) -> str:
    """"relapse" -> "relaps", as "relapsed" loses its "ed"; short words keep it ("note", "rate")."""
    return stem[:-1] if len(stem) >= 5 and stem.endswith("e") else stem


WORDS = re.compile(r"[a-z0-9][a-z0-9'-]*")
_ATTRIBUTION = re.compile(r"^\s*(?:according to|per|under|as stated by)\b[^,]{0,120},", re.I)

"""Compose an answer from chosen evidence units: quoted, each claim with its ``[n]`` marker.

A fact is said in its own statement; a document sentence is quoted, after the name of its
publisher. A list item keeps its lead-in ("The following are not covered:"), and a question
asking for a whole list gets every item under it. Conflicting facts are shown side by side.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from assistant.answer.checks import citation_is_exact, markers_resolve
from assistant.answer.evidence import EvidenceSet, EvidenceUnit
from assistant.answer.phrasebook import Phrasings
from assistant.errors import AnswerIntegrityError
from assistant.ingest.context import introduces_list
from assistant.models import UNKNOWN_PUBLISHER, Citation, Conflict, ConflictClaim, ConflictSpec, Fact

_MAX_ITEMS = 12
_MAX_LIST_UNITS = 24  # a whole list asked, with the lists nested under its items
_MAX_QUOTED = 16  # units quoted in all (the first claim whole) when no list is asked
_COUNTED_ITEMS = 50  # items counted to say how many of a list an answer leaves out


@dataclass
class Composer:
    """Turns units into answer text and exact citations; one instance per answer."""

    evidence: EvidenceSet
    phrasings: Phrasings
    facts: dict[str, Fact]
    citations: dict[tuple[str, int, int], Citation] = field(default_factory=dict)

    def claims(self, chosen: list[tuple[EvidenceUnit, float]], wants_list: bool) -> list[str]:
        """One claim per chosen unit (its lead-in and list items included), markers attached."""
        out: list[str] = []
        used: set[int] = set()
        for unit, score in chosen:
            if unit.position in used:
                continue
            group = [u for u in self._group(unit, wants_list) if u.position not in used]
            if out and not wants_list and len(used) + len(group) > _MAX_QUOTED:
                # Four lead-ins with twelve items each made a 52-quote answer no one checks: past
                # the first claim, one that would take the quotes past this many is left out,
                # unless a list is asked.
                continue
            used.update(u.position for u in group)
            out.append(self._render(group, score) + self._rest_of_list(group, score))
        return out

    def _rest_of_list(self, group: list[EvidenceUnit], score: float) -> str:
        """" (2 of the 4 items under [1]; the others are in the source)" when the group quotes some
        items of a list but not all, so a cut list never reads as the whole of it; else ""."""
        leads = [u for u in group if any(v.lead_in == u.position for v in group)]
        if not leads:
            return ""
        lead = leads[-1]
        items = self.evidence.following_items(lead, _COUNTED_ITEMS)
        # The items marked like the first ("(1)", "(2)", ...): a next level's "2. Reauthorization" that
        # the PDF's layout put under the same lead-in is not one of them.
        style = _marker(items[0].text) if items else ""
        siblings = {u.position for u in itertools.takewhile(lambda u: _marker(u.text) == style, items)}
        quoted = sum(1 for u in group if u.position in siblings)
        total = len(siblings)
        if not quoted or quoted >= total:
            return ""
        return f" ({quoted} of the {total} items under [{self.cite(lead, score)}]; the others are in the source)"

    def closest(self, units: list[tuple[EvidenceUnit, float]], limit: int) -> list[int]:
        """Markers for the closest units shown with an abstention."""
        markers: list[int] = []
        for unit, score in units:
            if len(markers) >= limit:
                break
            marker = self.cite(unit, score)
            if marker not in markers:
                markers.append(marker)
        return markers

    def cite(self, unit: EvidenceUnit, score: float) -> int:
        """The marker of ``unit``'s span, adding its citation on first use."""
        key = (unit.doc_id, unit.start, unit.end)
        if key not in self.citations:
            document = self.evidence.documents[unit.doc_id]
            fact = self.facts.get(unit.fact_id or "")
            attested = fact is not None and fact.attested
            self.citations[key] = Citation(
                marker=len(self.citations) + 1,
                doc_id=unit.doc_id,
                title=document.title,
                section=unit.section,
                start=unit.start,
                end=unit.end,
                quote=document.text[unit.start : unit.end],
                source_url=(fact.source_url if fact and attested else None) or document.source_url,
                score=round(float(score), 4),
                kind=document.kind,
                source=fact.source if fact and attested else document.publisher,
                confidence=fact.confidence if fact and attested else None,
            )
        return self.citations[key].marker

    def conflicts(self, specs: list[ConflictSpec]) -> tuple[Conflict, ...]:
        """Each declared conflict as the claims of its sides that the answer cites."""
        out = []
        for spec in specs:
            claims = []
            for label, side in spec.sides:
                for fact_id in side:
                    fact = self.facts[fact_id]
                    citation = self.citations.get((fact.doc_id, fact.start, fact.end))
                    if citation is not None:
                        claims.append(ConflictClaim(text=f"{label}: {fact.statement}", citation=citation.marker))
            out.append(Conflict(topic=spec.topic, claims=tuple(claims)))
        return tuple(out)

    def finished(self, text: str) -> tuple[Citation, ...]:
        """The citations in marker order, after checking every marker resolves and every quote is exact.

        Raises:
            AnswerIntegrityError: a marker or span does not resolve (a bug, never user error).
        """
        ordered = tuple(sorted(self.citations.values(), key=lambda c: c.marker))
        if not markers_resolve(text, ordered) or not all(citation_is_exact(c, self.evidence.documents) for c in ordered):
            raise AnswerIntegrityError("an answer cited a span that does not resolve; please report this question")
        return ordered

    def _group(self, unit: EvidenceUnit, wants_list: bool) -> list[EvidenceUnit]:
        """The unit with its lead-in first; a lead-in with its items; all siblings when a list is
        asked; a footnote after the sentence calling it."""
        units = self.evidence.units
        if unit.note_of is not None:
            # A footnote ("b For Kentucky business, only a 30-day trial ...") after the sentence
            # calling it ("... a trialb of at least two ... 8 weeks each"), that after its lead-in.
            caller = units[unit.note_of]
            return [*([units[caller.lead_in]] if caller.lead_in is not None else []), caller, unit]
        introduces = introduces_list(unit.text)
        own: list[EvidenceUnit] = []
        if introduces:
            # A whole list asked: nested lists too ("including but not limited to:" and its items).
            limit = _MAX_LIST_UNITS if wants_list else _MAX_ITEMS
            own = self.evidence.following_items(unit, limit, nested=wants_list)
        if unit.kind == "sentence" and introduces:
            return [unit, *own]
        if unit.lead_in is None:
            # A numbered line that introduces a list ("2. Reauthorization a. ... all of the following
            # criteria:") is an item of no list itself: it and its items.
            return [unit, *own]
        lead = units[unit.lead_in]
        if own:
            # An item that introduces a list of its own ("(2) ... scoring on one of the following
            # assessments:") says nothing without it: its lead-in, it and its items.
            return [lead, unit, *own]
        outer = [units[lead.lead_in]] if lead.lead_in is not None else []
        if wants_list:
            return [*outer, lead, *self.evidence.following_items(lead, _MAX_LIST_UNITS, nested=True)]
        if unit.kind == "sentence":
            # Running text the lead-in still governs after its items ("5. Discharge summary;" then
            # "... all criteria listed above would apply ..."): the items come between, or the
            # lead-in ("must include the following:") reads as introducing this sentence alone.
            before = [u for u in self.evidence.following_items(lead, _MAX_ITEMS) if u.position < unit.position]
            return [*outer, lead, *before, unit]
        return [*outer, lead, unit]

    def _render(self, group: list[EvidenceUnit], score: float) -> str:
        first = group[0]
        if first.kind == "fact":
            return with_markers(first.text, [self.cite(first, score)])
        parts = [f'"{_clean(u.text)}" [{self.cite(u, score)}]' for u in group]
        document = self.evidence.documents[first.doc_id]
        if document.publisher and document.publisher != UNKNOWN_PUBLISHER:
            opener = self.phrasings.extract_sentence.split('"{sentence}"')[0].format(publisher=document.publisher)
        else:
            opener = self.phrasings.extract_sentence_no_publisher.split('"{sentence}"')[0].format(title=document.title)
        return f"{opener}{' '.join(parts)}"


_MARKER = re.compile(r"^\s*(\(\d+\)|\d+[.)]|\([a-z]\)|[a-z][.)]|[-•·o*])\s")


def _marker(text: str) -> str:
    """The kind of a list item's marker: "(1)" -> "(9)", "b." -> "a.", "- " -> "-"; "" for none."""
    match = _MARKER.match(text)
    if not match:
        return ""
    return re.sub(r"\d+", "9", re.sub(r"^\(?[a-z]", lambda m: m.group(0)[:-1] + "a", match.group(1)))


def _clean(text: str) -> str:
    return " ".join(text.split())


def with_markers(sentence: str, markers: list[int]) -> str:
    """Put ``[n]`` markers before the sentence's closing punctuation."""
    tags = "".join(f"[{m}]" for m in markers)
    stripped = sentence.rstrip()
    if stripped.endswith((".", "!", "?")):
        return f"{stripped[:-1]} {tags}{stripped[-1]}"
    return f"{stripped} {tags}"

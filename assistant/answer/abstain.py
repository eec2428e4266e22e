"""Decide from the evidence whether a question can be answered, and pick what answers it.

There are no rules per kind of question: a question is answered when a unit scores above the
calibrated threshold and carries what the question names (its code, its payer, the document it
names). Otherwise the answer abstains and the reason says what is missing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.answer.code_evidence import (
    carries,
    code_label,
    code_table,
    concerns,
    listing_without,
    names_any,
    names_others,
)
from assistant.answer.conditions import row_meets
from assistant.answer.evidence import EvidenceSet, EvidenceUnit
from assistant.answer.gives import MODIFIER_ASKED, gives
from assistant.answer.mentions import WORDS, beyond_title, mentions, new_topic, own_terms, says_itself, stem_of
from assistant.answer.question import Question
from assistant.answer.rank import (
    ASKS_NOTICE,
    REQUIRED_TYPES,
    Scored,
    defines,
    is_literature,
    is_notice,
    keyed_by,
    numeric_conflict,
    row_of,
)
from assistant.answer.turns import STOP_WORDS
from assistant.codes import SUBJECT_CODE_KINDS


@dataclass(frozen=True)
class Verdict:
    """The units that answer (best first), or the reason nothing does."""

    chosen: tuple[Scored, ...]
    reason: str | None
    note: str | None = None  # said with the answer: "Code C56.1 is not among the codes listed there."
    # Nothing above the threshold speaks of what is asked ("lap band"): no source is about it.
    unspoken: bool = False

    @property
    def abstained(self) -> bool:
        """True when nothing answers."""
        return self.reason is not None


def missing_names(question: Question, evidence: EvidenceSet, known_payers: set[str], labels: dict[str, str]) -> list[str]:
    """What the question names that no evidence mentions at all: codes (ranges count), modifiers,
    payers (``known_payers``: the payer keys any document or fact mentions). A question that names a
    document with a table of codes of the asked code's kind leaves that code to the table ("is C56.1
    on A99901's list?" is answered by the list); one naming a document without such a table does not
    ("bill G2082 or G2083 for <drug>?" when no source has those codes)."""
    tabled = {kind for doc_id in question.named_documents for _, kinds in evidence.code_rows.get(doc_id, []) for kind in kinds}
    kinds = {code: kind for kind, _, code in (e.key.partition(":") for e in question.entities)}
    missing = [
        code_label(code)
        for code in question.codes
        if kinds.get(code) not in tabled and code not in evidence.known_codes and not evidence.naming(code)
    ]
    missing += [labels.get(p, p) for p in question.payers if p not in known_payers]
    # Modifiers no source names ("GA or GZ modifier?") are ones the sources cannot say anything
    # about; when the sources name one of those asked ("JW or KX?"), it answers.
    asked = dict.fromkeys(e.key.split(":", 1)[1] for e in question.entities if e.kind == "modifier")
    if asked and not any(m in evidence.known_modifiers for m in asked):
        missing += [f"modifier {m}" for m in asked]
    return missing


def choose(
    ranked: list[Scored],
    question: Question,
    evidence: EvidenceSet,
    payer_words: dict[str, re.Pattern[str]],
    *,
    threshold: float,
    margin: float,
    limit: int,
    list_limit: int | None = None,
    min_similarity: float = 0.0,
) -> Verdict:
    """The best units above ``threshold`` that carry the question's code and payer, with those
    within ``margin`` of the best (at most ``limit``; a question asking for a list of codes gets
    the rows of the table that lists them, at most ``list_limit``), or why there are none.

    A unit whose meaning is unrelated to the question (cosine similarity, with its list's lead-in,
    below ``min_similarity``) shares words with it by chance ("capital" in "slipped capital femoral
    epiphysis" for a question about a country's capital) and never answers."""
    eligible = [s for s in ranked if s.score >= threshold and s.feature("dense_context") >= min_similarity]
    if question.named_documents:
        eligible = [s for s in eligible if s.unit.doc_id in question.named_documents]
    carrying = [s for s in eligible if carries(s.unit, question, evidence, payer_words)]
    if question.codes:
        # "Does Larch Valley cover scalp cooling for C56.1?": the article's list of diagnoses answers,
        # by not naming it; so it does beside a procedure code the article does name ("will they pay
        # 0991T with C56.1?"), whose passages say nothing of that diagnosis.
        listing, absent = listing_without(ranked, question, evidence, limit)
        if listing and (not carrying or len(absent) < len(question.codes)):
            codes = ", ".join(map(code_label, absent))
            return Verdict(tuple(listing), None, f"{codes[:1].upper()}{codes[1:]} is not among the codes listed there.")
    if question.wants_list and question.expects == "code" and not question.codes and carrying and not MODIFIER_ASKED.search(question.query):
        # "What CPT codes are listed for scalp cooling?": the table of such codes in the document that
        # answers, whole, before a sentence that names one of them.
        kinds = {question.code_system} & SUBJECT_CODE_KINDS if question.code_system else set(SUBJECT_CODE_KINDS)
        scope = question.named_documents or question.payer_documents or frozenset({carrying[0].unit.doc_id})
        table = code_table(ranked, evidence, scope, kinds, question.subject_terms, list_limit or limit)
        # "Which codes need no prior authorization?": the rows whose cell says otherwise give way.
        table = [s for s in table if row_meets(s.unit.text, question.query) is not False]
        if table:
            return Verdict(tuple(table), None)
    if question.named_documents and not eligible:
        named = " / ".join(question.named_names[:2])
        return Verdict((), f"The {named} document does not answer this.")
    if not eligible:
        return Verdict((), "The sources do not answer this question.")
    if carrying and question.codes and question.expects != "code":
        # A unit naming codes, none of them the asked one, speaks of those codes: the rows of
        # 99291 do not say how long a 99213 visit lasts.
        carrying = [s for s in carrying if not names_others(s.unit, question, evidence)]
        if not carrying:
            return Verdict((), f"No passage speaks of {', '.join(map(code_label, question.codes))} itself.")
    if carrying and question.modifiers:
        # "telehealth for <payer> - modifier 95 or GT?": a document naming neither modifier says
        # nothing about them, however close its rows come.
        carrying = [s for s in carrying if question.modifiers & evidence.document_modifiers.get(s.unit.doc_id, frozenset())]
        if not carrying:
            whose = question.named_names[:1] or question.payer_names
            about = f" about {', '.join(whose)}" if whose else ""
            modifiers = " or ".join(sorted(question.modifiers))
            return Verdict((), f"No source{about} names modifier {modifiers}.")
    if carrying:
        # A caption ("Table 3.") names a table; it answers nothing, however close its words come.
        carrying = [s for s in carrying if not _CAPTION.match(s.unit.text)]
        if not carrying:
            return Verdict((), "Only a table or figure caption comes close; no passage answers this.")
    if carrying:
        # A study report says what a study found, not what a payer or manual requires.
        carrying = [s for s in carrying if not is_literature(s.unit.text)]
        if not carrying:
            return Verdict((), "Only reports of studies speak of this; the sources state no rule on it.")
    if carrying and not ASKS_NOTICE.search(question.query):
        # Licence and disclaimer text says who owns the codes; it answers no billing question.
        carrying = [s for s in carrying if not is_notice(s.unit.text)]
        if not carrying:
            return Verdict((), "Only licence or disclaimer text comes close; the sources state no rule on this.")
    topic: tuple[str, ...] = ()  # what an elliptical follow-up newly asks about (new_topic)
    if carrying and question.subject_terms:
        # A quote sharing no word of what is asked (a title, an introduction) does not answer it.
        # A question naming only its measure ("how many times can we bill X?") is left to the
        # answer-type check below: "once per treatment episode" shares no word with it.
        names = list(payer_words.values())
        # A brand matches the generic the source gives ("Zoloft" -> sertraline): its synonyms count.
        terms = question.key_terms + question.synonyms
        if question.carried and question.text != question.query and not question.context:
            topic = new_topic(question, terms, [s.unit for s in carrying], evidence, names)
        elif not question.carried and question.text != question.query:
            terms = own_terms(question, terms)
        closest = carrying[0].unit
        carrying = [s for s in carrying if mentions(s.unit, beyond_title(terms, s.unit, evidence), evidence, names)]
        if not carrying:
            # Units were kept for the payer asked: say so, or "gepant" reads as absent from every source.
            # The words named are those the closest passage's document lacks beyond its title's.
            about = f" about {', '.join(question.payer_names)}" if question.payer_names else ""
            unspoken = beyond_title(question.key_terms, closest, evidence)
            return Verdict((), f"No passage{about} speaks of " + ", ".join(unspoken[:4]) + ".", unspoken=True)
    required = _required_object(question)
    if carrying and required:
        # "Does X need prior auth for Y?" is answered by a unit that speaks of prior authorization.
        names = list(payer_words.values())
        carrying = [s for s in carrying if mentions(s.unit, required, evidence, names)]
        if not carrying:
            asked = _REQUIRE.search(question.query)
            what = " ".join(question.query[asked.start(1) :].split()[:2]) if asked else required[0]
            return Verdict((), f"No passage says whether {what.rstrip('?.,')} is required.")
    if carrying and question.expects in REQUIRED_TYPES:
        giving = [s for s in carrying if gives(s.unit, question, evidence)]
        if carrying[0] not in giving:
            # The answer may follow the sentence that speaks of the question: "... the UB-04
            # codes may not be copied. ... please contact the AHA at ub04@aha.org"; or lead its
            # line: "Program: 3/2025; ...: Revised .... Removed requirement for ...". The best
            # unit keeps its place, with that neighbour.
            pair = _continuations(carrying[0], question, evidence)
            giving = pair + [s for s in giving if s.unit.position not in {p.unit.position for p in pair}]
        if not giving:
            return Verdict((), f"No passage gives the {_TYPE_NAMES[question.expects]} asked for.")
        # "min time to bill G3002?": a number under G3002's own heading answers, not the 99291
        # rows of the same booklet, which carry G3002 only as the document does.
        specific = [s for s in giving if concerns(s.unit, question.codes, evidence)]
        carrying = specific or giving
    if not carrying:
        # Payers as the question writes them ("UHC"), not as entity keys.
        what = ", ".join([*(code_label(c) for c in question.codes), *question.payer_names]) or "what is asked"
        return Verdict((), f"No passage that answers this concerns {what}.")
    echoes = [s for s in carrying if _echoes(s.unit, question, evidence)]
    if len(echoes) < len(carrying):
        carrying = [s for s in carrying if s not in echoes]  # a title or heading says what is asked, not the answer
    best = carrying[0].score
    own: list[Scored] = []  # rows of the asked codes quoted however far below the best (below)
    if question.codes:
        # Among the units close to the best, one naming the asked code speaks for it before one
        # that only shares its document (a preference, never a filter: "The record should state
        # ..." in a J0585 tip answers "what should the record state about J0585?"), and a table
        # row whose first cell is the asked code before rows naming it in another column.
        close = [s for s in carrying if s.score >= best - margin]
        naming = [s for s in close if names_any(s.unit, question.codes, evidence)]
        keyed = [s for s in naming if keyed_by(s.unit, question.codes)]
        # The row of an asked code that names every asked code ("90839 - can we add 90785?", "what
        # is on the 'not to be reported with' list for 90839?") answers, though rows of other codes
        # naming them rank above it: it is quoted first when it clears the threshold or comes within
        # the margin of the best (the threshold decides whether to answer, not which unit to quote);
        # asked what the code is ("whats 90839 for"), its row is the answer wherever it ranks.
        floor = -math.inf if question.asks_definition else min(threshold, best - margin)
        own += [
            s for s in ranked
            if s.score >= floor and s not in keyed and row_of(s.unit, question.codes)
            and all(s.unit.names_code(c) for c in question.codes)
            and (not question.named_documents or s.unit.doc_id in question.named_documents)
            and carries(s.unit, question, evidence, payer_words)
            and (not topic or says_itself(s.unit, topic, evidence))
        ]
        # "how many times can we bill 0998T?": a row holding no number follows the units that give one.
        after = [s for s in own if question.expects in REQUIRED_TYPES and not gives(s.unit, question, evidence)]
        keyed += [s for s in own if s not in after]
        first = keyed + [s for s in naming if s not in keyed] + after
        carrying = first + [s for s in carrying if s not in first]
    if topic:
        # "what about maintenance tx?" after a question about 90867: "Maintenance therapy is not
        # covered." before the 90867 sentence that follows it, which speaks of it only by being next
        # (a preference, never a filter: "for patients of Asian descent, the BMI values above
        # should be reduced ..." needs the values above it).
        saying = [s for s in carrying if says_itself(s.unit, topic, evidence)]
        carrying = saying + [s for s in carrying if s not in saying]
    if question.asks_definition:
        defining = [s for s in carrying if row_of(s.unit, question.codes) or any(defines(s.unit.text, code) for code in question.codes)]
        carrying = defining or carrying  # "64615 describes ..." answers "what is 64615?" before a use of it
    if question.wants_list:
        # "Which codes need no prior authorization?": rows whose cell says otherwise give way.
        meeting = [s for s in carrying if s.unit.kind == "row" and row_meets(s.unit.text, question.query)]
        if meeting:
            carrying = meeting + [s for s in carrying if s.unit.kind != "row"]
    fitting = [s for s in carrying if not numeric_conflict(question.query, s.unit.text)]
    carrying = fitting or carrying  # "5 or more muscles" does not answer "3 muscles" when another quote fits
    best = max(s.score for s in carrying)  # the order above may put a unit below the best first
    kept = {s.unit.position for s in own}
    chosen: list[Scored] = []
    seen: set[str] = set()
    for scored in carrying:
        key = " ".join(scored.unit.text.lower().split())
        if len(chosen) >= limit:
            break
        if key in seen or (scored.score < best - margin and scored.unit.position not in kept):
            continue
        seen.add(key)
        chosen.append(scored)
    if not chosen:
        return Verdict((), "The sources do not answer this question.")
    return Verdict(tuple(chosen), None)


_NEIGHBOURS = 2  # sentences either side of the best unit that may hold the answer it speaks of


def _continuations(anchor: Scored, question: Question, evidence: EvidenceSet) -> list[Scored]:
    """The best unit with the nearest unit beside it in its section (one on the same line first,
    then the one saying most words of the question, then at most ``_NEIGHBOURS`` away, after before
    before) that holds the kind of answer asked,
    both with the best unit's score, in document order; or nothing."""
    unit = anchor.unit
    if unit.kind == "fact":
        return []
    text = evidence.documents[unit.doc_id].text
    near = [p for d in range(1, _NEIGHBOURS + 1) for p in (unit.position + d, unit.position - d) if 0 <= p < len(evidence.units)]
    near = [p for p in near if (o := evidence.units[p]).doc_id == unit.doc_id and o.section == unit.section and o.kind != "fact"]

    def same_line(position: int) -> bool:  # a table row or history entry split into sentences
        other = evidence.units[position]
        return "\n" not in text[min(unit.end, other.end) : max(unit.start, other.start)]

    def said(position: int) -> int:  # "Effective Date; 7/1/2026" for "effective date?", not "Approval Date; ..."
        return sum(says_itself(evidence.units[position], (word,), evidence) for word in question.focus)

    # Stable: the same line first, then the one saying most words of the question, else as before.
    for position in sorted(near, key=lambda p: (not same_line(p), -said(p))):
        other = evidence.units[position]
        if gives(other, question, evidence):
            pair = [anchor, Scored(other, anchor.features, anchor.score)]
            return pair if position > unit.position else pair[::-1]
    return []


_REQUIRE = re.compile(
    r"\b(?:need|needs|require|requires|required)\s+(?:(?:a|an|the|to|be|any|us|we)\s+)*([a-z][\w-]*)(?:\s+([a-z][\w-]*))?", re.I
)


def _required_object(question: Question) -> tuple[str, ...]:
    """What a "does X need / require ..." question asks to be required, as key terms: the head of
    the noun phrase after the verb, its last word of the two first that are key terms ("prior
    auth" -> "auth", "authorization": "prior to billing" does not say an authorization is
    needed; "a referral for ..." -> "referral"), with the key terms it begins; empty when the
    question asks no such thing."""
    match = _REQUIRE.search(question.query)
    if not match or question.expects != "yesno":
        return ()
    for word in (w.lower() for w in (match.group(2), match.group(1)) if w):
        terms = tuple(t for t in question.key_terms if t.startswith(word) or word.startswith(t))
        if terms:
            return terms
    return ()


_ECHOWORDS = 10  # a unit this short that adds at most one word to the question is a title or a heading


def _echoes(unit: EvidenceUnit, question: Question, evidence: EvidenceSet) -> bool:
    """Whether ``unit`` only repeats the question and its document's title: a short line with at
    most one word of its own, no number and no negation ("Example Health Plan prior authorization
    note (fictional)." for "does Example Health Plan require prior authorization?")."""
    words = WORDS.findall(unit.text.lower())
    if unit.kind == "fact" or len(words) >= _ECHOWORDS or _NEGATION.search(unit.text) or re.search(r"\d", unit.text):
        return False
    document = evidence.documents[unit.doc_id]
    known = {stem_of(w) for w in WORDS.findall(f"{question.query} {document.title} {document.publisher}".lower())}
    own = {stem_of(w) for w in words if w not in STOP_WORDS and len(w) > 2} - known
    return len(own) <= 1


_CAPTION = re.compile(r"^\W*(table|figure|fig\.|exhibit|appendix|attachment|chart)\s+[\w.-]{1,6}\W*$", re.I)
_NEGATION = re.compile(r"\b(not|no|never|non|none|except|excluded?|unless)\b", re.I)


_TYPE_NAMES = {"contact": "phone number or contact", "date": "date", "money": "amount", "number": "number", "code": "code"}

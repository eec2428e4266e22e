"""Give each sentence its context: whether it is a list item or a table row, and its list's lead-in.

A list item quoted without "The following are not covered:" flips its meaning, so the lead-in
travels with every item (and every table row under an introducing line) as a span of its own.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.ingest.chunking import is_table_row
from assistant.models import Document, Sentence, SentenceKind

# What starts a list item, before or inside the sentence span: "- ", "• ", "1. ", "a) ", "(c) ".
_ITEM = re.compile(r"^[ \t]*(?:[-*•◦▪●]|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))[ \t]+")
# A parenthesised marker opening a sentence inside a line: "(b) ..." after "(a) ... ".
_INLINE_ITEM = re.compile(r"\([a-z0-9]{1,2}\)[ \t]+\S")
# How many sentences back a lead-in may stand (a long list).
_LOOKBACK = 60
# A lead-in whose colon the source left out: "One of the following", "all of the following criteria".
_OPEN_LEAD = re.compile(r"\bthe following(?:\s+[\w-]+){0,2}\s*$", re.I)


def introduces_list(text: str) -> bool:
    """Whether a sentence introduces a list: it ends with ":", or with "the following" and at most
    two more words and no punctuation ("One of the following")."""
    stripped = text.rstrip()
    if not re.search(r"[^\W\d_]", stripped):
        return False  # a colon the extractor left on a line of its own introduces nothing
    return stripped.endswith(":") or bool(_OPEN_LEAD.search(stripped))


def with_context(document: Document, sentences: list[Sentence]) -> list[Sentence]:
    """``sentences`` (one document's, in order) with ``kind`` and ``lead_in`` filled in."""
    out: list[Sentence] = []
    for sentence in sentences:
        kind = sentence_kind(document.text, sentence.start, sentence.end)
        out.append(replace(sentence, kind=kind, lead_in=_lead_in(document.text, out, sentence.start, kind)))
    return out


def sentence_kind(text: str, start: int, end: int) -> SentenceKind:
    """``row`` for a stored table row, ``item`` for a list item, else ``sentence``."""
    body = text[start:end]
    if is_table_row(body):
        return "row"
    prefix = text[text.rfind("\n", 0, start) + 1 : start]
    if not prefix.strip(" \t-*•◦▪●") and (_ITEM.match(prefix + " ") or _ITEM.match(body)):
        return "item"
    if _INLINE_ITEM.match(body):
        return "item"  # "(a) BDI (b) HAMD ...": items the PDF printed on one line
    return "sentence"


def _lead_in(text: str, earlier: list[Sentence], start: int, kind: SentenceKind) -> tuple[int, int] | None:
    """The span of the line introducing the list of the sentence starting at ``start``.

    An item or row: the nearest earlier line introducing a list (``introduces_list``) that only
    items (or rows) of the same kind separate from it (an item introducing one starts a nested
    list). Items indented deeper than this one belong to a nested list that has ended: the item
    that introduced them is this one's sibling. A PDF loses indentation, so markers tell the same:
    items marked in another style that introduce nothing (a nested list's "(a)", "(b)") are passed
    over to the earlier item marked and numbered as this one's sibling ("(2)" for "(3)", after a
    joining "-AND-" too), whose lead-in is this one's; with no such sibling the first passed item's
    lead-in stands. Running text: the line just before it when that
    introduces a list, or the lead-in of the line before when that reads as a list entry whose
    marker the PDF lost (it ends with ';', ', or', ', and', or no full stop and no blank line
    follows it).
    """
    if not earlier:
        return None
    if kind == "sentence":
        previous = earlier[-1]
        before = text[previous.start : previous.end].rstrip()
        if introduces_list(before):
            return (previous.start, previous.end)
        if previous.lead_in is not None and before.endswith((";", "; or", "; and", ",")):
            return previous.lead_in
        if previous.lead_in is not None and not before.endswith(".") and "\n\n" not in text[previous.end : start]:
            return previous.lead_in
        return None
    indent = _indent(text, start)
    nested = False
    mine = marker_style(text, start) if kind == "item" else None
    passed: list[tuple[int, int] | None] = []  # lead-ins of the items of a list nested under a sibling
    for sentence in reversed(earlier[-_LOOKBACK:]):
        introduces = introduces_list(text[sentence.start : sentence.end])
        if sentence.kind == kind:
            if _indent(text, sentence.start) > indent:
                nested = True
                continue
            theirs = marker_style(text, sentence.start) if mine else None
            if mine and theirs and theirs[0] != mine[0] and not introduces:
                passed.append(sentence.lead_in)  # "(a) BDI" under "(2) ... one of the following:"
                continue
            sibling = mine and theirs and theirs[0] == mine[0] and theirs[1] < mine[1]
            if sibling and (introduces or sentence.lead_in is not None or passed):
                # Marked as this item is, and numbered before it: "(2) ... the following:" is no
                # lead-in of "(3)" (but "4. References:" is one of "1. ...").
                return sentence.lead_in
            if introduces and not nested and not passed:
                return (sentence.start, sentence.end)
            if sentence.lead_in is not None and not passed:
                return sentence.lead_in
            if passed:
                return passed[0]
            continue
        if sentence.kind == "sentence" and introduces:
            if passed:
                continue  # the lead-in of the nested list passed: its sibling item comes before it
            return (sentence.start, sentence.end)
        return passed[0] if passed else None
    return passed[0] if passed else None


# A numbered or lettered marker after the bullet or joining word a PDF may print before it
# ("-AND- (2) ...", "OR b. ..."): "(1)", "1.", "(a)", "a." and "1)" are each a style of their own.
_MARKER = re.compile(r"^[ \t]*(?:[-*•◦▪●][ \t]*)?(?:(?:and|or)[ \t]*-?[ \t]*)?(\()?(?:(\d{1,2})|([a-z]))([.)])", re.I)


def marker_style(text: str, start: int) -> tuple[str, int] | None:
    """The style and number of the numbered or lettered marker opening the line of ``start``
    (("(9)", 2) for "(2)", ("9.", 3) for "3.", ("(a)", 3) for "(c)"), or None for a bullet or none."""
    line = text[text.rfind("\n", 0, start) + 1 : start + 16]
    match = _MARKER.match(line)
    if not match:
        return None
    opening, digits, letter, closing = match.groups()
    if opening and closing != ")":
        return None
    number = int(digits) if digits else ord(letter.lower()) - ord("a") + 1
    return f"{opening or ''}{'9' if digits else 'a'}{closing}", number


def _indent(text: str, position: int) -> int:
    """How far the line holding ``position`` is indented (spaces; a tab counts as four)."""
    line = text[text.rfind("\n", 0, position) + 1 : position]
    blank = len(line) - len(line.lstrip(" \t"))
    return len(line[:blank].expandtabs(4))

"""Cut sentences too long for the embedding model into pieces that fit, each an exact span.

A sentence embedded whole must fit the model's maximum sequence length (all-MiniLM-L6-v2 reads 256
word pieces, two of them its own markers); past it the model silently drops the tail, so a fact at
the end of a 5,000-character sentence was never found. Such a sentence is stored as consecutive
pieces, each a span of the document text that fits, cut at the last ``;`` in the second half of
what fits, else the last ``,``, else the last ``:``, else the last space: every piece is still quoted as
``text[start:end]``, with its sentence's section, kind and lead-in.

The word pieces are counted by a :class:`TokenCounter` the caller gives (the pipeline passes the
embedding model's own tokenizer, ``assistant.embed.tokens``), so this stage never loads a model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from assistant.models import Document, Sentence

_CLAUSE_BREAKS = (";", ",", ":")


class TokenCounter(Protocol):
    """How an embedding model cuts text: its token budget and where each token of a text ends."""

    @property
    def max_tokens(self) -> int:
        """Tokens of text one embedded input may hold (the model's own markers excluded)."""
        ...

    def token_ends(self, text: str) -> list[int]:
        """The end offset in ``text`` of each of its tokens, in order."""
        ...


def fit_sentences(document: Document, sentences: list[Sentence], tokens: TokenCounter) -> list[Sentence]:
    """``sentences`` (one document's, in order) with each one longer than ``tokens.max_tokens``
    replaced by pieces that fit; a lead-in (or a footnote's caller) pointing at a cut sentence
    points at its last piece."""
    if tokens.max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {tokens.max_tokens!r}")
    out: list[Sentence] = []
    moved: dict[tuple[int, int], tuple[int, int]] = {}
    for sentence in sentences:
        spans = pieces(document.text, sentence.start, sentence.end, tokens)
        if len(spans) > 1:
            moved[(sentence.start, sentence.end)] = spans[-1]
        lead_in = moved.get(sentence.lead_in, sentence.lead_in) if sentence.lead_in else None
        note_of = moved.get(sentence.note_of, sentence.note_of) if sentence.note_of else None
        out.extend(replace(sentence, start=start, end=end, lead_in=lead_in, note_of=note_of) for start, end in spans)
    return out


def pieces(text: str, start: int, end: int, tokens: TokenCounter) -> list[tuple[int, int]]:
    """Spans of ``text[start:end]`` in order, each within ``tokens.max_tokens``; one span when it fits."""
    limit = tokens.max_tokens
    body = text[start:end]
    if sum(not c.isspace() for c in body) <= limit:  # every token holds a character: it fits
        return [(start, end)]
    ends = tokens.token_ends(body)
    if len(ends) <= limit:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    first_token = 0
    begin = 0
    while len(ends) - first_token > limit:
        reach = ends[first_token + limit - 1]  # the piece may run to the end of its last token that fits
        cut = _cut(body, begin, reach)
        spans.append((begin, cut))
        begin = cut
        while begin < len(body) and body[begin].isspace():
            begin += 1
        while first_token < len(ends) and ends[first_token] <= begin:
            first_token += 1
    spans.append((begin, len(body)))
    return [(start + a, start + _rstrip(body, a, b)) for a, b in spans if body[a:b].strip()]


def _cut(body: str, begin: int, reach: int) -> int:
    """Where a piece starting at ``begin`` ends, at most at ``reach``: just after the last clause break
    of its second half (``;`` before ``,`` before ``:``), else at its last space, else at ``reach``
    (one very long word)."""
    window = body[begin:reach]
    middle = len(window) // 2
    for mark in _CLAUSE_BREAKS:  # in order of preference: a table row's "Header: cell" stays whole
        clause = window.rfind(mark + " ", middle)
        if clause >= middle:
            return begin + clause + 1
    space = window.rfind(" ")
    if space > 0:
        return begin + space
    return reach


def _rstrip(body: str, begin: int, end: int) -> int:
    while end > begin and body[end - 1].isspace():
        end -= 1
    return end

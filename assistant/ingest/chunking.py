"""Split a document into sections, sentences and overlapping chunks, keeping character offsets.

Every span is an offset pair into ``Document.text``, so ``text[start:end]`` is always the exact
words a citation quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pysbd

from assistant.models import Document, Passage, Sentence

_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
# Characters trimmed from both ends of a sentence span (list bullets, stray dashes, spaces).
_TRIM = " \t\r\n-*•"
_TERMINAL = (".", "!", "?", ":", ")", '"', "|")
# A list item: a bullet or a number ("1." "2)") then a space.
_ITEM_RE = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])[ \t]+\S")
# A table cell after its header: "Prior authorization: No" (a header of a few words, no sentence in it).
_KEYED_RE = re.compile(r"^[^.;:!?]{1,60}: \S")
_MAX_BARE_CELL = 80


@dataclass(frozen=True)
class Section:
    """A run of document text under one heading (``title`` is None before the first heading);
    ``heading`` is the span of the heading line, if any."""

    title: str | None
    start: int
    end: int
    heading: tuple[int, int] | None = None


SECTION_PATH_SEPARATOR = " > "


def split_sections(text: str) -> list[Section]:
    """Cut ``text`` at Markdown headings; the heading line itself belongs to no section body.

    A heading with no text of its own introduces what follows: deeper headings until one of its
    level or higher, and headings of its own level until the first that has text. Their title is
    the path: "ICD-10-CM Codes that Support Medical Necessity > Group 1 (2 Codes)" (PDF headings
    come out all at one level; the path keeps what a code group lists)."""
    sections: list[Section] = []
    title: str | None = None
    heading: tuple[int, int] | None = None
    body_start = 0
    level = 0
    introducing: list[tuple[int, str, bool]] = []  # (level, title, still introducing its own level)
    for match in _HEADING_RE.finditer(text):
        if text[body_start : match.start()].strip():
            sections.append(Section(title, body_start, match.start(), heading))
            introducing = [(lv, t, False) for lv, t, _ in introducing]
        elif title is not None:
            introducing.append((level, title.rsplit(SECTION_PATH_SEPARATOR, 1)[-1], True))
        level = len(match.group(1))
        introducing = [(lv, t, open_) for lv, t, open_ in introducing if lv < level or lv == level and open_]
        title = SECTION_PATH_SEPARATOR.join([*(t for _, t, _ in introducing), match.group(2)])
        heading = (match.start(), match.end())
        body_start = min(len(text), match.end() + 1)
    if body_start < len(text):
        sections.append(Section(title, body_start, len(text), heading))
    return [s for s in sections if text[s.start : s.end].strip()]


def document_sections(document: Document) -> list[Section]:
    """The sections of a document; one under a flagged heading (a line addressing a model) has no title."""
    return [
        Section(None, s.start, s.end, s.heading) if s.heading and document.is_flagged(*s.heading) else s
        for s in split_sections(document.text)
    ]


def escape_headings(text: str) -> str:
    """``text`` with each line that would read as a Markdown heading backslash-escaped, so plain
    text (a PDF page, a .txt file) adds no sections of its own."""
    return _HEADING_RE.sub(lambda match: "\\" + match.group(0), text)


def section_at(text: str, offset: int) -> str | None:
    """Title of the section that contains character ``offset`` of ``text``."""
    title: str | None = None
    for section in split_sections(text):
        if section.start > offset:
            break
        title = section.title
    return title


def split_sentences(document: Document) -> list[Sentence]:
    """Sentence spans of the document, section by section, trimmed of bullets and whitespace.

    A table row line (``Code: 64617; Prior authorization: No``) and a list item line (``- ...``,
    ``1. ...``) are each one unit, never split and never joined to a neighbour. In other text,
    fragments without closing punctuation of three words or fewer (a bare "Modifier" line) are
    joined to the sentence that follows, so "Modifier\\n50(...): Used when ..." stays one unit;
    so is a line without closing punctuation followed by one starting in lower case (a sentence
    hard-wrapped in a Markdown or text file). Headings belong to no section body, so a heading is
    never part of a sentence. A sentence that overlaps a flagged line (``Document.flagged``: it
    addresses a model) is left out: it is never evidence.
    """
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    sentences: list[Sentence] = []
    for section in document_sections(document):
        for start, end, unit in _segments(document.text, section.start, section.end):
            if unit:
                start, end = _trim(document.text, start, end)
                if start < end:
                    sentences.append(Sentence(document.doc_id, start, end, section.title))
                continue
            sentences.extend(_prose_sentences(document, segmenter, start, end, section.title))
    return [s for s in sentences if not document.is_flagged(s.start, s.end)]


def _prose_sentences(
    document: Document, segmenter: pysbd.Segmenter, begin: int, finish: int, title: str | None
) -> list[Sentence]:
    """The sentences of running text ``document.text[begin:finish]`` (see ``split_sentences``)."""
    body = document.text[begin:finish]
    pieces = [
        (start, end)
        for span in segmenter.segment(body)
        for start, end in [_trim(document.text, begin + span.start, begin + span.end)]
        if start < end
    ]
    sentences: list[Sentence] = []
    pending_start: int | None = None
    for position, (start, end) in enumerate(pieces):
        piece = document.text[start:end]
        if pending_start is not None:
            start = pending_start
            pending_start = None
        following = document.text[pieces[position + 1][0]] if position + 1 < len(pieces) else ""
        if not piece.endswith(_TERMINAL) and (len(piece.split()) <= 3 or following.islower()):
            pending_start = start
            continue
        sentences.append(Sentence(document.doc_id, start, end, title))
    if pending_start is not None:
        end = _trim(document.text, pending_start, finish)[1]
        sentences.append(Sentence(document.doc_id, pending_start, end, title))
    return sentences


def _segments(text: str, begin: int, finish: int) -> list[tuple[int, int, bool]]:
    """``text[begin:finish]`` cut into runs of prose and single unit lines (table rows, list items):
    ``(start, end, is_unit)``."""
    segments: list[tuple[int, int, bool]] = []
    prose_start = begin
    position = begin
    while position < finish:
        newline = text.find("\n", position, finish)
        line_end = finish if newline < 0 else newline
        if is_unit_line(text[position:line_end]):
            if _ITEM_RE.match(text[position:line_end].strip()):
                line_end = _wrapped_end(text, position, line_end, finish)
            if prose_start < position:
                segments.append((prose_start, position, False))
            segments.append((position, line_end, True))
            prose_start = line_end
        position = line_end + 1
    if prose_start < finish:
        segments.append((prose_start, finish, False))
    return [(start, end, unit) for start, end, unit in segments if text[start:end].strip()]


def _wrapped_end(text: str, start: int, line_end: int, finish: int) -> int:
    """The end of the list item on the line ``text[start:line_end]``: that line and the lines after
    it that go on its sentence (hard-wrapped, starting in lower case: "2. ... (e.g." then
    "uncooperative with treatment plan)."), up to ``finish``. An item introducing a list of its
    own (ending ":") ends with its line."""
    if text[start:line_end].rstrip().endswith(":"):
        return line_end
    while line_end < finish:
        newline = text.find("\n", line_end + 1, finish)
        following = text[line_end + 1 : finish if newline < 0 else newline]
        if not following.strip() or not following.lstrip()[0].islower() or is_unit_line(following):
            break
        line_end = finish if newline < 0 else newline
    return line_end


def is_unit_line(line: str) -> bool:
    """Whether a line is one evidence unit on its own: a list item or a table row."""
    stripped = line.strip()
    return bool(_ITEM_RE.match(stripped)) or is_table_row(stripped)


_CONJUNCTIONS = frozenset({"or", "and", "and/or"})


def is_table_row(line: str) -> bool:
    """Whether a line reads as a stored table row: ``Header: cell; Header: cell`` (most parts keyed
    by a short header), or short cells joined by ``; `` with no closing punctuation."""
    parts = line.strip().split("; ")
    if len(parts) < 2 or parts[-1].strip().lower() in _CONJUNCTIONS:
        return False  # "BMI ≥ 40 kg/m2; or" is a list item going on to the next, not a row
    keyed = sum(1 for part in parts if _KEYED_RE.match(part))
    if keyed >= 2 and keyed * 2 >= len(parts):
        return True
    return not line.rstrip().endswith(_TERMINAL) and all(len(part) <= _MAX_BARE_CELL for part in parts)


def chunk_document(document: Document, sentences: list[Sentence], size: int, overlap: int) -> list[Passage]:
    """Pack consecutive sentences of one section into chunks of about ``size`` characters.

    A chunk never crosses a section boundary nor a flagged line (one addressing a model, left out
    of the sentences); the next chunk repeats whole trailing sentences worth at most ``overlap``
    characters. A single sentence longer than ``size`` is its own chunk.
    """
    passages: list[Passage] = []
    for section in document_sections(document):
        run = [s for s in sentences if section.start <= s.start and s.end <= section.end]
        for window in (w for part in _unflagged_runs(document, run) for w in _windows(part, size, overlap)):
            start, end = window[0].start, window[-1].end
            passages.append(
                Passage(
                    passage_id=f"{document.doc_id}#{start}-{end}",
                    kind="chunk",
                    doc_id=document.doc_id,
                    text=document.text[start:end],
                    start=start,
                    end=end,
                    section=section.title,
                )
            )
    return passages


def _unflagged_runs(document: Document, run: list[Sentence]) -> list[list[Sentence]]:
    """``run`` cut wherever a flagged line lies between two consecutive sentences."""
    parts: list[list[Sentence]] = []
    for sentence in run:
        if parts and not document.is_flagged(parts[-1][-1].end, sentence.start):
            parts[-1].append(sentence)
        else:
            parts.append([sentence])
    return parts


def _windows(run: list[Sentence], size: int, overlap: int) -> list[list[Sentence]]:
    windows: list[list[Sentence]] = []
    index = 0
    while index < len(run):
        window = [run[index]]
        while index + len(window) < len(run) and run[index + len(window)].end - window[0].start <= size:
            window.append(run[index + len(window)])
        windows.append(window)
        next_index = index + len(window)
        if next_index >= len(run):
            break
        # Step back over whole trailing sentences that fit in the overlap budget.
        back = 0
        while back + 1 < len(window) and window[-1].end - window[-1 - back].start <= overlap:
            back += 1
        index = next_index - back
    return windows


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end

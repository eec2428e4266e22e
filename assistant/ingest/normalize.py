"""Text normalisation shared by every source format: characters, bullets, wrapped lines, hyphenation.

What the stored text must be (the ingest -> reader contract): NFKC (the ligatures U+FB01 "ﬁ" and
U+FB02 "ﬂ" become "fi" and "fl", non-breaking spaces plain spaces), no soft hyphens or zero-width
characters, the hyphen characters U+2010-U+2012 and the minus sign written "-", bullets written ``- ``, and, for text laid out in lines (a PDF page), a sentence wrapped
over several lines joined back into one line, a word hyphenated at a line end written whole.
"""

from __future__ import annotations

import re
import unicodedata

from wordfreq import zipf_frequency

# Soft hyphen, zero-width space/joiners, word joiner, BOM, replacement character (an unmapped glyph).
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffd]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Bullet glyphs (Unicode, and the private-use code points the Symbol and Wingdings fonts map them to).
_BULLET_RE = re.compile(r"^[ \t]*[•●○◦▪▫■□◼◾‣⁃∙·\uf0a7\uf0b7\uf0d8\uf0fc\uf076\uf0a8][ \t]*", re.MULTILINE)
# The letter "o" a Word sub-bullet (Courier New/Wingdings) reads as in a PDF: "o Intragastric balloon".
_SUB_BULLET_RE = re.compile(r"^[ \t]*o[ \t]+(?=[A-Z0-9(≥≤<>\"“])", re.MULTILINE)
# PDFium writes a hyphen that ends a line, joining the two lines, as the non-character U+FFFE.
_LINE_END_HYPHEN = "\ufffe"
_SPACE_RUN_RE = re.compile(r"[ \t]{2,}")
# A line break after a character that ends no sentence, before a lower-case word or "(".
_WRAPPED_RE = re.compile(r"(?<=[^\s.:;!?])[ \t]*\n[ \t]*(?=[a-z(])")
# A word hyphenated at a line end: "medi-\ncal".
_HYPHENATED_RE = re.compile(r"(\w+)-[ \t]*\n[ \t]*([a-z]\w*)")


def normalize_chars(text: str) -> str:
    """``text`` in NFKC with soft hyphens, zero-width characters, control characters and unpaired
    surrogates removed, footnote marks on numbers dropped, and each tab a space. Line structure is
    untouched."""
    text = _SURROGATE_RE.sub("", text).replace(_LINE_END_HYPHEN, "-")
    text = _FOOTNOTE_MARK_RE.sub("", text)
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text)).replace("\t", " ").translate(_CHARACTERS)


# A superscript footnote mark on a number ("90846²"): NFKC would glue it on as a digit and make a
# code that does not exist ("908462"). On a letter it stays ("kg/m²" -> "kg/m2").
_FOOTNOTE_MARK_RE = re.compile(r"(?<=\d)[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+")
# Hyphens NFKC leaves as they are (U+2010 hyphen, U+2011 non-breaking hyphen, U+2012 figure dash,
# U+2212 minus) written "-": "UB‐04" and "312‐422‐3366" read as typed. En and em dashes stay.
# PDFium also writes a hyphen inside a table cell as the control character U+0002 ("ICD\x0210").
_HYPHENS = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\x02": "-"}
# The other control characters are dropped; tab, line feed and carriage return stay.
_CONTROLS = {chr(c): None for c in range(0x20) if chr(c) not in "\x02\t\n\r"} | {"\x7f": None}
_CHARACTERS = str.maketrans({**_HYPHENS, **_CONTROLS})


def normalize_lines(text: str) -> str:
    """Line-laid-out text (a PDF page, a table cell) tidied for storage.

    Characters are normalised (``normalize_chars``), bullet glyphs at a line start become ``- ``
    (and the "o " a Word sub-bullet reads as, before a capital, a digit or a sign),
    runs of spaces one space, line ends trimmed, words hyphenated at a line end joined when the
    joined word is the commoner spelling ("medi-\\ncal" -> "medical", "follow-\\nup" -> "follow-up"), and
    a sentence wrapped over lines joined with spaces ("written for\\nautomated tests.").
    """
    text = _BULLET_RE.sub("- ", normalize_chars(text.replace(_LINE_END_HYPHEN, "-\n")))
    text = _SUB_BULLET_RE.sub("- ", text)
    text = "\n".join(_SPACE_RUN_RE.sub(" ", line).strip() for line in text.split("\n"))
    text = _HYPHENATED_RE.sub(_unhyphenate, text)
    return join_wrapped_lines(text)


def join_wrapped_lines(text: str) -> str:
    """``text`` with line wraps inside sentences undone: a line break after a word that ends no
    sentence, before a lower-case word, becomes a space ("written for\\nautomated tests.")."""
    return _WRAPPED_RE.sub(" ", text)


def continues(before: str, after: str) -> bool:
    """Whether text ``after`` (the next page's first line) continues the sentence ``before`` ends."""
    before, after = before.rstrip(), after.lstrip()
    if not before or not after or before.endswith((".", ":", ";", "!", "?")):
        return False
    return after[0].islower() or before.endswith((",", "-"))


def _unhyphenate(match: re.Match[str]) -> str:
    left, right = match.group(1), match.group(2)
    joined, hyphenated = left + right, f"{left}-{right}"
    # Written whole only when the whole word is the commoner spelling: "medical", not "followup".
    if zipf_frequency(joined.lower(), "en") > zipf_frequency(hyphenated.lower(), "en"):
        return joined
    return hyphenated

"""Page furniture of a PDF: running headers and footers, page numbers, print stamps, copyright lines.

A line is furniture when it sits in the top or bottom margin band of its page and either repeats
(digits aside) in that band on many pages (running headers, footers, copyright lines), or is a page
number, a browser's print stamp ("5/7/26, 8:51 PM ...") or a bare URL. A copyright statement that
does not repeat is body text (the AMA and AHA notices of the CMS documents), so it stays. Lines in the body of a page are never
furniture, so a table header repeated at the top of each page's table stays with its rows.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from assistant.ingest.pdf_layout import Line, PageLayout

# The margin bands: this share of the page height at the top and at the bottom (the MLN booklet's
# copyright footer sits 12% up its page).
BAND = 0.15
# A band line is running furniture when it recurs on at least this share of the pages (and on two).
_RECURRING_SHARE = 0.4
_DIGITS_RE = re.compile(r"\d+")
_PATTERNS = [
    re.compile(r"^(page\s*)?\d+(\s*(of|/)\s*\d+)?$", re.IGNORECASE),  # "Page 3 of 21", "3/21", "3"
    re.compile(r"^[-–]\s*\d+\s*[-–]$"),  # "- 3 -"
    re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(\s*[AP]M)?\b", re.IGNORECASE),  # print stamp
    re.compile(r"^(https?://|www\.)\S+(\s+\d+\s*/\s*\d+)?$", re.IGNORECASE),  # a URL (and "1/21")
]


def furniture(pages: Sequence[PageLayout]) -> set[tuple[int, int]]:
    """(page number, line index) of every furniture line of ``pages``."""
    keys = {page.number: [_key(line) if _in_band(line, page) else None for line in page.lines] for page in pages}
    recurring = Counter(key for page_keys in keys.values() for key in set(page_keys) if key)
    threshold = max(2, math.ceil(_RECURRING_SHARE * len(pages)))
    found: set[tuple[int, int]] = set()
    for page in pages:
        for index, (line, key) in enumerate(zip(page.lines, keys[page.number], strict=True)):
            if key and recurring[key] >= threshold or _in_band(line, page) and is_furniture_text(line.text):
                found.add((page.number, index))
    return found


def is_furniture_text(text: str) -> bool:
    """Whether one line reads as furniture on its own: a page number, a print stamp, a URL."""
    text = " ".join(text.split())
    return any(pattern.search(text) for pattern in _PATTERNS)


def _in_band(line: Line, page: PageLayout) -> bool:
    return line.bottom >= page.height * (1 - BAND) or line.top <= page.height * BAND


def _key(line: Line) -> str:
    return _DIGITS_RE.sub("#", " ".join(line.text.lower().split()))

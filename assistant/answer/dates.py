"""Find the date of service a question gives ("for a 2015 claim", "DOS 03/01/2016")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# A date or year counts only next to words that make it a date of service, never a birth date.
_CONTEXT = r"(?:dos|date of service|service date|dates? of service|claim|billed|billing|performed|done|for|in|on|during)"
_ISO = r"(?P<iso>(?:19|20)\d{2}-\d{2}-\d{2})"
_US = r"(?P<us>\d{1,2}/\d{1,2}/(?:19|20)\d{2})"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_PATTERNS = [
    re.compile(rf"(?i)(?<!dob )(?<!birth )\b{_CONTEXT}\b[:\s]+(?:a\s+|an\s+|the\s+)?(?:{_ISO}|{_US}|{_YEAR})\b(?!\s*(?:-|/)\d)"),
    re.compile(rf"(?i)\b(?:{_ISO}|{_US}|{_YEAR})\s+(?:claims?|dos|date of service|service)\b"),
]


@dataclass(frozen=True)
class ServicePeriod:
    """The span of days a question's date of service may fall on (a whole year for "2015")."""

    first: str
    last: str
    text: str

    def describe(self) -> str:
        """How to name the period in an answer."""
        return self.text if self.first != self.last else self.first


_BEFORE = re.compile(r"(?i)\b(?:before|prior to|until)\s+(?P<year>(?:19|20)\d{2})\b")


def date_of_service(question: str) -> ServicePeriod | None:
    """The date of service the question states, or None when it gives none.

    "before 2016" is read as the year before: the rules in force just before that year began.
    """
    before = _BEFORE.search(question)
    if before:
        year = int(before.group("year")) - 1
        return ServicePeriod(f"{year}-01-01", f"{year}-12-31", f"dates of service in {year}")
    for pattern in _PATTERNS:
        for match in pattern.finditer(question):
            if match.group("iso"):
                day = _valid(match.group("iso"))
                if day:
                    return ServicePeriod(day, day, day)
            elif match.group("us"):
                month, day_of_month, year = (int(p) for p in match.group("us").split("/"))
                day = _valid(f"{year:04d}-{month:02d}-{day_of_month:02d}")
                if day:
                    return ServicePeriod(day, day, day)
            elif match.group("year"):
                named = match.group("year")
                return ServicePeriod(f"{named}-01-01", f"{named}-12-31", f"dates of service in {named}")
    return None


def _valid(iso: str) -> str | None:
    try:
        return dt.date.fromisoformat(iso).isoformat()
    except ValueError:
        return None

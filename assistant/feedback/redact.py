"""Mask personal identifiers in free text before it is stored, keeping billing codes and policy dates.

What is masked: SSNs, phone numbers (the ``phonenumbers`` library finds them), e-mail addresses,
member / subscriber / Medicare / record / account / claim numbers and names when a label announces
them ("member ID", "MRN", "claim #", "patient name:"), and dates of birth (a date after "DOB", "date of
birth" or "born"). What survives: every billing code the project recognises (CPT, HCPCS, ICD-10-CM,
NUCC taxonomy, modifiers, POS) — an unlabelled match that overlaps a code is left alone, so
"64642-64647" is never taken for a phone number — and every date without a birth label, such as a
policy's effective date. Unlabelled names and street addresses are not detected (that needs a
named-entity model, which this offline machine does not have).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import phonenumbers

from assistant.codes import find_codes

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 03/14/1961, 3-14-61
    r"|\d{4}-\d{1,2}-\d{1,2}"  # 1961-03-14
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # March 14, 1961
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})"  # 14 March 1961
)
_SEPARATOR = r"\s*(?:[:#=]|\bis\b|\bof\b)?\s*(?:[:#=]\s*)?"
_IDENTIFIER = r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}"

# (label, pattern); group "value" is what gets masked, the label that announced it stays.
_LABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("DOB", re.compile(rf"(?i)\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?){_SEPARATOR}(?P<value>{_DATE})")),
    ("SSN", re.compile(rf"(?i)\b(?:SSN|SS#|social\s+security(?:\s+(?:number|no\.?|#))?){_SEPARATOR}(?P<value>\d{{3}}[\s-]?\d{{2}}[\s-]?\d{{4}})\b")),
    (
        "MEMBER-ID",
        re.compile(
            rf"(?i)\b(?:(?:member|subscriber|policy\s*holder|insured|beneficiary|patient|medicaid|medicare)"
            rf"\s*(?:id|identification|number|no\.?|#)|MBI|HICN){_SEPARATOR}(?P<value>{_IDENTIFIER})"
        ),
    ),
    (
        "RECORD-NUMBER",
        re.compile(
            rf"(?i)\b(?:MRN|medical\s+record(?:\s+(?:number|no\.?|#))?|(?:record|chart|account|acct)\s*(?:number|no\.?|#))"
            rf"{_SEPARATOR}(?P<value>{_IDENTIFIER})"
        ),
    ),
    ("CLAIM-NUMBER", re.compile(rf"(?i)\b(?:claim\s*(?:number|no\.?|#|id)|ICN|DCN){_SEPARATOR}(?P<value>{_IDENTIFIER})")),
    ("NAME", re.compile(r"(?:(?i:patient|member|insured|subscriber)\s+name|(?i:name))\s*[:=]\s*(?P<value>[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){0,2})")),
)
_UNLABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("SSN", re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")),
    ("EMAIL", re.compile(r"(?i)(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")),
)


@dataclass(frozen=True)
class Redacted:
    """Text with identifiers replaced by ``[KIND]`` and how many of each kind were masked."""

    text: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """How many identifiers were masked."""
        return sum(self.counts.values())


def redact(text: str) -> Redacted:
    """Mask personal identifiers in ``text``; billing codes and non-birth dates are kept."""
    codes = [(match.start, match.end) for match in find_codes(text)]
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _LABELLED:
        spans.extend((m.start("value"), m.end("value"), kind) for m in pattern.finditer(text))
    unlabelled = [(m.start(), m.end(), kind) for kind, pattern in _UNLABELLED for m in pattern.finditer(text)]
    unlabelled += [(m.start, m.end, "PHONE") for m in phonenumbers.PhoneNumberMatcher(text, "US")]
    spans.extend(span for span in unlabelled if not any(span[0] < end and start < span[1] for start, end in codes))
    return _apply(text, spans)


def _apply(text: str, spans: list[tuple[int, int, str]]) -> Redacted:
    """Replace non-overlapping spans (earliest, then longest, wins) from the end backwards."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if not chosen or start >= chosen[-1][1]:
            chosen.append((start, end, kind))
    for start, end, kind in reversed(chosen):
        text = f"{text[:start]}[{kind}]{text[end:]}"
    return Redacted(text, dict(Counter(kind for _, _, kind in chosen)))

"""Mask personal identifiers in free text before it is stored, keeping billing codes and policy dates.

The detector (:mod:`assistant.feedback.detector`) is Microsoft Presidio's maintained recognizers
(SSN, phone, e-mail, card, IP, IBAN, ITIN, medical licence, Medicare MBI, member, claim,
authorization, referral and prescription numbers) plus the billing desk's own phrasings: names after
a cue ("Patient Jane Roe", "pt: ROE, JANE", "Mr. Roe", "Jane Roe, DOB ..."), dates of birth,
record, member, claim and reference numbers after a label or a bare cue word ("member QQX0099"),
identifier-shaped tokens standing alone, street addresses and P.O. boxes, ages over 89. Each becomes
``[KIND]`` (``[NAME]``, ``[DOB]``, ``[SSN]``, ``[PHONE]``, ``[EMAIL]``, ``[ADDRESS]``, ``[MEMBER-ID]`` ...);
the label that announced it stays.

What survives: every billing code the project recognises (CPT, HCPCS, ICD-10-CM, NUCC taxonomy,
modifiers, POS) — a match found without a label that overlaps a code is left alone, so "64642-64647"
is never a phone number nor "member J0585" a member ID — policy numbers, and every date without a
birth label, such as a date of service or a policy's effective date. Not detected: a name with no
cue (no offline named-entity model), a name typed in lower case.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.codes import find_codes
from assistant.feedback.detector import PATTERNS, WEAK_PATTERNS, billing_desk_matches, presidio_matches

# Public document numbers that look like identifiers: LCDs (L39240), articles (A57486), NCDs, CMS change
# requests and transmittals, payers' policy numbers. Kept like billing codes.
PUBLIC_NUMBERS = re.compile(
    r"(?i)(?:\b(?:LCDs?|LCAs?|articles?|NCDs?|CR|change\s+requests?|transmittals?|MLN|MM|R|"
    r"(?:medical\s+|coverage\s+|payment\s+)?polic(?:y|ies)(?:\s*(?:number|no\.?|#|id))?)\s*#?\s*(?=[\w.-]*\d)[\w.-]+"
    r"|(?<![\w-])[LA]\d{5}(?![\w-]))"
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
    """Mask personal identifiers in ``text``; billing codes, policy numbers and non-birth dates are kept."""
    if not text.strip():
        return Redacted(text, {})
    codes = [(match.start, match.end) for match in find_codes(text)]
    codes += [match.span() for match in PUBLIC_NUMBERS.finditer(text)]
    unlabelled = billing_desk_matches(text, WEAK_PATTERNS) + presidio_matches(text)
    spans = billing_desk_matches(text, PATTERNS)
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

"""The identifier detector behind redaction: Microsoft Presidio's recognizers plus billing-desk patterns.

Presidio (``presidio-analyzer``) supplies maintained pattern-and-context recognizers: SSN, phone
(``phonenumbers``), e-mail, credit card, IP, IBAN, ITIN, medical licence, and its US healthcare
ones (Medicare MBI, health-insurance member ID, claim, prior-authorization, referral and
prescription numbers). It runs on a blank spaCy English pipeline (a tokenizer, no model to
download), so it has no named-entity model: a name is found only where a cue announces it.
:class:`BillingDeskRecognizer` adds the phrasings of billing staff (``Patient Jane Roe``,
``pt: ROE, JANE``, ``member QQX0099``, ``DOB 3/14/61``, ``MR# 00123456``, street addresses, ages over
89) as one more Presidio recognizer. Presidio's date, driver-licence, bank-number, URL and NPI
recognizers are left out: they fire on dates of service, billing codes (``J0585``, ``L39240``) and
provider numbers, which must survive.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

MIN_SCORE = 0.4
"""Presidio results scoring below this are ignored (its weak patterns start at 0.01-0.3)."""

# Presidio entity type -> the mask written in place of the value.
MASKS: dict[str, str] = {
    "US_SSN": "SSN",
    "US_ITIN": "SSN",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "CREDIT_CARD": "CARD-NUMBER",
    "IBAN_CODE": "ACCOUNT-NUMBER",
    "IP_ADDRESS": "IP-ADDRESS",
    "MEDICAL_LICENSE": "LICENSE-NUMBER",
    "US_MBI": "MEMBER-ID",
    "US_HEALTH_INSURANCE_MEMBER_ID": "MEMBER-ID",
    "US_CLAIM_NUMBER": "CLAIM-NUMBER",
    "US_PRIOR_AUTHORIZATION_NUMBER": "REFERENCE-NUMBER",
    "US_REFERRAL_NUMBER": "REFERENCE-NUMBER",
    "US_PRESCRIPTION_NUMBER": "REFERENCE-NUMBER",
}

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 03/14/1961, 3-14-61
    r"|\d{4}-\d{1,2}-\d{1,2}"  # 1961-03-14
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # March 14, 1961
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})"  # 14 March 1961
)
_SEP = r"\s*(?:[:#=]|-(?=\s)|\bis\b|\bof\b)?\s*(?:[:#=]\s*)?"
_ID = r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,}(?<!-)"
# After a bare cue word ("member QQX0099", "claim 2024ABC99812") only what cannot be a year or a count:
# letters and digits together, or six digits or more. Billing codes are filtered out afterwards.
_STRICT_ID = r"(?:(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,}(?<!-)|\d[\d-]{5,}\d)"
# A capitalised name of one to three words (initials allowed), or a "Last, First" pair.
_NAME = r"(?:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?,\s*[A-Z][a-z'’]+|[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?(?:\s+[A-Z]\.?(?![\w’'-]))?(?:\s+(?:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?|[A-Z]\.)){0,2})"
_CAPS_NAME = r"(?:[A-Z][A-Z'’-]+,?(?:\s+[A-Z][A-Z'’-]+){1,2})"
_NAME_CUE = (
    r"(?:\b(?i:patient|pt|member|subscriber|insured|beneficiary|guarantor|dependent|enrollee|client|spouse|"
    r"mother|father|son|daughter|guardian)\b\.?(?:\s*(?i:name))?\s*[:=,-]?"
    r"|\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Mister)\b\.?)"
)
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|"
    r"circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|row|alley|aly)\.?"
)
# Capitalised words after a cue that are not names ("Patient Responsibility", "Member Services").
NOT_NAMES = frozenset(
    """evaluation eval therapy visit visits note notes code codes modifier modifiers session sessions
    access account accounts advantage advocate advocacy and assistance benefit benefits care center centered
    claim claims coverage complaint complaints contact data eligibility education enrollment experience files
    financial for forms guide handbook health history id identification identifier in information is
    liability name names no number of on or plan plans portal portals protection record records
    relations responsibility rights safety satisfaction services service share status support
    the to type services with""".split()
)

CUES = frozenset(
    "patient pt member subscriber insured beneficiary guarantor dependent enrollee client spouse mother father son "
    "daughter guardian mr mrs ms mx miss dr mister called calling per dear hi hello re attn".split()
)
"""Words that announce a name and are not part of it."""

# (mask, pattern): group "value" is masked, any label before it is kept.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("DOB", re.compile(rf"(?i)\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|birthday|b\.|born(?:\s+on)?){_SEP}(?P<value>{_DATE})")),
    ("SSN", re.compile(rf"(?i)\b(?:SSN|SS#|SS\s+no\.?|social(?:\s+security)?(?:\s+(?:number|no\.?|#))?){_SEP}(?P<value>\d{{3}}[\s-]?\d{{2}}[\s-]?\d{{4}})\b")),
    ("SSN", re.compile(r"(?<![\w-])(?P<value>\d{3}-\d{2}-\d{4})(?![\w-])")),
    (
        "MEMBER-ID",
        re.compile(
            rf"(?i)\b(?:(?:member|subscriber|policy\s*holder|insured|beneficiary|patient|medicaid|medicare|enrollee|"
            rf"recipient|health\s*plan|insurance)\s*(?:id|identification|number|no\.?|#)|MBI|HICN|ID\s*(?:#|no\.?|number)|ID:)"
            rf"{_SEP}(?P<value>{_ID})"
        ),
    ),
    (
        "RECORD-NUMBER",
        re.compile(
            rf"(?i)\b(?:MRN|MR\s*#|MR\s+(?:no\.?|number)|med(?:ical)?\s+rec(?:ord)?s?(?:\s+(?:number|no\.?|#))?|"
            rf"(?:record|chart|account|acct|patient|encounter|visit|case)\s*(?:number|no\.?|#|id)){_SEP}(?P<value>{_ID})"
        ),
    ),
    ("CLAIM-NUMBER", re.compile(rf"(?i)\b(?:claims?\s*(?:number|no\.?|#|id)|ICN|DCN|TCN){_SEP}(?P<value>{_ID})")),
    (
        "REFERENCE-NUMBER",
        re.compile(
            rf"(?i)\b(?:(?:prior\s+)?auth(?:orization)?|reference|ref|referral|confirmation|ticket|tracking|"
            rf"licen[cs]e|DL|passport|serial|device|VIN)\s*(?:number|no\.?|#|id|code){_SEP}(?P<value>{_ID})"
        ),
    ),
    ("NAME", re.compile(rf"{_NAME_CUE}\s*(?P<value>{_NAME})")),
    ("NAME", re.compile(rf"\b(?i:patient|pt|member|insured|subscriber|name)\b\.?(?:\s*(?i:name))?\s*[:=-]\s*(?P<value>{_CAPS_NAME})\b")),
    ("NAME", re.compile(rf"(?P<value>{_NAME}),?\s*\(?\s*(?=(?i:DOB|D\.O\.B|born|date\s+of\s+birth|MRN|SSN|member\s+id)\b)")),
    (
        "ADDRESS",
        re.compile(
            # The street's first word is capitalised or an ordinal ("12 Elm Street", "400 5th Ave"), so
            # "POS 11 and place of service" is not an address.
            rf"(?P<value>\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][A-Za-z'’]*|\d+(?:st|nd|rd|th))\.?"
            rf"(?:\s+[A-Za-z0-9][A-Za-z0-9'’]*\.?){{0,3}}\s+(?i:{_STREET})"
            rf"(?:,?\s+(?i:apt|apartment|unit|suite|ste|#)\.?\s*[\w-]+)?"
            rf"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*(?:,?\s+[A-Z]{{2}})?(?:\s+\d{{5}}(?:-\d{{4}})?)?)?)(?![\w])"
        ),
    ),
    ("ADDRESS", re.compile(r"(?i)(?P<value>\bP\.?\s*O\.?\s*Box\s+\d+)")),
    ("AGE", re.compile(r"(?i)\b(?:age[sd]?\s*:?\s*(?P<value>9\d|1[01]\d)\b|(?P<value2>9\d|1[01]\d)\s*(?:-?\s*(?:years?|yrs?)[\s-]*old|\s*y/?o\b))")),
)

# Cue words alone, no "ID"/"number": what follows is masked unless it is a billing code.
WEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("MEMBER-ID", re.compile(rf"(?i)\b(?:member|subscriber|medicaid|medicare|insured|enrollee|policyholder){_SEP}(?P<value>{_STRICT_ID})\b")),
    ("CLAIM-NUMBER", re.compile(rf"(?i)\bclaims?{_SEP}(?P<value>{_STRICT_ID})\b")),
    ("RECORD-NUMBER", re.compile(rf"(?i)\b(?:chart|account|acct|encounter|MR){_SEP}(?P<value>{_STRICT_ID})\b")),
    (
        "REFERENCE-NUMBER",
        re.compile(rf"(?i)\b(?:auth(?:orization)?|reference|ref|referral|confirmation|ticket|licen[cs]e|serial){_SEP}(?P<value>{_STRICT_ID})\b"),
    ),
    # An identifier-shaped token standing alone: two letters or more with five digits or more, or nine digits or more.
    ("ID", re.compile(r"(?<![\w.-])(?P<value>(?=(?:[A-Z0-9-]*[A-Z]){2})(?=(?:[A-Z0-9-]*\d){5})[A-Z0-9][A-Z0-9-]{6,}[A-Z0-9]|\d{9,})(?![\w-])")),
)


def _is_name(value: str) -> bool:
    """Whether a span found after a name cue reads as a name, not a phrase ("Member Services")."""
    words = [w.strip(".,’'").lower() for w in value.replace(",", " ").split()]
    return bool(words) and not any(w in NOT_NAMES for w in words)


def billing_desk_matches(text: str, patterns: tuple[tuple[str, re.Pattern[str]], ...] = PATTERNS) -> list[tuple[int, int, str]]:
    """``(start, end, mask)`` of every identifier ``patterns`` find in ``text`` (names checked word by word)."""
    found: list[tuple[int, int, str]] = []
    for mask, pattern in patterns:
        for match in pattern.finditer(text):
            group = "value" if match.group("value") is not None else "value2"
            start, end = match.start(group), match.end(group)
            if mask == "NAME":
                start, end = _trim_name(text, start, end)
                if start >= end or not _is_name(text[start:end]):
                    continue
            found.append((start, end, mask))
    return found


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a name span past leading and trailing words that are not names ("Patient Jane Roe Member")."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while words and text[words[0][0]:words[0][1]].strip(".,:’'").lower() in NOT_NAMES | CUES:
        words.pop(0)
    while words and text[words[-1][0]:words[-1][1]].strip(".,:’'").lower() in NOT_NAMES | CUES:
        words.pop()
    return (words[0][0], words[-1][1]) if words else (start, start)


@lru_cache(maxsize=1)
def analyzer() -> AnalyzerEngine:
    """The Presidio analyzer (built once per process, about a second): blank spaCy, chosen recognizers."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        IbanRecognizer,
        IpRecognizer,
        MedicalLicenseRecognizer,
        PhoneRecognizer,
        UsClaimNumberRecognizer,
        UsHealthInsuranceMemberIdRecognizer,
        UsItinRecognizer,
        UsMbiRecognizer,
        UsPrescriptionNumberRecognizer,
        UsPriorAuthorizationNumberRecognizer,
        UsReferralNumberRecognizer,
        UsSsnRecognizer,
    )

    class BlankEnglish(SpacyNlpEngine):
        """spaCy's tokenizer alone, lemmas set to the lower-cased token (for Presidio's context words)."""

        def load(self) -> None:
            nlp = spacy.blank("en")
            nlp.add_pipe("assistant_lower_lemma")
            self.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio annotates it as None until loaded

    _register_lemma_component()
    engine = BlankEnglish(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    recognizers: list[EntityRecognizer] = [
        UsSsnRecognizer(), UsItinRecognizer(), PhoneRecognizer(supported_regions=("US",)), CreditCardRecognizer(),
        IbanRecognizer(), IpRecognizer(), MedicalLicenseRecognizer(), UsMbiRecognizer(),
        UsHealthInsuranceMemberIdRecognizer(), UsClaimNumberRecognizer(), UsPriorAuthorizationNumberRecognizer(),
        UsReferralNumberRecognizer(), UsPrescriptionNumberRecognizer(), _offline_email_recognizer(),
    ]
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def presidio_matches(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, mask)`` of every identifier Presidio finds in ``text`` scoring at least :data:`MIN_SCORE`."""
    results = analyzer().analyze(text=text, language="en", entities=list(MASKS), score_threshold=MIN_SCORE)
    return [(r.start, r.end, MASKS[r.entity_type]) for r in results if r.entity_type in MASKS]


def _offline_email_recognizer() -> EntityRecognizer:
    """Presidio's e-mail recognizer without its top-level-domain check, which downloads a suffix list."""
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            domain = pattern_text.rsplit("@", 1)[-1]
            return "." in domain and domain.rsplit(".", 1)[-1].isalpha()

    return OfflineEmailRecognizer()


@lru_cache(maxsize=1)
def _register_lemma_component() -> None:
    from spacy.language import Language
    from spacy.tokens import Doc

    @Language.component("assistant_lower_lemma")
    def lower_lemma(doc: Doc) -> Doc:
        for token in doc:
            token.lemma_ = token.lower_
        return doc

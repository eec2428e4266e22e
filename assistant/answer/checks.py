"""Checks every answer passes before it is returned: spans exact, codes and payers in evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.answer.entities import EVIDENCE_KINDS, EntityRecognizer
from assistant.models import Citation, Document

MARKER_RE = re.compile(r"\[(\d+)\]")


def unsupported_entities(
    sentence: str, quotes: Iterable[str], documents: Iterable[Document], recognizer: EntityRecognizer
) -> set[str]:
    """Codes and payers named in ``sentence`` found neither in its cited quotes nor among the
    front-matter ``codes`` of the cited documents (empty set: the sentence is supported)."""
    named = recognizer.keys(MARKER_RE.sub("", sentence), EVIDENCE_KINDS)
    if not named:
        return set()
    evidence: set[str] = set()
    for quote in quotes:
        evidence |= recognizer.keys(quote, EVIDENCE_KINDS)
    for document in documents:
        for code in document.codes:
            evidence |= recognizer.keys(code, EVIDENCE_KINDS)
    return named - evidence


def citation_is_exact(citation: Citation, documents: dict[str, Document]) -> bool:
    """True when the citation's quote is exactly its span of the document text."""
    document = documents.get(citation.doc_id)
    return document is not None and document.text[citation.start : citation.end] == citation.quote


def markers_resolve(text: str, citations: Iterable[Citation]) -> bool:
    """True when every ``[n]`` in ``text`` has a citation with marker ``n``."""
    available = {c.marker for c in citations}
    return all(int(n) in available for n in MARKER_RE.findall(text))

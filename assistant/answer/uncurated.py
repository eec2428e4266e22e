"""Publications without curated facts, and which of them a question names, for the facts-first
answerer (``compose.py``).

A publication with curated facts (the seed) answers through them; one without can only answer
from its wording, quoted by ``quotes.py``. A question names such a publication by its publisher
(in its front matter, title or text) or by a procedure/drug code it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from assistant.answer.conversation import Understanding
from assistant.answer.fact_selection import in_code_scope, scoped_codes
from assistant.models import UNKNOWN_PUBLISHER, Document
from assistant.store.hybrid import HybridIndex


class UncuratedPublications:
    """The publications of one index that have no curated facts, by publisher and by code."""

    def __init__(
        self,
        index: HybridIndex,
        documents_with_facts: frozenset[str],
        document_code_keys: Mapping[str, frozenset[str]],
    ) -> None:
        """``document_code_keys``: each document's front-matter codes as entity keys, by doc id."""
        self.index = index
        self.documents_with_facts = documents_with_facts
        self.document_code_keys = document_code_keys
        without_facts = [
            d for d in index.documents.values() if d.kind == "publication" and d.doc_id not in documents_with_facts
        ]
        # For each publisher name, its documents: those naming it in front matter, title or text.
        self._documents_by_publisher = [
            (pattern, frozenset(d.doc_id for d in without_facts if pattern.search(f"{d.publisher} {d.title} {d.text}")))
            for pattern in _publisher_patterns(without_facts)
        ]

    def named(self, u: Understanding) -> set[str]:
        """Publications without curated facts whose publisher the question names, within its code scope.

        A document names the publisher in its front matter, title or text (a note "Example Health
        Plan prior authorization note" from an unknown publisher is one of that payer's documents).
        """
        return {
            doc_id
            for pattern, documents in self._documents_by_publisher
            if pattern.search(u.query)
            for doc_id in documents
            if in_code_scope(u, set(self.document_code_keys[doc_id]))
        }

    def on_asked_code(self, u: Understanding) -> set[str]:
        """Publications about a procedure/drug code the question names that have no curated facts at all.

        A publication with curated facts (the seed) answers through them, and abstains where they
        are silent; one without (an ingested source) can only answer from its wording.
        """
        asked = scoped_codes(u)
        if not asked:
            return set()
        with_facts = self.documents_with_facts
        return {
            doc_id
            for doc_id, keys in self.document_code_keys.items()
            if keys & asked and self.index.documents[doc_id].kind == "publication" and doc_id not in with_facts
        }

    def without_publishers(self, text: str) -> str:
        """``text`` with every known publisher name (of these publications) blanked out."""
        for pattern, _ in self._documents_by_publisher:
            text = pattern.sub(" ", text)
        return text


def _publisher_patterns(documents: Iterable[Document]) -> list[re.Pattern[str]]:
    """One whole-words pattern per known publisher name, without its parenthesised remark."""
    names = {re.sub(r"\s*\([^)]*\)", "", d.publisher).strip() for d in documents if d.publisher != UNKNOWN_PUBLISHER}
    return [re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.IGNORECASE) for name in sorted(names) if name]

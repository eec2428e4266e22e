"""Same text under another name, likely older versions, and a document's version history.

Three questions `assistant ingest` asks before it writes a document:

* Is this text already in the corpus under another id? Texts are compared after normalising
  (NFKC, soft hyphens dropped, whitespace collapsed), so a re-saved or re-downloaded copy with
  other line breaks or ligatures still matches (:func:`text_fingerprint`).
* Is it probably a new version of a document from the same publisher? Two texts are near
  duplicates when NEAR_DUPLICATE_SHARE (0.5) or more of the three-word sequences of each occur in the other
  (:func:`wording_overlap`): an edited policy keeps most of its wording, a different policy on the
  same code does not.
* What replaced what? Front matter ``supersedes`` / ``superseded_by`` link the versions kept
  under different ids (:func:`version_chain`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.ingest.catalog import StoredDocument

NEAR_DUPLICATE_SHARE = 0.5
"""Share of each text's three-word sequences the other must contain for a near duplicate."""

_WORD = re.compile(r"\w+(?:[.'’-]\w+)*")
_SHINGLE = 3


def normalised_text(text: str) -> str:
    """``text`` compared as content: NFKC, soft hyphens removed, whitespace runs as one space."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return " ".join(text.split())


def text_fingerprint(text: str) -> str:
    """SHA-256 (hex) of :func:`normalised_text`: equal for the same content however it is laid out."""
    return hashlib.sha256(normalised_text(text).encode("utf-8")).hexdigest()


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    """The text's case-folded three-word sequences (a text under three words: its words as one)."""
    words = [w.casefold() for w in _WORD.findall(normalised_text(text))]
    if len(words) < _SHINGLE:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1))


def wording_overlap(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """The smaller of the two shares: of ``a``'s sequences found in ``b``, and of ``b``'s in ``a`` (0..1)."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return min(shared / len(a), shared / len(b))


@dataclass(frozen=True)
class Resemblance:
    """An existing document a new text resembles, and how much of the wording they share (0..1)."""

    doc_id: str
    overlap: float


class CorpusTexts:
    """Fingerprints and shingles of the stored documents, computed once per document and kept current."""

    def __init__(self, documents: Mapping[str, StoredDocument]) -> None:
        """Index ``documents`` (by id); call :meth:`update` when one is written."""
        self._documents = dict(documents)
        self._fingerprints: dict[str, str] = {}
        self._shingles: dict[str, frozenset[tuple[str, ...]]] = {}

    def update(self, stored: StoredDocument) -> None:
        """Record that ``stored`` was written (added or replaced)."""
        self._documents[stored.header.id] = stored
        self._fingerprints.pop(stored.header.id, None)
        self._shingles.pop(stored.header.id, None)

    def same_text(self, text: str, *, other_than: set[str]) -> StoredDocument | None:
        """A stored document (superseded ones included) whose normalised text equals ``text``."""
        fingerprint = text_fingerprint(text)
        for doc_id, stored in self._documents.items():
            if doc_id in other_than:
                continue
            if doc_id not in self._fingerprints:
                self._fingerprints[doc_id] = text_fingerprint(stored.text)
            if self._fingerprints[doc_id] == fingerprint:
                return stored
        return None

    def likely_older_versions(self, text: str, publisher: str, *, other_than: set[str]) -> list[Resemblance]:
        """Current ingested documents of ``publisher`` sharing most of their wording with ``text``, best first."""
        mine = shingles(text)
        found = []
        for doc_id, stored in self._documents.items():
            header = stored.header
            if doc_id in other_than or header.superseded_by or not header.ingested:
                continue
            if header.publisher.casefold() != publisher.casefold():
                continue
            if doc_id not in self._shingles:
                self._shingles[doc_id] = shingles(stored.text)
            overlap = wording_overlap(mine, self._shingles[doc_id])
            if overlap >= NEAR_DUPLICATE_SHARE:
                found.append(Resemblance(doc_id, overlap))
        return sorted(found, key=lambda r: (-r.overlap, r.doc_id))


def version_chain(documents: Mapping[str, StoredDocument], doc_id: str) -> list[StoredDocument]:
    """The versions of ``doc_id`` kept under different ids, oldest first (``doc_id`` itself included).

    Follows ``supersedes`` back and ``superseded_by`` forward; a link to a removed document ends
    the chain there, and a loop (a hand-edited file) is followed once.
    """
    chain = [documents[doc_id]]
    seen = {doc_id}
    while (older := chain[0].header.supersedes) and older in documents and older not in seen:
        seen.add(older)
        chain.insert(0, documents[older])
    while (newer := chain[-1].header.superseded_by) and newer in documents and newer not in seen:
        seen.add(newer)
        chain.append(documents[newer])
    return chain

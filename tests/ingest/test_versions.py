"""Same content and likely versions: normalised fingerprints, wording overlap, version chains."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.ingest.catalog import StoredDocument
from assistant.ingest.documents import FrontMatter
from assistant.ingest.versions import CorpusTexts, shingles, text_fingerprint, version_chain, wording_overlap

OLD = "Prior authorization is not required for CPT 20610.\nThe plan pays for one injection every sixteen weeks.\nClaims list RT or LT."
NEW = "Prior authorization is required for CPT 20610.\nThe plan pays for one injection every twelve weeks.\nClaims list RT or LT."


def stored(doc_id: str, text: str, publisher: str = "Plan", **fields: object) -> StoredDocument:
    header = FrontMatter.model_validate({"id": doc_id, "title": doc_id, "publisher": publisher, "added": dt.date(2026, 1, 1),
                                         "content_hash": "0" * 64, "version": 1, **fields})
    return StoredDocument(Path(f"/corpus/documents/{doc_id}.md"), header, text)


def test_fingerprints_ignore_layout_but_not_words() -> None:
    assert text_fingerprint("ﬁle  one\r\nline\u00ad two\n\n") == text_fingerprint("file one line two")
    assert text_fingerprint("file one line two") != text_fingerprint("file one line three")


def test_wording_overlap_is_high_for_an_edit_and_low_for_another_text() -> None:
    assert wording_overlap(shingles(OLD), shingles(NEW)) >= 0.5
    assert wording_overlap(shingles(OLD), shingles("A different policy about knee braces and walkers entirely.")) == 0.0
    assert wording_overlap(shingles(""), shingles(OLD)) == 0.0


def test_corpus_texts_find_same_text_and_likely_older_versions() -> None:
    texts = CorpusTexts({"old": stored("old", OLD), "other": stored("other", OLD, publisher="Someone else"),
                         "gone": stored("gone", OLD, superseded_by="old")})
    assert texts.same_text(OLD + "\n", other_than={"old", "other"}).header.id == "gone"  # type: ignore[union-attr]
    assert texts.same_text(NEW, other_than=set()) is None
    found = texts.likely_older_versions(NEW, "plan", other_than=set())
    assert [r.doc_id for r in found] == ["old"]  # publisher compared case-blind; superseded ones left out


def test_version_chain_follows_links_both_ways_and_stops_at_gaps_and_loops() -> None:
    docs = {"a": stored("a", "x", superseded_by="b"), "b": stored("b", "y", supersedes="a", superseded_by="c"),
            "c": stored("c", "z", supersedes="b")}
    assert [d.header.id for d in version_chain(docs, "b")] == ["a", "b", "c"]
    assert [d.header.id for d in version_chain({"c": docs["c"]}, "c")] == ["c"]
    loop = {"a": stored("a", "x", supersedes="b", superseded_by="b"), "b": stored("b", "y", supersedes="a", superseded_by="a")}
    assert [d.header.id for d in version_chain(loop, "a")] == ["b", "a"]

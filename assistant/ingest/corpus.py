"""The corpus as a whole: its documents and facts, their passages and sentences, and its hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorpusError
from assistant.fileio import sha256_file
from assistant.ingest.chunking import chunk_document, section_at, split_sentences
from assistant.ingest.conflicts import read_conflicts
from assistant.ingest.context import with_context
from assistant.ingest.documents import read_documents
from assistant.ingest.facts import read_facts
from assistant.ingest.footnotes import with_footnotes
from assistant.ingest.long_sentences import TokenCounter, fit_sentences
from assistant.ingest.references import icd_package_version, read_references
from assistant.models import ConflictSpec, Document, Fact, Passage, Sentence


@dataclass(frozen=True)
class Corpus:
    """Validated corpus content ready to index."""

    documents: list[Document]
    facts: list[Fact]
    passages: list[Passage]
    sentences: list[Sentence]
    conflicts: list[ConflictSpec]


def corpus_files(corpus_dir: Path) -> dict[str, str]:
    """Checksums of the files that make up the corpus, keyed by path relative to ``corpus_dir``."""
    paths = sorted(
        [
            *corpus_dir.glob("documents/*.md"),
            *corpus_dir.glob("facts/*.yaml"),
            *corpus_dir.glob("references/*.yaml"),
            *corpus_dir.glob("conflicts.yaml"),
        ]
    )
    files = {str(path.relative_to(corpus_dir)): sha256_file(path) for path in paths}
    # ICD-10-CM descriptions come from a package: a new version of its data changes the corpus.
    files[icd_package_version()] = "package"
    return files


def corpus_hash(files: dict[str, str]) -> str:
    """One hash over the corpus file checksums: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for name, checksum in sorted(files.items()):
        digest.update(f"{name}\0{checksum}\n".encode())
    return digest.hexdigest()


def load_corpus(corpus_dir: Path, *, chunk_size: int, chunk_overlap: int, tokens: TokenCounter | None = None) -> Corpus:
    """Read and validate documents and facts, then cut passages and sentences.

    Superseded documents (front matter ``superseded_by``, set by ``assistant ingest --replaces``)
    stay in corpus/documents as history but are left out: none of their text is indexed or quoted.
    With ``tokens`` (the embedding model's), a sentence longer than the model reads is cut into
    pieces that fit (``long_sentences``). Lines that address a model are in no sentence or passage.

    Raises:
        CorpusError: a document or fact is invalid; the message names the file and item.
    """
    documents = read_documents(corpus_dir / "documents", current_only=True)
    facts = read_facts(corpus_dir / "facts", {d.doc_id: d for d in documents})
    reference_documents, attested = read_references(corpus_dir / "references")
    clashing = {d.doc_id for d in documents} & {d.doc_id for d in reference_documents}
    if clashing:
        raise CorpusError(f"{corpus_dir}: reference document ids {sorted(clashing)} clash with documents/.")
    documents = [*documents, *reference_documents]
    clashing = {f.fact_id for f in facts} & {f.fact_id for f in attested}
    if clashing:
        raise CorpusError(f"{corpus_dir}: fact ids {sorted(clashing)} are used in facts/ and references/.")
    facts = [*facts, *attested]
    conflicts = read_conflicts(corpus_dir / "conflicts.yaml", facts)
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    for document in documents:
        document_sentences = with_footnotes(document.text, with_context(document, split_sentences(document)))
        if tokens is not None:
            document_sentences = fit_sentences(document, document_sentences, tokens)
        sentences.extend(document_sentences)
        passages.extend(chunk_document(document, document_sentences, chunk_size, chunk_overlap))
    by_id = {d.doc_id: d for d in documents}
    passages.extend(fact_passage(fact, section_at(by_id[fact.doc_id].text, fact.start)) for fact in facts)
    return Corpus(documents=documents, facts=facts, passages=passages, sentences=sentences, conflicts=conflicts)


def fact_passage(fact: Fact, section: str | None) -> Passage:
    """A fact as a small retrievable passage: its statement, pointing at its quoted span."""
    return Passage(
        passage_id=f"fact:{fact.fact_id}",
        kind="fact",
        doc_id=fact.doc_id,
        text=fact.statement,
        start=fact.start,
        end=fact.end,
        section=section,
        fact_id=fact.fact_id,
    )

"""The documents and quoted facts on disk, by id: what `assistant sources` lists, shows and removes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import CorpusError
from assistant.fileio import ChangeSet
from assistant.ingest.documents import FrontMatter, read_document_parts
from assistant.ingest.facts import FactsFile
from assistant.ingest.yaml_files import read_yaml_model


@dataclass(frozen=True)
class StoredDocument:
    """A document file in corpus/documents: where it is, its front matter and its text."""

    path: Path
    header: FrontMatter
    text: str


def stored_documents(folder: Path) -> dict[str, StoredDocument]:
    """Every ``*.md`` document under ``folder`` by id (an empty dict when the folder is missing).

    Raises:
        CorpusError: a document is invalid, or two share an id.
    """
    documents: dict[str, StoredDocument] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        header, text = read_document_parts(path)
        if header.id in documents:
            raise CorpusError(f"{path}: id {header.id!r} is already used by {documents[header.id].path}.")
        documents[header.id] = StoredDocument(path, header, text)
    return documents


def facts_citing(facts_dir: Path, doc_id: str) -> dict[Path, list[str]]:
    """The ids of the quoted facts that quote document ``doc_id``, by facts file.

    Raises:
        CorpusError: a facts file is invalid.
    """
    citing: dict[Path, list[str]] = {}
    for path in sorted(facts_dir.glob("*.yaml")) if facts_dir.is_dir() else []:
        parsed = read_yaml_model(path, FactsFile, "facts file")
        ids = [fact.id for fact in parsed.facts if (fact.doc_id or parsed.doc_id) == doc_id]
        if ids:
            citing[path] = ids
    return citing


def drop_facts(path: Path, doc_id: str, changes: ChangeSet) -> None:
    """Remove the facts quoting ``doc_id`` from facts file ``path``; delete the file if none remain.

    A file that keeps some facts is written back as plain YAML: its comments are not kept, and a
    first line says so.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    default = data.get("doc_id")
    kept = [fact for fact in data.get("facts", []) if (fact.get("doc_id") or default) != doc_id]
    if not kept:
        changes.delete(path)
        return
    data["facts"] = kept
    note = f"# Facts quoting {doc_id} removed by `assistant sources remove --force`; comments were not kept.\n"
    changes.write_text(path, note + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))

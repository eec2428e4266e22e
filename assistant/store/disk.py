"""Save and load a HybridIndex as plain files plus manifest.json, atomically and verified.

Layout::

    index/
      CURRENT                  name of the live version folder (replaced atomically)
      <version>/               one complete build
        manifest.json          inputs, dimension, counts, sha256 of every file below
        passages.faiss  sentences.npy  facts.npy
        passages.jsonl  sentences.jsonl  facts.jsonl  documents.jsonl
        bm25/...               bm25s files

A build is written to a temporary folder (``.tmp-*``), checked, then renamed to a folder of its
own (its version, or ``<version>-2`` ... while a folder of that name is still in use, as when
``build --force`` remakes the current build); ``CURRENT`` is switched last with ``os.replace``,
and only then are older builds removed. A reader therefore sees the old build or the new one,
never half of one, and at every moment ``CURRENT`` names a complete build. Leftovers of a killed
build are removed at the next start (:mod:`assistant.store.recovery`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

import bm25s
import faiss
import numpy as np
from pydantic import ValidationError

from assistant.errors import REBUILD_HINT, IndexMismatchError, IndexMissingError
from assistant.faults import fault_point
from assistant.fileio import sha256_file, write_text_atomic
from assistant.models import ConflictSpec, Document, Fact, Passage, Sentence
from assistant.store.hybrid import HybridIndex
from assistant.store.manifest import BuildInputs, Manifest
from assistant.store.pooling import PassageVectors

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
T = TypeVar("T")


def save_index(
    index: HybridIndex,
    index_dir: Path,
    inputs: BuildInputs,
    corpus_files: dict[str, str],
    *,
    embedder: str | None = None,
) -> Path:
    """Write ``index`` under ``index_dir`` and make it the current build; returns its folder.

    ``embedder`` names the embedder that made the vectors, recorded so a later build knows
    whether it may reuse them.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=index_dir))
    try:
        _write_parts(index, staging)
        files = {
            str(path.relative_to(staging)): sha256_file(path) for path in sorted(staging.rglob("*")) if path.is_file()
        }
        manifest = Manifest(
            index_version=index.index_version,
            inputs=inputs,
            dimension=index.dimension,
            embedder=embedder,
            created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            counts={
                "documents": len(index.documents),
                "facts": len(index.facts),
                "passages": len(index.passages),
                "sentences": len(index.sentences),
            },
            corpus_files=corpus_files,
            files=files,
        )
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        fault_point("build.staged")
        # Never over the current build: a forced rebuild of the same version gets a folder of its own.
        final = free_folder(index_dir, index.index_version)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fault_point("build.moved-in")
    write_text_atomic(index_dir / CURRENT, final.name + "\n")  # the switch: the commit point
    fault_point("build.switched")
    _prune(index_dir, keep=final.name)
    fault_point("build.pruned")
    return final


def free_folder(index_dir: Path, version: str) -> Path:
    """``index_dir/version``, or ``version-2``, ``version-3`` ... when that name is taken."""
    folder, number = index_dir / version, 1
    while folder.exists():
        number += 1
        folder = index_dir / f"{version}-{number}"
    return folder


def complete_build(folder: Path) -> Manifest | None:
    """The manifest of the build in ``folder`` when every file it lists is there with its
    checksum, else None (a build whose writing was interrupted, or a damaged one)."""
    try:
        manifest = Manifest.model_validate_json((folder / MANIFEST).read_text(encoding="utf-8"))
        intact = all(sha256_file(folder / name) == checksum for name, checksum in manifest.files.items())
    except (OSError, ValidationError, UnicodeDecodeError):
        return None
    return manifest if intact else None


def read_manifest(index_dir: Path) -> Manifest | None:
    """The current build's manifest, or None when there is no readable one."""
    try:
        folder = current_folder(index_dir)
        return Manifest.model_validate_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValidationError, IndexMissingError):
        return None


def current_folder(index_dir: Path) -> Path:
    """The folder of the live build named by CURRENT.

    Raises:
        IndexMissingError: there is no built index at ``index_dir``.
    """
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexMissingError(f"No index found in {index_dir}. Run `assistant build` (or `make run`).")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = index_dir / name
    if not name or "/" in name or not folder.is_dir():
        raise IndexMissingError(f"{pointer} names a build that does not exist. {REBUILD_HINT}")
    return folder


def load_index(index_dir: Path, expected: BuildInputs, dimension: int) -> HybridIndex:
    """Load the current build after checking it matches ``expected`` and every checksum.

    Raises:
        IndexMissingError: nothing is built yet.
        IndexMismatchError: the build is stale (corpus, model or settings changed), of another
            format or dimension, or a file is missing or corrupt; the message says how to rebuild.
    """
    folder = current_folder(index_dir)
    try:
        manifest = Manifest.model_validate_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise IndexMismatchError(f"{folder / MANIFEST} is missing or unreadable ({exc}). {REBUILD_HINT}") from exc
    _check_inputs(manifest, expected, dimension, folder)
    for name, checksum in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise IndexMismatchError(f"Index file {path} is missing. {REBUILD_HINT}")
        if sha256_file(path) != checksum:
            raise IndexMismatchError(f"Index file {path} is corrupt (checksum mismatch). {REBUILD_HINT}")
    try:
        return _read_parts(folder, manifest.index_version, manifest.inputs.passage_vectors)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise IndexMismatchError(f"Index in {folder} cannot be read ({exc}). {REBUILD_HINT}") from exc


def _check_inputs(manifest: Manifest, expected: BuildInputs, dimension: int, folder: Path) -> None:
    found = manifest.inputs
    differences = [
        f"{field}: index has {getattr(found, field)!r}, settings want {getattr(expected, field)!r}"
        for field in BuildInputs.model_fields
        if getattr(found, field) != getattr(expected, field)
    ]
    if manifest.dimension != dimension:
        differences.append(f"dimension: index has {manifest.dimension}, model gives {dimension}")
    if differences:
        what = "; ".join(d if not d.startswith("corpus_hash") else "the corpus changed since the build" for d in differences)
        raise IndexMismatchError(f"Index in {folder} does not match: {what}. {REBUILD_HINT}")


def _write_parts(index: HybridIndex, folder: Path) -> None:
    faiss.write_index(index.passage_index, str(folder / "passages.faiss"))
    np.save(folder / "sentences.npy", index.sentence_vectors, allow_pickle=False)
    np.save(folder / "facts.npy", index.fact_vectors, allow_pickle=False)
    fault_point("build.vectors-written")
    _write_jsonl(folder / "documents.jsonl", index.documents.values())
    _write_jsonl(folder / "facts.jsonl", index.facts)
    _write_jsonl(folder / "passages.jsonl", index.passages)
    _write_jsonl(folder / "sentences.jsonl", index.sentences)
    _write_jsonl(folder / "conflicts.jsonl", index.conflicts)
    fault_point("build.records-written")
    index.bm25.save(str(folder / "bm25"), show_progress=False)


def _read_parts(folder: Path, index_version: str, passage_vectors: str) -> HybridIndex:
    documents = _read_jsonl(folder / "documents.jsonl", Document)
    facts = _read_jsonl(folder / "facts.jsonl", Fact)
    return HybridIndex(
        index_version=index_version,
        documents=documents,
        facts=facts,
        passages=_read_jsonl(folder / "passages.jsonl", Passage),
        sentences=_read_jsonl(folder / "sentences.jsonl", Sentence),
        passage_index=faiss.read_index(str(folder / "passages.faiss")),
        sentence_vectors=np.load(folder / "sentences.npy", allow_pickle=False),
        fact_vectors=np.load(folder / "facts.npy", allow_pickle=False),
        bm25=bm25s.BM25.load(str(folder / "bm25")),
        conflicts=[
            ConflictSpec(
                c.conflict_id,
                c.topic,
                tuple((label, tuple(ids)) for label, ids in c.sides),
                tuple(c.intents),
                tuple(c.entities),
            )
            for c in _read_jsonl(folder / "conflicts.jsonl", ConflictSpec)
        ],
        passage_vectors=cast(PassageVectors, passage_vectors),  # HybridIndex refuses any other value
    )


def _write_jsonl(path: Path, records: Iterable[Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(dataclasses.asdict(record), ensure_ascii=False) + "\n")


def _read_jsonl(path: Path, cls: type[T]) -> list[T]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            rows.append(cls(**{k: _tuples(v) for k, v in data.items()}))
    return rows


def _tuples(value: object) -> object:
    """JSON lists read back as the tuples the frozen dataclasses hold (a span, codes)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _prune(index_dir: Path, keep: str) -> None:
    """Remove builds other than ``keep`` (a running server holds its build in memory).

    Hidden entries are left alone: another build's staging folder, the change journal; the
    leftovers of killed processes among them go at the next start, under the writer lock.
    """
    for child in index_dir.iterdir():
        if child.is_dir() and child.name != keep and not child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)

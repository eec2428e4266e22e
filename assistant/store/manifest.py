"""The index manifest: what an index was built from, and checksums of every file in it."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

FORMAT_VERSION = 9


class BuildInputs(BaseModel):
    """Everything an index depends on; an index is stale when any of these differ."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = FORMAT_VERSION
    embedding_model: str
    chunk_size: int
    chunk_overlap: int
    corpus_hash: str
    # How chunk vectors were made and searched (Settings.passage_vectors, store/pooling.py); builds
    # that predate the field encoded them.
    passage_vectors: str = "encoded"

    def version(self) -> str:
        """A short stable id of these inputs, used as the index version."""
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        return digest[:16]


class Manifest(BaseModel):
    """manifest.json beside the index files."""

    model_config = ConfigDict(extra="forbid")

    index_version: str
    inputs: BuildInputs
    dimension: int
    # Name of the embedder that made the vectors (None in builds older than incremental builds):
    # vectors are reused only from a build by the same embedder.
    embedder: str | None = None
    created_at: str
    counts: dict[str, int]
    corpus_files: dict[str, str]
    files: dict[str, str]

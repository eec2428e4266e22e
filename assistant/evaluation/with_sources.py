"""A private corpus for evaluation: the project corpus plus extra source files, ingested and indexed.

Lets ``assistant eval --with-sources FILE...`` score items about documents that are not in corpus/
(the fixture documents of the ingest issue) without touching corpus/ or index/.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.errors import SourceError
from assistant.ingest.extract import source_files
from assistant.ingest.source_docs import Overrides
from assistant.pipeline import build_index
from assistant.sources import IngestRun


def corpus_with_sources(settings: Settings, sources: list[Path], workdir: Path, embedder: Embedder) -> Settings:
    """Copy the corpus into ``workdir``, ingest ``sources`` into the copy, build its index; return its settings.

    Raises:
        SourceError: a source file cannot be ingested (the message names it and the reason).
    """
    shutil.copytree(settings.corpus_dir, workdir / "corpus")
    private = settings.model_copy(update={"corpus_dir": workdir / "corpus", "index_dir": workdir / "index"})
    run = IngestRun(private, Overrides(), encoding=None, today=dt.date.today())
    for item in source_files(sources):
        if isinstance(item, SourceError):
            raise item
        run.ingest(item)
    build_index(private, embedder)
    return private

"""A real-document set -> evaluation items and a private corpus with its documents ingested.

The set is a folder laid out as ``../shared/realdocs`` is::

    questions.jsonl   items whose ``doc`` and ``evidence.doc`` are file names under docs/
    docs/             the documents (PDFs), never copied into the repository
    ingest.sh         one ``"$A" ingest "$HERE/docs/FILE" --title ... --publisher ...`` command per file

The documents are ingested, with the metadata ``ingest.sh`` gives them, into a copy of the corpus
in a temporary folder, and the items are rewritten to name the ingested document ids, so the usual
scorer can check citations against the stored text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assistant.config import Settings
from assistant.embed.protocol import Embedder
from assistant.evaluation.dataset import EvalDataError, EvalItem
from assistant.ingest.source_docs import Overrides, document_id
from assistant.pipeline import build_index
from assistant.sources import IngestRun

QUESTIONS = "questions.jsonl"
SCRIPT = "ingest.sh"
SPLIT = "realdocs"

# ingest.sh flag -> Overrides field
_FLAGS = {"--title": "title", "--publisher": "publisher", "--source-url": "source_url", "--codes": "codes",
          "--id": "doc_id", "--effective": "effective"}


@dataclass(frozen=True)
class SourceSpec:
    """One document of the set: its file and the metadata ``ingest.sh`` gives it."""

    path: Path
    overrides: Overrides

    @property
    def doc_id(self) -> str:
        """The id the document is ingested under (``--id``, else the slug of its file name)."""
        return document_id(self.path, self.overrides)


def read_ingest_script(folder: Path) -> list[SourceSpec]:
    """The documents ``folder/ingest.sh`` ingests, with their flags, in order.

    Only ``"$A" ingest FILE [--flag value ...]`` commands are read (``$HERE`` is the folder); the
    script is parsed, never run.

    Raises:
        EvalDataError: the script is missing, a command cannot be parsed, a flag is unknown or a
            named file does not exist.
    """
    path = folder / SCRIPT
    try:
        script = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalDataError(f"{path}: cannot read the set's ingest script ({exc}).") from exc
    specs: list[SourceSpec] = []
    for number, line in enumerate(script.replace("\\\n", " ").splitlines(), start=1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise EvalDataError(f"{path}: command {number} cannot be parsed ({exc}).") from exc
        if len(words) < 3 or words[1] != "ingest" or not words[0].startswith("$"):
            continue
        specs.append(_spec(path, number, folder, words[2:]))
    if not specs:
        raise EvalDataError(f"{path}: no `\"$A\" ingest FILE ...` command found.")
    return specs


def _spec(script: Path, number: int, folder: Path, words: list[str]) -> SourceSpec:
    file = Path(re.sub(r"\$\{?HERE\}?", str(folder), words[0]))
    if not file.is_file():
        raise EvalDataError(f"{script}: command {number} names {file}, which does not exist.")
    values: dict[str, object] = {}
    rest = words[1:]
    for flag, value in zip(rest[::2], rest[1::2], strict=False):
        if flag not in _FLAGS:
            raise EvalDataError(f"{script}: command {number}: unknown flag {flag!r} (known: {sorted(_FLAGS)}).")
        values[_FLAGS[flag]] = tuple(c.strip() for c in value.split(",") if c.strip()) if flag == "--codes" else value
    if len(rest) % 2:
        raise EvalDataError(f"{script}: command {number}: flag {rest[-1]!r} has no value.")
    try:
        return SourceSpec(file, Overrides.model_validate(values))
    except ValidationError as exc:
        raise EvalDataError(f"{script}: command {number}: {exc.errors()[0]['msg']}") from exc


def load_realdocs_items(folder: Path, doc_ids: dict[str, str], questions: Path | None = None) -> list[EvalItem]:
    """The set's questions (``questions``, default ``folder/questions.jsonl``) as evaluation items,
    file names replaced by the ingested ``doc_ids``.

    Raises:
        EvalDataError: the file is missing, a line is malformed, or an item names a document the
            set does not ingest (the message gives ``file:line``).
    """
    path = questions or folder / QUESTIONS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(f"{path}: cannot read the questions ({exc}).") from exc
    items: list[EvalItem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            raw.pop("doc", None)
            evidence = raw.get("evidence")
            if evidence is not None:
                name = evidence.pop("doc")
                if name not in doc_ids:
                    raise EvalDataError(f"{path}:{number}: evidence names {name!r}, which {SCRIPT} does not ingest.")
                evidence["doc_id"] = doc_ids[name]
            items.append(EvalItem.model_validate(raw))
        except (json.JSONDecodeError, KeyError, AttributeError, TypeError) as exc:
            raise EvalDataError(f"{path}:{number}: not a valid item ({exc}).") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            raise EvalDataError(f"{path}:{number}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    return items


def corpus_with_realdocs(
    settings: Settings,
    folder: Path,
    workdir: Path,
    embedder: Embedder,
    *,
    progress: Callable[[Path], None] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """Copy the corpus into ``workdir``, ingest the set's documents there and build its index.

    A ``workdir`` that already holds such a copy is reused: unchanged documents are not written
    again and an index that is still current is not rebuilt.

    Returns the private settings and the map from file name to ingested document id.

    Raises:
        EvalDataError: ``ingest.sh`` cannot be read.
        SourceError: a document cannot be ingested.
    """
    specs = read_ingest_script(folder)
    if not (workdir / "corpus").exists():
        shutil.copytree(settings.corpus_dir, workdir / "corpus")
    private = settings.model_copy(update={"corpus_dir": workdir / "corpus", "index_dir": workdir / "index"})
    for spec in specs:
        if progress:
            progress(spec.path)
        IngestRun(private, spec.overrides, encoding=None, today=dt.date.today()).ingest(spec.path)
    build_index(private, embedder)
    return private, {spec.path.name: spec.doc_id for spec in specs}

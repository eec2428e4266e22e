"""An ingest manifest: many files with their own metadata, so a folder of documents is one call.

YAML (``.yaml`` / ``.yml``): a list of entries, or a mapping whose only key ``documents`` holds
that list. CSV (``.csv``): a header row naming the keys, one entry per row. Each entry names a
``file`` and, optionally, the metadata ``assistant ingest`` otherwise takes from flags::

    documents:
      - file: aetna-botox.pdf            # relative to --base, else to the manifest's folder
        id: aetna-botox-policy
        title: Botulinum toxin (Aetna CPB 0113)
        publisher: Aetna
        source_url: https://example.org/cpb-0113
        codes: [64615, J0585]            # or "64615, J0585"
        effective: 2026-01-01
        replaces: aetna-botox-2025       # this entry supersedes that document

A manifest holds metadata only, never document text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.errors import ManifestError
from assistant.ingest.source_docs import Overrides


class _TextLoader(yaml.SafeLoader):
    """YAML without number types: codes such as 04111 or 99202 stay the text written (no octal, no int)."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

KEYS = ("file", "id", "title", "publisher", "source_url", "codes", "effective", "replaces")
"""The keys an entry may have (``file`` is required)."""


@dataclass(frozen=True)
class ManifestEntry:
    """One file to ingest, where it was named (``label``) and the metadata given for it."""

    path: Path
    overrides: Overrides
    label: str


def read_manifest(manifest: Path, *, base: Path | None = None) -> list[ManifestEntry]:
    """The entries of ``manifest``, their files resolved against ``base`` (default: the manifest's folder).

    Raises:
        ManifestError: the manifest cannot be read or parsed, is empty, or an entry has an unknown
            or invalid key or names a file that does not exist; one line naming the manifest and entry.
    """
    suffix = manifest.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise ManifestError(f"{manifest}: a manifest is a .yaml, .yml or .csv file, not {suffix or 'one without an extension'}.")
    try:
        raw = manifest.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{manifest}: cannot be read as UTF-8 text ({exc}).") from exc
    records = _csv_records(manifest, raw) if suffix == ".csv" else _yaml_records(manifest, raw)
    if not records:
        raise ManifestError(f"{manifest}: lists no documents; give one entry per file (keys: {', '.join(KEYS)}).")
    folder = base if base is not None else manifest.parent
    return [_entry(manifest, number, record, folder) for number, record in enumerate(records, start=1)]


def _yaml_records(manifest: Path, raw: str) -> list[Any]:
    try:
        data = yaml.load(raw, Loader=_TextLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ManifestError(f"{manifest}: not valid YAML ({exc.problem}{where}).") from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"{manifest}: not valid YAML ({' '.join(str(exc).split())}).") from exc
    if isinstance(data, Mapping):
        unknown = sorted(str(k) for k in data if k != "documents")
        if unknown:
            raise ManifestError(f"{manifest}: unknown top-level key(s) {', '.join(unknown)}; the only one is 'documents'.")
        data = data.get("documents")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ManifestError(f"{manifest}: 'documents' must be a list of entries, not {type(data).__name__}.")
    return data


def _csv_records(manifest: Path, raw: str) -> list[Any]:
    try:
        rows = list(csv.DictReader(raw.splitlines()))
    except csv.Error as exc:
        raise ManifestError(f"{manifest}: not valid CSV ({exc}).") from exc
    records: list[Any] = []
    for row in rows:
        if None in row:  # more cells than header names
            raise ManifestError(f"{manifest}: entry {len(records) + 1}: more cells than the header row has names.")
        records.append({k.strip(): v.strip() for k, v in row.items() if k is not None and v is not None and v.strip()})
    return records


def _entry(manifest: Path, number: int, record: Any, folder: Path) -> ManifestEntry:
    if not isinstance(record, Mapping):
        raise ManifestError(f"{manifest}: entry {number}: must be a mapping of keys ({', '.join(KEYS)}), not {record!r}.")
    name = record.get("file")
    label = f"entry {number}" + (f" ({name})" if isinstance(name, str) and name else "")
    unknown = sorted(str(k) for k in record if k not in KEYS)
    if unknown:
        raise ManifestError(f"{manifest}: {label}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}.")
    if not isinstance(name, str) or not name.strip():
        raise ManifestError(f"{manifest}: {label}: 'file' is required (the path of the document to ingest).")
    path = folder / name
    if not path.is_file():
        raise ManifestError(f"{manifest}: {label}: no such file {path}.")
    data = {("doc_id" if k == "id" else k): v for k, v in record.items() if k != "file" and v is not None}
    if "codes" in data:
        data["codes"] = _codes(data["codes"])
    try:
        overrides = Overrides.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'id' if err['loc'] and err['loc'][0] == 'doc_id' else '.'.join(str(p) for p in err['loc'])} "
            f"{err['input']!r}: {err['msg']}"
            for err in exc.errors()[:3]
        )
        raise ManifestError(f"{manifest}: {label}: {problems}.") from exc
    return ManifestEntry(path, overrides, label)


def _codes(value: Any) -> Any:
    """Codes as a tuple of strings: a list, or one string separated by commas, semicolons or spaces."""
    if isinstance(value, str):
        return tuple(c for c in re.split(r"[,;\s]+", value) if c)
    if isinstance(value, list):
        return tuple(str(c).strip() for c in value)
    return value

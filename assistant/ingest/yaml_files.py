"""Read a YAML corpus file into a pydantic model, with errors that name the file and the fact."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import CorpusError

Model = TypeVar("Model", bound=BaseModel)


def read_yaml_model(path: Path, model: type[Model], what: str) -> Model:
    """Parse ``path`` as ``model``.

    Raises:
        CorpusError: the file is unreadable or not YAML, or a field is invalid; the message names
            the file, the fact (when the error is inside ``facts``) and the field.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorpusError(f"{path}: cannot read {what} ({exc}).") from exc
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        fact_id = _fact_id_at(data, first["loc"])
        label = f" fact {fact_id!r}" if fact_id else ""
        hint = " Every attested fact must name its source." if where.endswith(".source") else ""
        raise CorpusError(f"{path}:{label} invalid field {where}: {first['msg']}.{hint}") from exc


def _fact_id_at(data: object, loc: tuple[int | str, ...]) -> str | None:
    """The id of the fact a validation error location points into, if any."""
    if isinstance(data, dict) and len(loc) >= 2 and loc[0] == "facts" and isinstance(loc[1], int):
        items = data.get("facts")
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            value = items[loc[1]].get("id")
            return str(value) if value is not None else None
    return None

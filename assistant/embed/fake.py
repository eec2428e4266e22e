"""A deterministic stand-in embedder for fast unit tests: hashed bag of words, no model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_WORD_RE = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")


class HashingEmbedder:
    """Maps each lower-cased word to a fixed pseudo-random direction and sums them.

    Texts sharing words get similar vectors, which is enough to exercise indexing and retrieval
    code paths quickly; answer quality is tested with the real model.
    """

    def __init__(self, dimension: int = 64) -> None:
        """Create a fake embedder producing ``dimension``-long vectors."""
        if dimension < 2:
            raise ValueError(f"dimension must be at least 2, got {dimension!r}")
        self._dimension = dimension

    @property
    def name(self) -> str:
        """Name recorded in manifests, including the dimension."""
        return f"hashing-fake-{self._dimension}"

    @property
    def dimension(self) -> int:
        """Vector length."""
        return self._dimension

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        """Normalised hashed bag-of-words vectors (zero text -> a fixed unit vector)."""
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD_RE.findall(text.lower()):
                out[row] += self._direction(word)
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:
                out[row, 0] = 1.0
            else:
                out[row] /= norm
        return out

    def _direction(self, word: str) -> npt.NDArray[np.float32]:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(self._dimension).astype(np.float32)
        return vector / np.linalg.norm(vector)

"""An embedder that reports progress: texts are embedded in blocks and each finished block is counted."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from assistant.embed.protocol import Embedder


class ProgressEmbedder:
    """Wraps an :class:`Embedder`; calls ``on_start(n)`` when asked for ``n`` texts and
    ``on_advance(k)`` after each block of ``k`` is embedded.

    Texts are embedded longest first in blocks of ``block`` (the order sentence-transformers
    sorts one call into anyway), so splitting a call into blocks adds no padding; rows come
    back in the caller's order.
    """

    def __init__(
        self, inner: Embedder, *, on_start: Callable[[int], None], on_advance: Callable[[int], None], block: int = 256
    ) -> None:
        """Report to ``on_start`` / ``on_advance``; ``block`` texts per inner call (at least 1)."""
        if block < 1:
            raise ValueError(f"block must be at least 1, got {block!r}")
        self._inner = inner
        self._on_start = on_start
        self._on_advance = on_advance
        self._block = block

    @property
    def name(self) -> str:
        """The wrapped embedder's name (the vectors are its vectors)."""
        return self._inner.name

    @property
    def dimension(self) -> int:
        """The wrapped embedder's vector length."""
        return self._inner.dimension

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        """One row per text, as the wrapped embedder gives it."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        self._on_start(len(texts))
        order = sorted(range(len(texts)), key=lambda row: -len(texts[row]))
        for first in range(0, len(order), self._block):
            rows = order[first : first + self._block]
            out[rows] = self._inner.embed([texts[row] for row in rows])
            self._on_advance(len(rows))
        return out

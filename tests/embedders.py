"""Test embedders: the deterministic hashing fake, watched (texts recorded, an optional hook first)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from assistant.embed.fake import HashingEmbedder


class RecordingEmbedder:
    """The hashing fake, remembering every text it was asked to embed; ``before`` runs first."""

    def __init__(self, dimension: int = 32) -> None:
        self.inner = HashingEmbedder(dimension)
        self.texts: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def before(self, texts: Sequence[str]) -> None:
        """Called with each batch before it is embedded (a hook for subclasses)."""

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        self.before(texts)
        self.texts.extend(texts)
        return self.inner.embed(texts)

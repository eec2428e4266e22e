"""The interface every embedder offers; implementations do not inherit from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """Identifier recorded in the index manifest; a different name means a different space."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    def embed(self, texts: Sequence[str], *, show_progress: bool = False) -> npt.NDArray[np.float32]:
        """Return one normalised row per text, shape ``(len(texts), dimension)``."""
        ...

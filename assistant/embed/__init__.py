"""Text -> normalised vectors: the Embedder protocol, the sentence-transformers model, a fake."""

from assistant.embed.protocol import Embedder

__all__ = ["Embedder"]

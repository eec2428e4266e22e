"""How many tokens the embedding model reads: its own tokenizer and maximum sequence length.

Ingest cuts sentences longer than the model reads (``assistant.ingest.long_sentences``); it gets
one of these counters from the pipeline. The model's folder holds ``tokenizer.json`` and
``sentence_bert_config.json`` (``max_seq_length``); both are read with the ``tokenizers`` library,
without loading the model. When they cannot be found, :class:`CharacterBound` counts every
character that is not a space as a token: a safe bound (a word piece always holds at least one).
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Tokenizer

from assistant.embed.sentence import resolve_model_path

# The model's own markers around every input ([CLS] ... [SEP] for BERT-like models).
SPECIAL_TOKENS = 2
DEFAULT_MAX_SEQ_LENGTH = 256


class ModelTokens:
    """The word pieces of a model's own tokenizer, ``max_tokens`` of them per input."""

    def __init__(self, tokenizer: Tokenizer, max_tokens: int) -> None:
        """Wrap ``tokenizer`` (truncation and padding are turned off on it).

        Raises:
            ValueError: ``max_tokens`` is below 1.
        """
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens!r}")
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens

    @property
    def max_tokens(self) -> int:
        """Tokens of text one input may hold, the model's markers excluded."""
        return self._max_tokens

    def token_ends(self, text: str) -> list[int]:
        """End offset in ``text`` of each of its word pieces."""
        return [end for _, end in self._tokenizer.encode(text, add_special_tokens=False).offsets]


class CharacterBound:
    """Counts each non-space character as a token: never fewer tokens than a word-piece model makes."""

    def __init__(self, max_tokens: int = DEFAULT_MAX_SEQ_LENGTH - SPECIAL_TOKENS) -> None:
        """Allow ``max_tokens`` per input.

        Raises:
            ValueError: ``max_tokens`` is below 1.
        """
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens!r}")
        self._max_tokens = max_tokens

    @property
    def max_tokens(self) -> int:
        """Tokens of text one input may hold."""
        return self._max_tokens

    def token_ends(self, text: str) -> list[int]:
        """End offset of each non-space character of ``text``."""
        return [i + 1 for i, c in enumerate(text) if not c.isspace()]


def model_tokens(model: str) -> ModelTokens | CharacterBound:
    """The token counter of the embedding model ``model`` (a folder or a package, as the embedder
    resolves it); :class:`CharacterBound` when its tokenizer files are not in a local folder."""
    folder = Path(resolve_model_path(model))
    tokenizer_file = folder / "tokenizer.json"
    if not tokenizer_file.is_file():
        return CharacterBound()
    try:
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        length = int(config.get("max_seq_length") or DEFAULT_MAX_SEQ_LENGTH)
    except (OSError, ValueError, TypeError, AttributeError):
        length = DEFAULT_MAX_SEQ_LENGTH
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    except Exception:  # the library raises a bare Exception for an unreadable or foreign file
        return CharacterBound(max(1, length - SPECIAL_TOKENS))
    return ModelTokens(tokenizer, max(1, length - SPECIAL_TOKENS))

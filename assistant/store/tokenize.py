"""A code-aware tokenizer for BM25: billing codes stay whole, ordinary words are stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from assistant.codes import find_codes, normalize_code_text

_WORD_RE = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")
_STOPWORDS = frozenset(STOPWORDS_EN) | {"does", "do", "what", "which", "who", "how", "cpt", "code"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Tokens of ``text``: one ``kind:code`` token per billing code, then stemmed words.

    ``"Modifier 59 with CPT 64642 at POS 11"`` gives ``modifier:59``, ``cpt:64642``, ``pos:11``
    plus the words ``modifi``, ``59``, ``64642``, ``pos``, ``11``, so an exact code matches
    exactly while free text still matches loosely.
    """
    normalized = normalize_code_text(text)
    tokens = [match.key.lower() for match in find_codes(normalized)]
    stemmer = _stemmer()
    for word in _WORD_RE.findall(normalized.lower()):
        if word in _STOPWORDS or len(word) < 2 and not word.isdigit():
            continue
        tokens.append(word if any(c.isdigit() for c in word) else stemmer.stemWord(word))
    return tokens

"""Whether a table row meets the condition a question puts on one of its columns.

"Which codes need no prior authorization?" asks for the rows whose "Prior authorization" cell says
no; "which codes require prior authorization?" for those whose cell says yes. A row reads as
"Header: value; Header: value" (see ``ingest/tables.py``). Nothing here knows a document: the
column is the one whose header words the question uses, the polarity comes from the words
around them and from the cell's own yes/no wording.
"""

from __future__ import annotations

import re

_CELL = re.compile(r"\s*([^:;]{2,60}):\s*([^;]*)")
_WORD = re.compile(r"[a-z][a-z'-]+")
_NEGATIVE_VALUE = re.compile(r"^\s*(no|none|not (required|needed|covered)|n/?a|never|excluded|non-?covered)\b", re.I)
_POSITIVE_VALUE = re.compile(r"^\s*(yes|required|requires|needed|covered|always)\b", re.I)
# "without prior authorization", "no PA", "don't need prior auth", "not requiring ..."
_NEGATION = r"\b(without|no|not|never|n't|non)\b"
_STOP = frozenset("the a an of for to in on and or per with by".split())


def row_meets(row_text: str, question: str) -> bool | None:
    """True when the row's cell in the column the question conditions on has the asked polarity,
    False when it has the other, None when the question names none of the row's columns or the
    cell is neither yes nor no."""
    query = question.lower()
    for header, value in _CELL.findall(row_text):
        words = [w for w in _WORD.findall(header.lower()) if w not in _STOP]
        if not words or not all(_mentions(query, w) for w in words):
            continue
        first = re.escape(words[0][:5])
        negated = bool(re.search(_NEGATION + r"[^.?;]{0,25}?\b" + first, query))
        if _NEGATIVE_VALUE.search(value):
            return negated
        if _POSITIVE_VALUE.search(value):
            return not negated
    return None


def _mentions(query: str, word: str) -> bool:
    """Whether ``query`` uses ``word`` or a clipped form of it ("auth" for "authorization")."""
    return any(w.startswith(word[:4]) and (word.startswith(w) or w.startswith(word)) for w in _WORD.findall(query))

"""Server-sent events: sentence pieces of an answer and the event framing."""

from __future__ import annotations

import json
import re
from typing import Any

SENTENCE_END = re.compile(r"(?<=[.!?])(?=\s)")


def sentence_deltas(text: str) -> list[str]:
    """``text`` cut after each sentence end; the pieces join back to ``text`` exactly."""
    return [piece for piece in SENTENCE_END.split(text) if piece]


def sse_event(event: str, data: Any) -> str:
    """One server-sent event named ``event`` carrying ``data`` as JSON."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

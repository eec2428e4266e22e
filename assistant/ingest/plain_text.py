"""Bytes of a source file -> clean Unicode text: decoding (UTF-8 or a named encoding) and tidying."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import charset_normalizer

from assistant.errors import SourceEncodingError

# C0 control characters other than tab and newline: never meaningful in a quoted source.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BLANK_RUN_RE = re.compile(r"\n{3,}")


def decode_text(path: Path, data: bytes, encoding: str | None) -> str:
    """Decode ``data`` as UTF-8 (a BOM allowed), or as ``encoding`` when one is given.

    Raises:
        SourceEncodingError: the bytes are not valid in that encoding, or ``encoding`` is unknown;
            for non-UTF-8 bytes the message says which encoding they look like.
    """
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError as exc:
            raise SourceEncodingError(
                f"{path}: unknown encoding {encoding!r} given with --encoding (try utf-8, cp1252 or latin-1)."
            ) from exc
        try:
            return data.decode("utf-8-sig" if codec == "utf-8" else codec)
        except UnicodeDecodeError as exc:
            raise SourceEncodingError(
                f"{path}: cannot be read as {encoding} (byte 0x{data[exc.start]:02X} at offset {exc.start} is "
                f"invalid there); {_looks_like(data)}."
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceEncodingError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02X} at offset {exc.start} is invalid in UTF-8); "
            f"{_looks_like(data)}."
        ) from exc


def _looks_like(data: bytes) -> str:
    """What the bytes look like, and the two ways out."""
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None:
        return (
            "its bytes do not look like text in any known encoding. If it is text, pass --encoding with "
            "its encoding or re-save it as UTF-8"
        )
    language = f", {guess.language} text" if guess.language and guess.language != "Unknown" else ""
    return f"it looks like {guess.encoding}{language}. Pass --encoding {guess.encoding}, or re-save the file as UTF-8"


def tidy_text(text: str) -> str:
    """Unix newlines, no control characters, no trailing spaces, at most one blank line in a row."""
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUN_RE.sub("\n\n", text).strip()


def metadata_text(value: object) -> str | None:
    """A metadata value (a title, an author) as one line of text, or None when it is not set."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None

"""One error hierarchy for the whole package.

    AssistantError
    ├── ConfigError            settings or a data file in prompts/ is unusable
    ├── CorpusError            a corpus document or fact is invalid (names the file and item)
    ├── EmbeddingError         the embedding model cannot be loaded or used
    ├── IndexStoreError        the built index is missing, stale, corrupt or mismatched
    │   ├── IndexMissingError
    │   ├── IndexMismatchError
    │   └── ReloadInProgressError  a server is already loading a new index
    ├── InputError             a question or request the assistant cannot accept
    ├── NotFoundError          a requested document (or other item) does not exist
    ├── SourceError            a file given to `assistant ingest` cannot be ingested (names file and reason)
    │   ├── UnsupportedSourceError   not a .md, .txt, .html/.htm or .pdf file (or not found)
    │   ├── SourceTooLargeError      over the max_source_bytes setting
    │   ├── EmptySourceError         no bytes, or no text once extracted
    │   ├── SourceEncodingError      text that is not UTF-8 (or not the --encoding given)
    │   ├── NoMainTextError          an HTML page that is mostly navigation, too little main text
    │   ├── ScannedPdfError          a PDF of images: no extractable text
    │   ├── EncryptedPdfError        a password-protected PDF
    │   ├── CorruptPdfError          a PDF that cannot be parsed
    │   └── OcrError                 `ingest --ocr` asked, but tesseract is missing or failed
    │   └── DuplicateSourceError     the same text is already in the corpus under another id
    ├── ManifestError          an `assistant ingest --manifest` file is unreadable or names a bad entry
    ├── SourceRemovalError     `assistant sources remove` refused (curated, generated or quoted by facts)
    ├── AnswerIntegrityError   an answer failed its own citation checks (a bug, never shown as an answer)
    ├── GeneratorError         the optional model server failed: timeout, unreachable, error, malformed or cut-off reply
    └── FeedbackStoreError     the feedback database cannot be opened or written

Each edge translates these once: the HTTP layer into a JSON error with a status code, the CLI
into a message and a non-zero exit code. Messages say what is wrong and what to do about it.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(AssistantError):
    """Settings or a data file under prompts/ cannot be used."""


class CorpusError(AssistantError):
    """A corpus document or fact is invalid; the message names the file and the item."""


class EmbeddingError(AssistantError):
    """The embedding model cannot be loaded or produced unusable vectors."""


class IndexStoreError(AssistantError):
    """The index on disk cannot be used."""


class IndexMissingError(IndexStoreError):
    """No built index exists where the settings point."""


class IndexMismatchError(IndexStoreError):
    """The index on disk does not match the corpus, settings or model, or a file is corrupt."""


class ReloadInProgressError(IndexStoreError):
    """A server was asked to load a new index while it is still loading one."""


class InputError(AssistantError):
    """A question or request that the assistant cannot accept as given."""


class NotFoundError(AssistantError):
    """A requested item (such as a document id) does not exist."""


class SourceError(AssistantError):
    """A file given to ``assistant ingest`` cannot be ingested; the message names it and says why."""


class UnsupportedSourceError(SourceError):
    """The path is missing or its extension is not one the ingester reads."""


class SourceTooLargeError(SourceError):
    """The file is larger than the ``max_source_bytes`` setting allows."""


class EmptySourceError(SourceError):
    """The file has no bytes, or no text once extracted."""


class SourceEncodingError(SourceError):
    """A text file is not UTF-8 (or not in the encoding given with --encoding)."""


class NoMainTextError(SourceError):
    """An HTML page yields too little main text: it is mostly navigation or boilerplate."""


class ScannedPdfError(SourceError):
    """A PDF whose pages carry no extractable text (scanned images)."""


class EncryptedPdfError(SourceError):
    """A PDF that needs a password to open."""


class CorruptPdfError(SourceError):
    """A file named .pdf that cannot be parsed as a PDF."""


class OcrError(SourceError):
    """``ingest --ocr`` was asked for, but the tesseract program is missing or failed on a page."""
class DuplicateSourceError(SourceError):
    """The file's text (normalised) is already in the corpus under another id."""


class ManifestError(AssistantError):
    """An ingest manifest cannot be used; the message names the manifest and the entry."""


class SourceRemovalError(AssistantError):
    """A source cannot be removed as asked: it is curated or generated, or quoted facts cite it."""


class AnswerIntegrityError(AssistantError):
    """An assembled answer cites a span that does not resolve; a bug, reported rather than served."""


class GeneratorError(AssistantError):
    """The optional model server did not give a usable reply; the extractive answer is used instead.

    ``reason`` is one of ``timeout``, ``unreachable``, ``server_error``, ``malformed``, ``interrupted``
    (the stream stopped before the model finished) or ``truncated`` (it ran out of tokens).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


REBUILD_HINT = "Run `assistant build --force` (or `make run`) to rebuild the index."


class FeedbackStoreError(AssistantError):
    """The feedback database under the data directory cannot be created, read or written."""

"""Corpus edits the incremental-build and reload tests make on a private copy of the corpus."""

from __future__ import annotations

from pathlib import Path

NEW_DOC_ID = "quillfeather-bulletin-64999"
NEW_DOC_WORD = "zanzibarite"

NEW_DOCUMENT = f"""---
id: {NEW_DOC_ID}
title: Quillfeather Health bulletin on unlisted nerve procedures
publisher: Quillfeather Health
source_url: https://example.org/quillfeather/bulletin-64999
codes: ["64999"]
added: 2026-11-27
---
## Coverage

Quillfeather Health reviews claims for CPT 64999 one by one and asks for operative notes.
Claims naming the {NEW_DOC_WORD} nerve wrap must attach the implant invoice.

## Documentation

Records should state why no listed code describes the service performed.
A comparable listed code and its relative value help the reviewer price the claim.
"""


def add_document(corpus_dir: Path) -> Path:
    """Write the new document into ``corpus_dir/documents`` and return its path."""
    path = corpus_dir / "documents" / f"{NEW_DOC_ID}.md"
    path.write_text(NEW_DOCUMENT, encoding="utf-8")
    return path

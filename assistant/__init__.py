"""Grounded coverage and coding question answering for medical billing staff.

Data flows one way: ``ingest`` (corpus files -> documents, facts, passages) -> ``embed`` ->
``store`` (FAISS + BM25 on disk) -> ``retrieve`` -> ``answer`` -> ``api`` / ``cli``.
``pipeline`` is the one module that wires the stages together.
"""

__version__ = "0.1.0"

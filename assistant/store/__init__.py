"""The on-disk index: FAISS vectors plus a BM25 lexical index, saved atomically with a manifest."""

"""Corpus files -> validated Documents and Facts -> Passages and Sentences with character offsets."""

"""Evaluation: score answers, citations, abstention and retrieval on eval/*.jsonl; gate CI on them."""

"""Grounded answering without an LLM: understand the question, answer from facts, else extract."""

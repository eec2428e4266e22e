"""The BM25 tokenizer keeps billing codes whole and stems ordinary words."""

from __future__ import annotations

import pytest

from assistant.store.tokenize import tokenize


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("CPT 64642", "64642"),
        ("cpt64642", "cpt:64642"),
        ("G35.A", "g35.a"),
        ("G35.A", "icd:g35.a"),
        ("G24.1", "g24.1"),
        ("J0585", "hcpcs:j0585"),
        ("modifier 59", "modifier:59"),
        ("-59", "modifier:59"),
        ("POS 11", "pos:11"),
        ("Place of Service 22", "pos:22"),
    ],
)
def test_codes_survive_tokenizing(text: str, token: str) -> None:
    assert token in tokenize(text)


def test_words_are_stemmed_and_stopwords_dropped() -> None:
    tokens = tokenize("Which payers are covering the procedure?")
    assert "cover" in tokens and "payer" in tokens
    assert "the" not in tokens and "are" not in tokens


def test_icd_code_is_not_split_at_the_dot() -> None:
    assert "g24" not in tokenize("G24.1")

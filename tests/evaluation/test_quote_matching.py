"""Evidence quotes match citations on NFKC text with whitespace collapsed, table rows by their cells."""

from __future__ import annotations

import pytest

from assistant.evaluation.scorer import contains_quote


@pytest.mark.parametrize(
    ("citation", "quote"),
    [
        ("Bill the \ufb01rst visit\nonce per day.", "first visit once per day"),  # ligature, line break
        ("Code: Z99.89; Description: Dependence on other enabling machines", "Z99.89 Dependence on other"),
        ("Codes: CPT code 99999 x 1; Total Time: 40–54 minutes", "CPT code 99999 x 1 40–54 minutes"),
        ("Code: Z99.89; Description: Dependence on other enabling machines", "Description: Dependence"),
    ],
)
def test_a_citation_holding_the_quote_matches(citation: str, quote: str) -> None:
    assert contains_quote(citation, quote)


@pytest.mark.parametrize(
    ("citation", "quote"),
    [
        ("Code: Z99.89; Description: Dependence on other enabling machines", "Z99.88 Dependence"),
        ("Prior authorization: Not required for 0999T.", "authorization Not required"),
        ("Report the code once per day.", "twice per day"),
    ],
)
def test_a_citation_without_the_quote_does_not_match(citation: str, quote: str) -> None:
    assert not contains_quote(citation, quote)

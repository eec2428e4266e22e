"""Quoted facts: every quote must be verbatim in its document; errors name the fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest.documents import read_documents
from assistant.ingest.facts import read_facts
from tests.conftest import ROOT


def documents() -> dict:
    return {d.doc_id: d for d in read_documents(ROOT / "corpus" / "documents")}


def test_every_project_fact_points_at_its_exact_quote() -> None:
    docs = documents()
    facts = read_facts(ROOT / "corpus" / "facts", docs)
    assert len(facts) >= 15
    for fact in facts:
        assert docs[fact.doc_id].text[fact.start : fact.end] == fact.quote


def test_project_facts_cover_every_fact_type_the_publication_states() -> None:
    types = {f.fact_type for f in read_facts(ROOT / "corpus" / "facts", documents())}
    assert {
        "coverage", "modifier", "place_of_service", "specialty", "technique", "condition",
        "documentation", "patient", "setting",
    } <= types


FACT = """doc_id: openpayer-cpt-64642
facts:
  - id: {id}
    type: coverage
    statement: A statement.
    quote: "{quote}"
    entities: [{entities}]
"""


def write_facts(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "facts"
    folder.mkdir()
    (folder / "f.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (FACT.format(id="made-up", quote="Kaiser covers everything.", entities=""), "'made-up': its quote is not in"),
        (FACT.format(id="bad-entity", quote="Aetna", entities="payer aetna"), "'bad-entity' has malformed entities"),
        (FACT.format(id="Bad Id", quote="Aetna", entities=""), "invalid field facts.0.id"),
        (FACT.format(id="no-doc", quote="Aetna", entities="").replace("    type", "    doc_id: missing-doc\n    type"), "'no-doc' names unknown document"),
        (FACT.format(id="x", quote="Aetna", entities="").replace("    statement: A statement.\n", ""), "'x' invalid field facts.0.statement"),
        (FACT.format(id="x", quote="Aetna", entities="") + FACT.format(id="x", quote="Aetna", entities="").split("facts:\n")[1], "defined twice"),
        ("facts: [", "cannot read facts file"),
    ],
)
def test_invalid_facts_fail_naming_the_fact(tmp_path: Path, text: str, message: str) -> None:
    folder = write_facts(tmp_path, text)
    with pytest.raises(CorpusError) as caught:
        read_facts(folder, documents())
    assert message in str(caught.value)
    assert "f.yaml" in str(caught.value)

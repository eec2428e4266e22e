"""Attested reference facts: sources required, documents say whose summary they are, ICD-10-CM
descriptions come from the package, conflicts name real facts."""

from __future__ import annotations

from pathlib import Path

import pytest
import simple_icd_10_cm as cm

from assistant.errors import CorpusError
from assistant.ingest.conflicts import read_conflicts
from assistant.ingest.corpus import load_corpus
from assistant.ingest.references import PREAMBLE, read_references
from tests.conftest import ROOT

FACT = """doc_id: ref-test
title: "Project summary of public coding references: test"
facts:
  - id: ref-x
    type: definition
    statement: Per a named source, CPT 64643 is an add-on code.
    entities: [cpt:64643]
{source}    confidence: {confidence}
"""


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "references"
    folder.mkdir()
    (folder / "ref-test.yaml").write_text(text, encoding="utf-8")
    return folder


def test_every_reference_document_says_whose_summary_it_is_and_quotes_its_lines() -> None:
    documents, facts = read_references(ROOT / "corpus" / "references")
    assert documents and facts
    for document in documents:
        assert document.kind == "reference"
        assert "this project's" in document.title.lower() or "this project's" in document.text[:400]
        assert PREAMBLE in document.text
    by_id = {d.doc_id: d for d in documents}
    for fact in facts:
        assert by_id[fact.doc_id].text[fact.start : fact.end] == fact.quote
        assert fact.source and fact.confidence in ("high", "medium")
        assert f"Source: {fact.source}" in fact.quote


def test_icd_descriptions_come_from_the_package() -> None:
    _, facts = read_references(ROOT / "corpus" / "references")
    icd = {f.fact_id: f for f in facts if f.fact_type == "diagnosis_code" and f.fact_id.startswith("icd-")}
    assert "icd-g35-a" in icd and "icd-g24-3" in icd
    assert f'"{cm.get_description("G35.A")}"' in icd["icd-g35-a"].statement
    assert icd["icd-g35-a"].effective_from == "2025-10-01"


def test_a_fact_without_a_source_fails_naming_it(tmp_path: Path) -> None:
    folder = write(tmp_path, FACT.format(source="", confidence="high"))
    with pytest.raises(CorpusError, match=r"fact 'ref-x' invalid field facts\.0\.source.*must name its source"):
        read_references(folder)


@pytest.mark.parametrize(("source", "confidence", "message"), [
    ('    source: "Somebody"\n', "medium-high", "confidence"),
    ('    source: ""\n', "high", "source"),
])
def test_invalid_attested_fields_fail(tmp_path: Path, source: str, confidence: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        read_references(write(tmp_path, FACT.format(source=source, confidence=confidence)))


def test_unknown_icd_code_fails(tmp_path: Path) -> None:
    folder = write(tmp_path, 'doc_id: ref-test\ntitle: "T"\nicd_codes: ["G99.XYZ"]\n')
    with pytest.raises(CorpusError, match="not an ICD-10-CM code"):
        read_references(folder)


def test_conflict_naming_an_unknown_fact_fails(tmp_path: Path) -> None:
    path = tmp_path / "conflicts.yaml"
    path.write_text(
        "conflicts:\n  - id: c\n    topic: t\n    sides:\n      - {label: a, facts: [nope]}\n      - {label: b, facts: [nope2]}\n"
    )
    with pytest.raises(CorpusError, match="unknown facts"):
        read_conflicts(path, [])


def test_project_conflicts_load_with_two_sides_each() -> None:
    corpus = load_corpus(ROOT / "corpus", chunk_size=700, chunk_overlap=150)
    assert {c.conflict_id for c in corpus.conflicts} >= {"bilateral-coding", "modifier-59-vs-x", "outpatient-hospital-pos"}
    assert all(len(c.sides) >= 2 for c in corpus.conflicts)

"""Index files: saved atomically with a manifest, verified on load, rebuilt only when stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.errors import CorpusError, IndexMismatchError, IndexMissingError
from assistant.pipeline import build_index, build_inputs, index_state, load_answerer
from assistant.store.disk import current_folder, load_index, read_manifest
from assistant.store.manifest import FORMAT_VERSION


def test_build_writes_manifest_with_checksums(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    report = build_index(project_copy, fake_embedder)
    assert report.built
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["inputs"]["embedding_model"] == project_copy.embedding_model
    assert manifest["inputs"]["chunk_size"] == project_copy.chunk_size
    assert manifest["inputs"]["format_version"] == FORMAT_VERSION
    assert manifest["dimension"] == fake_embedder.dimension
    assert {"passages.faiss", "passages.jsonl", "documents.jsonl", "facts.jsonl"} <= set(manifest["files"])
    assert any(name.startswith("bm25/") for name in manifest["files"])
    assert manifest["corpus_files"]["documents/openpayer-cpt-64642.md"]
    assert current_folder(project_copy.index_dir) == report.path


def test_build_is_skipped_when_nothing_changed(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    first = build_index(project_copy, fake_embedder)
    again = build_index(project_copy, fake_embedder)
    assert not again.built and again.index_version == first.index_version
    assert index_state(project_copy) == "fresh"


def test_corpus_edit_makes_index_stale_and_load_refuses(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    document = project_copy.corpus_dir / "documents" / "openpayer-cpt-64642.md"
    document.write_text(document.read_text() + "\nA new sentence about CPT 64642.", encoding="utf-8")
    assert index_state(project_copy) == "stale"
    with pytest.raises(IndexMismatchError, match="corpus changed.*assistant build"):
        load_answerer(project_copy, fake_embedder)
    assert build_index(project_copy, fake_embedder).built


def test_settings_mismatch_is_refused_with_rebuild_hint(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    changed = project_copy.model_copy(update={"chunk_size": 300})
    with pytest.raises(IndexMismatchError) as caught:
        load_answerer(changed, fake_embedder)
    assert "chunk_size" in str(caught.value) and "assistant build --force" in str(caught.value)


def test_model_dimension_mismatch_is_refused(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(project_copy, fake_embedder)
    with pytest.raises(IndexMismatchError, match="dimension"):
        load_index(project_copy.index_dir, build_inputs(project_copy), dimension=fake_embedder.dimension + 1)


@pytest.mark.parametrize("victim", ["passages.faiss", "passages.jsonl", "facts.npy", "manifest.json"])
def test_corrupt_file_is_refused_with_rebuild_hint(
    project_copy: Settings, fake_embedder: HashingEmbedder, victim: str
) -> None:
    report = build_index(project_copy, fake_embedder)
    path = report.path / victim
    path.write_bytes(path.read_bytes()[:-7] + b"garbage")
    with pytest.raises(IndexMismatchError, match="assistant build --force"):
        load_answerer(project_copy, fake_embedder)


def test_missing_index_says_how_to_build(tmp_path: Path, fake_embedder: HashingEmbedder) -> None:
    settings = Settings(index_dir=tmp_path / "nothing")
    with pytest.raises(IndexMissingError, match="assistant build"):
        load_index(settings.index_dir, build_inputs(settings), fake_embedder.dimension)


def test_failed_build_keeps_the_current_index(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    first = build_index(project_copy, fake_embedder)
    manifest = read_manifest(project_copy.index_dir)
    assert manifest is not None
    facts = project_copy.corpus_dir / "facts" / "openpayer-cpt-64642.yaml"
    facts.write_text(facts.read_text().replace("Cigna Health, Medicare, and", "Cigna Health, Kaiser, and", 1))
    with pytest.raises(CorpusError, match="coverage-payers"):
        build_index(project_copy, fake_embedder)
    assert current_folder(project_copy.index_dir) == first.path
    leftovers = [p.name for p in project_copy.index_dir.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []
    assert load_index(project_copy.index_dir, manifest.inputs, fake_embedder.dimension).index_version == first.index_version


def test_fact_naming_a_payer_its_quote_lacks_fails_the_build(
    project_copy: Settings, fake_embedder: HashingEmbedder
) -> None:
    facts = project_copy.corpus_dir / "facts" / "openpayer-cpt-64642.yaml"
    facts.write_text(
        facts.read_text().replace(
            "statement: The publication lists Aetna among", "statement: The publication lists Humana and Aetna among"
        )
    )
    with pytest.raises(CorpusError, match="coverage-aetna.*payer:humana"):
        build_index(project_copy, fake_embedder)

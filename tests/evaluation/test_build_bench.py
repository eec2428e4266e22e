"""The build benchmark: what each timed build did, on a copy that leaves the project untouched."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.evaluation.build_bench import bench_document, run_build_benchmark


def test_benchmark_times_full_add_and_remove_builds(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    before = sorted(p.relative_to(project_copy.corpus_dir) for p in project_copy.corpus_dir.rglob("*"))
    lines: list[str] = []

    result = run_build_benchmark(project_copy, fake_embedder, rounds=2, progress=lines.append)

    for phase in (result.full, result.add, result.remove, result.read_corpus, result.bm25):
        assert len(phase.seconds) == 2 and all(s > 0 for s in phase.seconds)
    assert result.full.reused == 0 and result.full.embedded > 0
    # each distinct new text is embedded once (the generated document repeats a few sentences); its
    # chunks only when chunks are encoded (by default they are searched by their sentences' vectors)
    new_texts = result.document_sentences + (result.document_passages if project_copy.passage_vectors == "encoded" else 0)
    assert 0.9 * new_texts < result.add.embedded <= new_texts
    assert result.add.reused == result.full.embedded
    assert result.remove.embedded == 0 and result.remove.reused == result.full.embedded
    assert len(lines) == 3 and lines[-1].startswith("round 2/2: full")
    assert sorted(p.relative_to(project_copy.corpus_dir) for p in project_copy.corpus_dir.rglob("*")) == before
    assert not project_copy.index_dir.exists()


def test_benchmark_document_is_stable_and_needs_rounds(project_copy: Settings, fake_embedder: HashingEmbedder) -> None:
    assert bench_document() == bench_document() != bench_document(seed=8)
    with pytest.raises(ValueError, match="rounds must be at least 1"):
        run_build_benchmark(project_copy, fake_embedder, rounds=0)

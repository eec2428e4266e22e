"""`assistant eval --with-sources`: a private corpus copy with extra sources, the project corpus untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.errors import SourceError
from assistant.evaluation.with_sources import corpus_with_sources
from assistant.pipeline import load_answerer
from tests.conftest import ROOT

HTML = ROOT / "tests" / "fixtures" / "example-health-plan-64615.html"


def test_sources_are_ingested_into_a_private_copy(project_copy: Settings, fake_embedder: HashingEmbedder, tmp_path: Path) -> None:
    before = sorted(p.name for p in (project_copy.corpus_dir / "documents").iterdir())
    private = corpus_with_sources(project_copy, [HTML], tmp_path / "work", fake_embedder)
    assert private.corpus_dir != project_copy.corpus_dir
    assert sorted(p.name for p in (project_copy.corpus_dir / "documents").iterdir()) == before
    answerer = load_answerer(private, fake_embedder)
    assert "example-health-plan-64615" in answerer.index.documents


def test_a_bad_source_is_a_clear_error(project_copy: Settings, fake_embedder: HashingEmbedder, tmp_path: Path) -> None:
    bad = tmp_path / "notes.docx"
    bad.write_text("x")
    with pytest.raises(SourceError, match="notes.docx"):
        corpus_with_sources(project_copy, [bad], tmp_path / "work", fake_embedder)


def test_with_sources_cannot_score_a_running_server(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["eval", "--url", "http://127.0.0.1:9", "--with-sources", str(HTML)]) == 2
    assert "cannot be combined with" in " ".join(capsys.readouterr().err.split())

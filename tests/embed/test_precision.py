"""The embedding model's arithmetic: auto by default (bfloat16 where the CPU multiplies it
natively, else float32), either on request, and vectors that agree either way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embed.sentence import SentenceTransformerEmbedder, native_bfloat16

X86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 avx512f {extra}\n\nprocessor\t: 1\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd {extra}\nCPU implementer\t: 0x41\n"


@pytest.mark.parametrize(
    ("cpuinfo", "native"),
    [
        (X86.format(extra="avx512_bf16 avx512_vnni"), True),
        (X86.format(extra="amx_bf16 amx_tile"), True),
        (X86.format(extra="avx512_vnni"), False),
        (ARM.format(extra="bf16 i8mm"), True),
        (ARM.format(extra="sve"), False),
        ("", False),
    ],
)
def test_native_bfloat16_reads_the_cpu_flags(tmp_path: Path, cpuinfo: str, native: bool) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    assert native_bfloat16(path) is native


def test_native_bfloat16_is_false_when_the_flags_cannot_be_read(tmp_path: Path) -> None:
    assert native_bfloat16(tmp_path / "missing") is False


def test_an_unknown_precision_is_refused_before_the_model_loads() -> None:
    with pytest.raises(ValueError, match="precision must be float32, bfloat16 or auto, got 'float16'"):
        SentenceTransformerEmbedder("no-such-model", precision="float16")  # type: ignore[arg-type]


def test_the_precision_setting_is_validated() -> None:
    assert Settings().embed_precision == "auto"
    with pytest.raises(ValueError, match="embed_precision"):
        Settings(embed_precision="half")  # type: ignore[arg-type]


@pytest.mark.slow
def test_bfloat16_vectors_agree_with_float32_ones(real_embedder: SentenceTransformerEmbedder) -> None:
    texts = [
        "CPT 64642 needs prior authorization when billed with modifier 50.",
        "Code: 90867; Description: Therapeutic repetitive transcranial magnetic stimulation; Units: 1",
        "The following are not covered:",
        "Documentation must show the patient's response to at least two antidepressant trials. " * 4,
        *(f"Sentence {i} about place of service {10 + i} and the plan's limits." for i in range(70)),
    ]
    model = Settings().embedding_model
    float32 = SentenceTransformerEmbedder(model, precision="float32")
    bfloat16 = SentenceTransformerEmbedder(model, precision="bfloat16")
    assert (float32.precision, bfloat16.precision) == ("float32", "bfloat16")
    assert real_embedder.precision == ("bfloat16" if native_bfloat16() else "float32")  # the default: auto
    assert SentenceTransformerEmbedder(model, precision="auto").precision == (
        "bfloat16" if native_bfloat16() else "float32"
    )

    a, b = float32.embed(texts), bfloat16.embed(texts)

    assert b.dtype == np.float32 and b.shape == a.shape
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    # What retrieval sees: every text's nearest neighbour among the others is the same.
    assert np.array_equal(np.argsort(-(a @ a.T), axis=1)[:, 1], np.argsort(-(b @ b.T), axis=1)[:, 1])

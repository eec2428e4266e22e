"""Schemathesis (its own CLI, default checks) against the app's OpenAPI schema, keys and limits on.

The app is the real one over the real index, served by uvicorn on loopback. One default check is
switched off: ``positive_data_acceptance``, because the schema cannot express these rules of the
request body: the last (non-system) message must come from the user; for ``/v1/chat/completions`` a
user message must not be blank and text parts count together toward the length limit; for
``/v1/feedback`` the messages must include a user question. Requests breaking them are refused with
a documented 422, which that check would report as "schema-valid request rejected".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assistant.answer.reader import GroundedAnswerer
from assistant.api.app import create_app
from assistant.config import Settings
from tests.api.conftest import serving

KEY = "fuzz-key-6d1f0b"


def test_schemathesis_finds_no_failures(real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path) -> None:
    settings = real_settings.model_copy(
        update={
            "api_keys": (KEY,),
            "max_body_bytes": 65_536,
            "max_concurrent_answers": 4,
            "rate_limit_per_minute": 1_000_000,
            "data_dir": tmp_path / "data",
        }
    )
    with serving(create_app(settings, answerer=answerer)) as url:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "st"), "run", f"{url}/openapi.json",
                "--header", f"Authorization: Bearer {KEY}",
                "--exclude-checks", "positive_data_acceptance",
                "--max-examples", "50", "--seed", "20261127", "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert "Tested: 9" in result.stdout

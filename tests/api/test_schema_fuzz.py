"""Schemathesis (its own CLI, every default check) against the app's OpenAPI schema, without and with keys.

The app is the real one over the real index, served by uvicorn on loopback. The schema states the
server's rules (bearer auth only when keys are configured, non-blank content, feedback with a user
message), so a schema-valid request is accepted (``positive_data_acceptance``) and a schema-invalid
one refused (``negative_data_rejection``). Two rules JSON Schema cannot state are let through as
documented 422s on the two chat routes only: the last (non-system) message must come from the user,
and an OpenAI message's text parts count together toward the length limit. A body over the server's
byte limit (``max_body_bytes``, 64 KiB here) is refused with a documented 413, valid or not: an
earlier answer sent back may be 100,000 characters. The run is bounded (a
few dozen examples per operation); ``ST_MAX_TIME`` / ``ST_MAX_EXAMPLES`` lengthen it by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.answer.answerer import GroundedAnswerer
from assistant.api.app import create_app
from assistant.config import Settings
from tests.api.conftest import serving

KEY = "fuzz-key-6d1f0b"
CONFIG = """
[[operations]]
include-path-regex = "^/v1/chat(/completions)?$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429", "5xx"]
checks.negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
"""


def _settings(real_settings: Settings, tmp_path: Path, keyed: bool) -> Settings:
    return real_settings.model_copy(
        update={
            "api_keys": (KEY,) if keyed else (),
            "max_body_bytes": 65_536,
            "max_concurrent_answers": 4,
            "rate_limit_per_minute": 1_000_000,
            "data_dir": tmp_path / "data",
        }
    )


@pytest.mark.parametrize("keyed", [False, True], ids=["no-keys", "keys"])
def test_schemathesis_finds_no_failures(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path, keyed: bool
) -> None:
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    auth = ["--header", f"Authorization: Bearer {KEY}"] if keyed else []
    limit = ["--max-time", os.environ["ST_MAX_TIME"]] if os.environ.get("ST_MAX_TIME") else []
    with serving(create_app(_settings(real_settings, tmp_path, keyed), answerer=answerer)) as url:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "st"), "--config-file", str(tmp_path / "schemathesis.toml"),
                "run", f"{url}/openapi.json", *auth, *limit,
                "--max-examples", os.environ.get("ST_MAX_EXAMPLES", "25"), "--seed", "20261127", "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=1800, check=False,
        )
    summary = result.stdout[-6000:] + result.stderr[-2000:]
    print(summary)  # the figures, for a long run by hand (pytest -s)
    assert result.returncode == 0, summary
    assert "No issues found" in result.stdout
    assert "Tested: 9" in result.stdout
    assert re.search(r"Test cases:\s+\d+ generated", result.stdout), summary


@pytest.mark.parametrize("keyed", [False, True], ids=["no-keys", "keys"])
def test_bearer_auth_is_declared_only_when_keys_are_configured(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path, keyed: bool
) -> None:
    with TestClient(create_app(_settings(real_settings, tmp_path, keyed), answerer=answerer)) as client:
        schema = client.get("/openapi.json").json()
        anonymous = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "Does Aetna cover 64642?"}]})
    operations = [op for path, item in schema["paths"].items() if path.startswith("/v1/") for op in item.values()]
    assert len(operations) == 8
    for operation in operations:
        assert ("security" in operation) is keyed, operation["operationId"]
        assert ("401" in operation["responses"]) is keyed, operation["operationId"]
    assert ("securitySchemes" in schema.get("components", {})) is keyed
    assert anonymous.status_code == (401 if keyed else 200)


def test_schema_states_blank_content_and_the_feedback_question(
    real_settings: Settings, answerer: GroundedAnswerer, tmp_path: Path
) -> None:
    with TestClient(create_app(_settings(real_settings, tmp_path, False), answerer=answerer)) as client:
        schema = client.get("/openapi.json").json()
    defs = schema["components"]["schemas"]
    chat_content = defs["ChatMessage"]["properties"]["content"]
    assert chat_content["minLength"] == 1 and chat_content["pattern"] == r"\S"
    text, parts = defs["OpenAIMessage"]["properties"]["content"]["anyOf"]
    assert text["minLength"] == 1 and text["pattern"] == r"\S"
    assert parts["minItems"] == 1 and parts["contains"]["properties"]["text"]["pattern"] == r"\S"
    feedback_messages = defs["FeedbackRequest"]["properties"]["messages"]
    assert feedback_messages["contains"]["properties"]["role"] == {"const": "user"}
    assert json.dumps(schema).count('"pattern": "\\\\S"') >= 3

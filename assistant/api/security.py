"""API keys: when any key is configured, every /v1 route needs ``Authorization: Bearer <key>``."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.http_errors import ApiError
from assistant.config import Settings
from assistant.errors import ConfigError

CHALLENGE = {"WWW-Authenticate": "Bearer"}
BEARER = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <key>`, required on /v1/* when the server has API keys configured.",
)


def load_api_keys(settings: Settings) -> tuple[str, ...]:
    """The accepted keys: ``api_keys`` plus the non-blank, non-comment lines of ``api_keys_file``."""
    keys = [k for k in settings.api_keys if k]
    if settings.api_keys_file is not None:
        try:
            lines = settings.api_keys_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the API keys file {settings.api_keys_file} ({type(exc).__name__}); "
                "fix ASSISTANT_API_KEYS_FILE or create the file with one key per line."
            ) from exc
        keys.extend(line.strip() for line in lines if line.strip() and not line.strip().startswith("#"))
    return tuple(dict.fromkeys(keys))


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def key_matches(given: str, keys: tuple[str, ...]) -> bool:
    """Whether ``given`` is one of ``keys``, compared in constant time against every key."""
    given_bytes = given.encode("utf-8")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given_bytes, key.encode("utf-8"))
    return matched


async def identify_client(request: Request) -> None:
    """Without API keys anonymous calls are accepted: ``request.state.client_id`` is the client address.

    The guard of a server without keys; unlike :func:`require_api_key` it declares no security
    scheme, so the OpenAPI document does not ask for a key the server never checks.
    """
    request.state.client_id = "ip:" + (request.client.host if request.client else "unknown")


async def require_api_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
) -> None:
    """Refuse the request with 401 unless it carries an accepted bearer key (when keys are configured).

    Sets ``request.state.client_id``: a digest of the key, or the client address without keys.
    """
    keys: tuple[str, ...] = request.app.state.api_keys
    if not keys:
        await identify_client(request)
        return
    credential = credentials.credentials.strip() if credentials is not None else ""
    if not credential:
        raise ApiError(
            401, "unauthorized", "This server requires an API key: send the header 'Authorization: Bearer <key>'.",
            CHALLENGE,
        )
    if not key_matches(credential, keys):
        raise ApiError(401, "unauthorized", "The API key is not valid; check the key you were given.", CHALLENGE)
    request.state.client_id = "key:" + hashlib.sha256(credential.encode("utf-8")).hexdigest()[:32]

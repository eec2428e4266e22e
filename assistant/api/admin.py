"""Admin routes: swap in a newly built index without restarting the server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assistant.api.deps import LiveDep
from assistant.api.http_errors import ApiError
from assistant.api.schemas import ErrorResponse, ReloadResponse
from assistant.errors import ConfigError, IndexStoreError, ReloadInProgressError

admin_router = APIRouter()

RELOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": (
            "The new build cannot be served (`index_unusable`: missing, stale, corrupt or made with other "
            "settings; the message says why and how to rebuild) or a reload is already running "
            "(`reload_in_progress`). The previous index keeps serving."
        ),
    },
}


@admin_router.post("/v1/admin/reload", response_model=ReloadResponse, responses=RELOAD_ERRORS, tags=["admin"])
def reload_index(live: LiveDep) -> ReloadResponse:
    """Load the build that ``index/CURRENT`` names and answer from it from now on.

    Run after `assistant build`. The build is verified (settings, corpus, checksums) before it
    replaces the one served; requests already running finish on the old index. Nothing changes
    when the build on disk is the one already served (`reloaded: false`).
    """
    try:
        result = live.reload()
    except ReloadInProgressError as exc:
        raise ApiError(409, "reload_in_progress", str(exc)) from exc
    except (IndexStoreError, ConfigError) as exc:
        served = live.current.index.index_version
        raise ApiError(409, "index_unusable", f"Still serving index {served}; the new build was refused: {exc}") from exc
    return ReloadResponse(
        reloaded=result.reloaded,
        old_index_version=result.old_index_version,
        new_index_version=result.new_index_version,
    )

"""FastAPI dependencies: the answerer and settings, read from app.state (set at start-up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.answer.compose import GroundedAnswerer
from assistant.config import Settings


def get_answerer(request: Request) -> GroundedAnswerer:
    """The answerer loaded by the app's lifespan."""
    answerer: GroundedAnswerer = request.app.state.answerer
    return answerer


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


AnswererDep = Annotated[GroundedAnswerer, Depends(get_answerer)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

"""FastAPI dependencies: the answerer and settings, read from app.state (set at start-up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.answer.answerer import GroundedAnswerer
from assistant.answer.generative import GenerativeAnswerer
from assistant.api.live import LiveAnswerer
from assistant.config import Settings


def get_live(request: Request) -> LiveAnswerer:
    """The holder of the answerer being served, set up by the app's lifespan."""
    live: LiveAnswerer = request.app.state.live
    return live


def get_answerer(request: Request) -> GroundedAnswerer:
    """The answerer being served when the request starts (the request keeps it to the end)."""
    return get_live(request).current


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_generation(request: Request) -> GenerativeAnswerer | None:
    """The optional generative stage (None: no model server configured)."""
    generation: GenerativeAnswerer | None = request.app.state.generation
    return generation


AnswererDep = Annotated[GroundedAnswerer, Depends(get_answerer)]
GenerationDep = Annotated[GenerativeAnswerer | None, Depends(get_generation)]
LiveDep = Annotated[LiveAnswerer, Depends(get_live)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]

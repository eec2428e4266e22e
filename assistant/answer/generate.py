"""The generative stage's prompt and the ``Generator`` protocol: what a model is asked, and how.

Nothing here decides what reaches a user: the model's text is checked sentence by sentence by
``verify.py`` and the extractive answer stays the fallback (``generative.py``). The prompt is data
(``prompts/generator.yaml``); the model server is reached through ``openai_generator.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import ConfigError

Message = dict[str, str]
Health = Literal["ok", "unreachable"]
PROMPT_FILE = "generator.yaml"


@dataclass(frozen=True)
class Passage:
    """One numbered evidence passage as the model sees it: marker ``number``, who published it, the
    document title and section, and ``text`` (the exact quote its citation carries)."""

    number: int
    source: str
    title: str
    section: str | None
    text: str


class AnswerPrompt(BaseModel):
    """``prompts/generator.yaml``: the system prompt, the user template and the fixed phrases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    system: str = Field(min_length=1)
    user: str = Field(min_length=1)
    earlier: str = Field(min_length=1)
    silent: str = Field(min_length=1)
    incomplete_note: str = Field(min_length=1)
    digest: str = Field("", description="First 8 hex digits of the file's SHA-256 (set when loaded).")

    @property
    def prompt_version(self) -> str:
        """``<version>+<digest>``: names the wording every answer was written with."""
        return f"{self.version}+{self.digest}" if self.digest else self.version

    def messages(self, passages: Sequence[Passage], user_turns: Sequence[str]) -> list[Message]:
        """The chat messages for a question: system rules, then the passages as JSON lines, the
        earlier user turns and the last one (``user_turns`` in order, the last being asked)."""
        lines = "\n".join(
            json.dumps(
                {"n": p.number, "source": p.source, "title": p.title, "section": p.section, "text": p.text},
                ensure_ascii=False,
            )
            for p in passages
        )
        earlier = ""
        if len(user_turns) > 1:
            earlier = self.earlier.format(turns="\n".join(f"- {t}" for t in user_turns[:-1])) + "\n"
        user = self.user.format(passages=lines, earlier=earlier, question=user_turns[-1])
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def is_silent(self, text: str) -> bool:
        """Whether ``text`` says the passages are silent (the ``silent`` phrase, case and punctuation aside)."""
        return _words(self.silent) in _words(text)


def load_prompt(prompts_dir: Path) -> AnswerPrompt:
    """Read and validate ``prompts_dir/generator.yaml``.

    Raises:
        ConfigError: the file is missing, not YAML, or lacks a field (named in the message).
    """
    path = prompts_dir / PROMPT_FILE
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc}). Is ASSISTANT_PROMPTS_DIR right?") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid UTF-8 YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level.")
    try:
        prompt = AnswerPrompt(**data, digest=hashlib.sha256(raw).hexdigest()[:8])
        prompt.messages([Passage(1, "s", "t", None, "x")], ["q0", "q"])  # placeholders must all be known
    except (ValidationError, TypeError) as exc:
        raise ConfigError(f"{path}: invalid prompt ({exc}).") from exc
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{path}: a template names an unknown placeholder ({exc}).") from exc
    return prompt


@dataclass(frozen=True)
class Completion:
    """A whole reply: its text and whether the model finished it (False: cut by the token limit)."""

    text: str
    finished: bool


class Generator(Protocol):
    """Writes an answer for chat ``messages``; every failure is a :class:`GeneratorError`."""

    def complete(self, messages: list[Message]) -> Completion:
        """The whole reply at once."""
        ...

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """The reply in pieces as they arrive; raises GeneratorError (``interrupted``, ``truncated``)
        after the last piece when the model did not finish."""
        ...

    def health(self) -> Health:
        """``ok`` when the server answers, else ``unreachable``."""
        ...

    def close(self) -> None:
        """Release connections (the generator is not used after)."""
        ...


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "

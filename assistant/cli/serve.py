"""`assistant serve`: serve the chat API, refusing an open non-loopback bind or a stale index."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, errors, load_settings
from assistant.errors import AssistantError


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default from settings: 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default from settings: 8000).")] = None,
    allow_no_auth: Annotated[
        bool,
        typer.Option("--allow-no-auth", help="Serve a non-loopback host without API keys (anyone who can reach it may ask)."),
    ] = False,
) -> None:
    """Serve the chat API (and its docs at /docs); without API keys only on loopback unless --allow-no-auth."""
    import uvicorn

    from assistant.api.access_log import server_log_config
    from assistant.api.app import create_app
    from assistant.api.security import is_loopback, load_api_keys
    from assistant.cli.recovery import start_up
    from assistant.pipeline import index_state

    settings = load_settings()
    bind_host = host or settings.host
    bind_port = port or settings.port
    try:
        keys = load_api_keys(settings)
    except AssistantError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    if not keys and not is_loopback(bind_host) and not allow_no_auth:
        errors.print(
            f"[red]Refusing to serve {escape(bind_host)} without API keys.[/red] Set ASSISTANT_API_KEYS (or "
            "ASSISTANT_API_KEYS_FILE), bind to 127.0.0.1, or pass --allow-no-auth to serve it open."
        )
        raise typer.Exit(2)
    start_up(settings, errors)
    state = index_state(settings)
    if state != "fresh":
        errors.print(f"[red]The index is {state}.[/red] Run `assistant build` first (make run does it for you).")
        raise typer.Exit(1)
    if keys:
        console.print(f"API keys: required on /v1/* ({len(keys)} configured).")
    elif is_loopback(bind_host):
        console.print("API keys: not required (none configured); serving on loopback only.")
    else:
        console.print("[yellow]API keys: not required (none configured, --allow-no-auth): open to anyone who can reach this host.[/yellow]")
    if settings.llm_base_url is not None:
        console.print(f"Generative answers: on ({escape(settings.llm_model)} at {escape(str(settings.llm_base_url))}); "
                      "every sentence verified, the extractive answer as fallback. GET /healthz shows if it answers.")
    console.print(f"Serving on http://{bind_host}:{bind_port}  (API docs: /docs)")
    # uvicorn's access log writes query strings (questions, identifiers): ours logs route templates only.
    uvicorn.run(create_app(settings), host=bind_host, port=bind_port, log_config=server_log_config(), access_log=False)

"""The ``assistant`` Typer app, every command registered in the order ``--help`` lists them, and
:func:`main`, which runs it and turns errors into exit codes (the console-script entry point)."""

from __future__ import annotations

import logging
import os

import typer
from rich.markup import escape

from assistant.cli.ask import ask, search
from assistant.cli.build import build
from assistant.cli.common import errors
from assistant.cli.evaluate import bench, evaluate
from assistant.cli.feedback import feedback_app
from assistant.cli.ingest import ingest
from assistant.cli.serve import serve
from assistant.cli.sources import sources_app
from assistant.errors import AssistantError

app = typer.Typer(
    help="Grounded coverage and coding answers with citations, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(build)
app.command()(ask)
app.command()(search)
app.command()(serve)
app.command("eval")(evaluate)
app.command()(bench)
app.command()(ingest)
app.add_typer(sources_app, name="sources")
app.add_typer(feedback_app, name="feedback")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code.

    Typed errors become a message and exit code 1; a bad argument or option (out of its bounds, not
    a number, unknown) becomes one ``Error:`` line and exit code 2, never a traceback.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged PDF gets our own message, not pypdf's warnings
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        code = app(args=argv, prog_name="assistant", standalone_mode=False)
    except typer.BadParameter as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        errors.print(f"[red]Error:[/red] {escape(exc.format_message())}{escape(where)}", soft_wrap=True)
        return exc.exit_code
    except typer.TyperException as exc:  # other usage errors (unknown option, no command): click's own text
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            errors.print(f"[red]Error:[/red] {escape(exc.format_message())}")
        return exc.exit_code
    except typer.Abort:
        errors.print("Aborted.")
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except AssistantError as exc:
        errors.print(f"[red]Error:[/red] {escape(str(exc))}")
        return 1
    except KeyboardInterrupt:
        errors.print("Aborted.")
        return 130
    return code if isinstance(code, int) else 0

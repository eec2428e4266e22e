"""Run `assistant` commands in processes that can be killed anywhere, quickly, for the crash tests.

A *zygote* process (``python -m tests.kill_harness zygote``) imports the package once, with the
deterministic fake embedder in place of the model (the model is exercised by one end-to-end test
that runs the real CLI), then forks one child per command it is sent. Each child is a real
process running ``assistant.cli.main(argv)`` in its own environment, which the test kills with a
real signal: by the fault hook (``ASSISTANT_FAULT_KILL_AT``: it SIGKILLs itself at a named step)
or from outside after a delay (SIGKILL or SIGTERM). Forking saves the ~2 s of imports each of the
many runs would otherwise pay.

``python -m tests.kill_harness cli ARGS...`` runs one command with the fake embedder in a fresh
interpreter (used to start the real server process).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIMENSION = 32


@dataclass(frozen=True)
class Outcome:
    """How one command ended: its exit code, or the signal that killed it; its output and run time."""

    exit_code: int | None
    signal: int | None
    seconds: float
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        """Whether a signal ended the process."""
        return self.signal is not None


class Zygote:
    """The test side: starts the zygote process and asks it to run commands."""

    def __init__(self, workdir: Path) -> None:
        """Start the zygote; command output goes to files under ``workdir``."""
        self._workdir = workdir
        self._count = 0
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.kill_harness", "zygote"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._read()["ready"]

    def run(self, argv: list[str], env: dict[str, str], *, kill_after: float | None = None,
            sig: int = signal.SIGKILL) -> Outcome:
        """Run ``assistant ARGV`` in a forked child with ``env`` added; kill it after ``kill_after`` s."""
        self._count += 1
        out, err = self._workdir / f"{self._count}.out", self._workdir / f"{self._count}.err"
        request = {"argv": argv, "env": env, "out": str(out), "err": str(err), "kill_after": kill_after, "signal": sig}
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        reply = self._read()
        return Outcome(reply["exit"], reply["signal"], reply["seconds"], out.read_text(), err.read_text())

    def close(self) -> None:
        """Stop the zygote."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)
        self._process.stdout.close()

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the zygote process ended (exit {self._process.wait()})")
        reply: dict[str, Any] = json.loads(line)
        return reply


def _fake_embedder_cli() -> Any:
    """Import the CLI with the fake embedder in place of the model; returns ``main``."""
    from assistant import pipeline
    from assistant.cli import main
    from assistant.embed.fake import HashingEmbedder

    pipeline.make_embedder = lambda _settings: HashingEmbedder(dimension=DIMENSION)  # type: ignore[assignment]
    return main


def _zygote() -> None:
    main = _fake_embedder_cli()
    # Import now what the commands use, so each child starts warm.
    from wordfreq import zipf_frequency

    import assistant.api.app  # noqa: F401
    import assistant.cli.ingest_run  # noqa: F401
    import assistant.cli.recovery  # noqa: F401
    import assistant.ingest.extract  # noqa: F401
    import assistant.sources  # noqa: F401
    from assistant import faults

    zipf_frequency("warm", "en")  # loads (and caches) the word list every answer consults
    replies = sys.stdout
    print(json.dumps({"ready": True}), file=replies, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: one command, then exit without running the zygote's cleanups
            code = 99
            try:
                for fd, path in ((1, request["out"]), (2, request["err"])):
                    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.dup2(target, fd)
                    os.close(target)
                os.environ.update(request["env"])
                faults.reset()
                code = main(request["argv"])
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        status = _wait(pid, started, request["kill_after"], request["signal"])
        reply = {
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "seconds": time.monotonic() - started,
        }
        print(json.dumps(reply), file=replies, flush=True)


def _wait(pid: int, started: float, kill_after: float | None, sig: int) -> int:
    if kill_after is not None:
        while time.monotonic() - started < kill_after:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.002)
        os.kill(pid, sig)
    return os.waitpid(pid, 0)[1]


if __name__ == "__main__":
    if sys.argv[1:2] == ["zygote"]:
        _zygote()
    elif sys.argv[1:2] == ["cli"]:
        sys.exit(_fake_embedder_cli()(sys.argv[2:]))
    else:
        sys.exit("usage: python -m tests.kill_harness zygote | cli ARGS...")

"""Time ingesting the realdocs in one `assistant ingest --manifest` call: the old code (another
checkout, by default ../main) beside this checkout, in the same run, each whole process measured,
into fresh temporary copies of a built corpus.

    .venv/bin/python scripts/bench_ingest.py [--realdocs ../shared/realdocs] [--rounds 3]
        [--old-code ../main] [--variant 'float32=ASSISTANT_EMBED_PRECISION=float32'] [--per-file]

Each path starts every round from the same state: a copy of corpus/ whose index that path's code
has already built (built once before the rounds and not counted), so what is timed is what a user
waits for when adding the documents: process start, PDF reading, model loading, embedding every
text the reader needs, index writing. Paths run in turn within a round, and the order alternates
between rounds, so a change in the machine's load falls on all of them alike. A ``--variant``
runs this checkout with extra environment settings (one idea switched off, say); ``--per-file``
adds the old code run as ../shared/realdocs/ingest.sh does, one process per file. The per-file
metadata of every path comes from eval/realdocs-manifest.yaml.

Wall seconds are measured around each process; CPU seconds and peak resident memory come from the
kernel's accounting of that process (wait4). The machine may be shared: the load average is
printed before and after, and CPU seconds are less sensitive to it than wall seconds. The table
gives medians over the rounds and each path's ratio to the new one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.ingest.manifest import ManifestEntry, read_manifest  # noqa: E402
from assistant.store.disk import read_manifest as read_index_manifest  # noqa: E402

MANIFEST = ROOT / "eval" / "realdocs-manifest.yaml"


@dataclass(frozen=True)
class IngestPath:
    """One way of ingesting: whose code, which commands, which extra environment."""

    name: str
    code: Path
    commands: list[list[str]]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """One path's processes in one round: summed wall and CPU seconds, the largest peak memory."""

    wall: float
    cpu: float
    peak_mb: float
    counts: str = ""


def timed(command: list[str], env: dict[str, str], cwd: Path) -> Run:
    """Run ``command`` in ``cwd`` to completion; its wall s, user+sys CPU s, peak RSS MB. Exits on failure."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(command[:6])} ... in {cwd} failed with exit code {code}:\n{stderr[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def environment(workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_CORPUS_DIR=str(workdir / "corpus"), ASSISTANT_INDEX_DIR=str(workdir / "index"),
               HF_HUB_OFFLINE="1", COLUMNS="200", **extra)
    return env


def manifest_command(docs: Path) -> list[str]:
    """One `ingest` call for the six files with their metadata from the manifest."""
    return [sys.executable, "-m", "assistant.cli", "ingest", "--manifest", str(MANIFEST), "--base", str(docs)]


def per_file_commands(entries: list[ManifestEntry]) -> list[list[str]]:
    """One `ingest` per file with its metadata as flags (as ingest.sh writes them)."""
    commands = []
    for entry in entries:
        o = entry.overrides
        command = [sys.executable, "-m", "assistant.cli", "ingest", str(entry.path)]
        for flag, value in (("--id", o.doc_id), ("--title", o.title), ("--publisher", o.publisher),
                            ("--source-url", str(o.source_url) if o.source_url else None),
                            ("--codes", ",".join(o.codes) if o.codes else None),
                            ("--effective", o.effective.isoformat() if o.effective else None)):
            if value:
                command += [flag, value]
        commands.append(command)
    return commands


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``label=NAME=value,NAME=value`` -> (label, environment)."""
    label, _, settings = text.partition("=")
    env = dict(pair.split("=", 1) for pair in settings.split(",") if "=" in pair)
    if not label or not env:
        raise argparse.ArgumentTypeError(f"--variant wants LABEL=NAME=value[,NAME=value], got {text!r}")
    return label, env


def seed(path: IngestPath, folder: Path) -> None:
    """corpus/ with its index built by ``path``'s code and settings in ``folder`` (not timed)."""
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    run = timed([sys.executable, "-m", "assistant.cli", "build"], environment(folder, path.env), path.code)
    print(f"seed index for {path.name} built (not counted): {run.wall:.1f} s wall, {run.cpu:.1f} s CPU", flush=True)


def run_path(path: IngestPath, template: Path) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-run-") as tmp:
        workdir = Path(tmp)
        shutil.copytree(template / "corpus", workdir / "corpus")
        shutil.copytree(template / "index", workdir / "index")
        env = environment(workdir, path.env)
        runs = [timed(command, env, path.code) for command in path.commands]
        built = read_index_manifest(workdir / "index")
        counts = ", ".join(f"{v} {k}" for k, v in built.counts.items()) if built else "no index"
        return Run(sum(r.wall for r in runs), sum(r.cpu for r in runs), max(r.peak_mb for r in runs), counts)


def print_table(runs: dict[str, list[Run]], reference: str) -> None:
    medians = {name: Run(*(statistics.median(getattr(r, f) for r in done) for f in ("wall", "cpu", "peak_mb")))
               for name, done in runs.items()}
    ref = medians[reference]
    print(f"\n{'path':<40} {'rounds':>6} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'wall / new':>10} "
          f"{'CPU / new':>10}   (medians; wall range)")
    for name, m in medians.items():
        walls = [r.wall for r in runs[name]]
        print(f"{name:<40} {len(walls):>6} {m.wall:>8.1f} {m.cpu:>8.1f} {m.peak_mb:>8.0f} "
              f"{m.wall / ref.wall:>9.2f}x {m.cpu / ref.cpu:>9.2f}x   ({min(walls):.1f}-{max(walls):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdocs", type=Path, default=ROOT.parent / "shared" / "realdocs")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every path (medians are printed)")
    parser.add_argument("--old-code", type=Path, default=ROOT.parent / "main",
                        help="checkout whose `assistant` is the old path (default ../main); 'none' to skip it")
    parser.add_argument("--variant", type=parse_variant, action="append", default=[],
                        help="also time this checkout with extra settings: LABEL=NAME=value[,NAME=value]")
    parser.add_argument("--per-file", action="store_true", help="also time the old code one process per file")
    args = parser.parse_args()
    docs = args.realdocs / "docs"
    if not docs.is_dir():
        sys.exit(f"{docs}: not found; pass --realdocs pointing at the realdocs folder.")
    entries = read_manifest(MANIFEST, base=docs)
    new = IngestPath("new: one call (this checkout)", ROOT, [manifest_command(docs)])
    paths = [new]
    if str(args.old_code) != "none":
        old_code = args.old_code.resolve()
        package = old_code / "assistant"
        if not ((package / "cli.py").is_file() or (package / "cli" / "__main__.py").is_file()):  # before or after the split
            sys.exit(f"{old_code}: not an assistant checkout; pass --old-code or --old-code none.")
        paths.append(IngestPath(f"old: one call ({old_code.name})", old_code, [manifest_command(docs)]))
        if args.per_file:
            paths.append(IngestPath(f"old: one call per file ({old_code.name})", old_code, per_file_commands(entries)))
    paths += [IngestPath(f"new, {label}", ROOT, [manifest_command(docs)], env) for label, env in args.variant]
    print(f"load average before: {os.getloadavg()}; CPUs: {os.cpu_count()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-seed-") as tmp:
        templates = {p.name: Path(tmp) / str(i) for i, p in enumerate(paths)}
        for p in paths:
            seed(p, templates[p.name])
        runs: dict[str, list[Run]] = {p.name: [] for p in paths}
        for round_number in range(1, args.rounds + 1):
            for p in paths if round_number % 2 else reversed(paths):
                run = run_path(p, templates[p.name])
                runs[p.name].append(run)
                print(f"round {round_number} {p.name}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, "
                      f"{run.peak_mb:.0f} MB peak, {len(p.commands)} process(es), index {run.counts}; "
                      f"load {os.getloadavg()[0]:.1f}",
                      flush=True)
    print(f"load average after: {os.getloadavg()}")
    print_table(runs, new.name)


if __name__ == "__main__":
    main()

"""Time ingesting the realdocs: one `assistant ingest` call per file (as ../shared/realdocs/ingest.sh
does) against one call with a manifest, each whole process measured, into fresh temporary copies.

    .venv/bin/python scripts/bench_ingest.py [--realdocs ../shared/realdocs] [--rounds 1]

Each round starts both paths from the same state: a copy of corpus/ whose index is already built
(the seed corpus, built once before the rounds and not counted), so what is timed is what a user
waits for when adding the documents: process start, PDF reading, model loading, embedding, index
writing. The per-file metadata of both paths comes from eval/realdocs-manifest.yaml (the same as
ingest.sh gives). Wall seconds are measured around each process; CPU seconds and peak resident
memory come from the kernel's accounting of that process (wait4). The machine may be shared:
the load average is printed before and after, and CPU seconds are less sensitive to it than wall.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.ingest.manifest import ManifestEntry, read_manifest  # noqa: E402
from assistant.store.disk import read_manifest as read_index_manifest  # noqa: E402

MANIFEST = ROOT / "eval" / "realdocs-manifest.yaml"


@dataclass(frozen=True)
class Run:
    """One path's processes in one round: summed wall and CPU seconds, the largest peak memory."""

    wall: float
    cpu: float
    peak_mb: float
    processes: int
    counts: dict[str, int]


def timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, float]:
    """Run ``command`` in ``cwd`` to completion; (wall s, user+sys CPU s, peak RSS MB). Exits on failure."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(command[:6])} ... failed with exit code {code}:\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ASSISTANT_CORPUS_DIR=str(workdir / "corpus"),
        ASSISTANT_INDEX_DIR=str(workdir / "index"),
        HF_HUB_OFFLINE="1",
        COLUMNS="200",
    )
    return env


def per_file_commands(entries: list[ManifestEntry]) -> list[list[str]]:
    """Today's path: one `ingest` per file with its metadata as flags (as ingest.sh writes them)."""
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


def run_path(name: str, template: Path, commands: list[list[str]], code: Path) -> Run:
    with tempfile.TemporaryDirectory(prefix=f"bench-ingest-{name}-") as tmp:
        workdir = Path(tmp)
        shutil.copytree(template / "corpus", workdir / "corpus")
        shutil.copytree(template / "index", workdir / "index")
        env = environment(workdir)
        wall = cpu = peak = 0.0
        for command in commands:
            w, c, p = timed(command, env, code)
            wall, cpu, peak = wall + w, cpu + c, max(peak, p)
        built = read_index_manifest(workdir / "index")
        return Run(wall, cpu, peak, len(commands), dict(built.counts) if built else {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdocs", type=Path, default=ROOT.parent / "shared" / "realdocs")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both paths (medians are printed)")
    parser.add_argument("--only", choices=("old", "new"), help="time one path only")
    parser.add_argument("--old-code", type=Path, default=ROOT,
                        help="checkout whose `assistant` runs the old path (e.g. ../main for the code before this change)")
    args = parser.parse_args()
    docs = args.realdocs / "docs"
    if not docs.is_dir():
        sys.exit(f"{docs}: not found; pass --realdocs pointing at the realdocs folder.")
    entries = read_manifest(MANIFEST, base=docs)
    paths = {
        f"old: one call per file ({args.old_code.resolve().name})": per_file_commands(entries),
        "new: one call, --manifest": [[sys.executable, "-m", "assistant.cli", "ingest", "--manifest", str(MANIFEST),
                                       "--base", str(docs)]],
    }
    if args.only:
        paths = {k: v for k, v in paths.items() if k.startswith(args.only)}
    print(f"load average before: {os.getloadavg()}; CPUs: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-seed-") as tmp:
        template = Path(tmp)
        shutil.copytree(ROOT / "corpus", template / "corpus")
        wall, cpu, peak = timed([sys.executable, "-m", "assistant.cli", "build"], environment(template))
        print(f"seed index built once (not counted): {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MB peak")
        runs: dict[str, list[Run]] = {name: [] for name in paths}
        for round_number in range(1, args.rounds + 1):
            for name, commands in paths.items():
                code = args.old_code.resolve() if name.startswith("old") else ROOT
                run = run_path(name.split(":")[0], template, commands, code)
                runs[name].append(run)
                print(f"round {round_number} {name}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, "
                      f"{run.peak_mb:.0f} MB peak, {run.processes} process(es); index {run.counts}", flush=True)
    print(f"load average after: {os.getloadavg()}")
    print(f"\n{'path':<44} {'wall s (median)':>16} {'CPU s (median)':>15} {'peak MB (max)':>14}")
    for name, done in runs.items():
        print(f"{name:<44} {statistics.median(r.wall for r in done):>16.1f} "
              f"{statistics.median(r.cpu for r in done):>15.1f} {max(r.peak_mb for r in done):>14.0f}")


if __name__ == "__main__":
    main()

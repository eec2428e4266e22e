"""Kill `assistant ingest`, `sources remove` and `build --force` at many points; every time, the
next start must find corpus/ and index/ in step.

Each command first runs once cleanly with ``ASSISTANT_FAULT_TRACE``, which lists every crash-safety
step it crosses (journal records, corpus writes, build parts, the switch of ``CURRENT`` ...). It
is then killed at each of those steps in turn (SIGKILL sent by the process to itself at that
step), and at moments spread over its run from outside (SIGKILL and SIGTERM after a delay).
After every kill:

- ``assistant ask`` (a fresh process) answers: exit 0, never a traceback;
- the app factory starts on the build ``CURRENT`` names (``/healthz``, ``/v1/documents``);
  half the time it starts first, so its own start-up recovery is what is tested;
- corpus/ is exactly as before the command or exactly as after it, nothing in between;
- corpus and index agree: the build's manifest lists the corpus files with their checksums, the
  verified index holds exactly the current documents with exactly their text;
- no temporary file, journal or stray build is left;
- running the same command again succeeds and gives the "after" state (an interrupted ingest
  ingests again: not "Unchanged").

One case starts the real server process (``assistant serve``) after a kill inside the switch, and
one end-to-end case kills the real CLI with the real model. Commands run with the deterministic
fake embedder, forked from a warm process (``tests/kill_harness.py``). Fixture documents are
fictional. The figures are printed (``pytest -s``) and asserted.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import pipeline
from assistant.api.app import create_app
from assistant.config import Settings
from assistant.embed.fake import HashingEmbedder
from assistant.embed.sentence import SentenceTransformerEmbedder
from assistant.ingest.catalog import stored_documents
from assistant.ingest.corpus import corpus_files
from assistant.pipeline import build_index, build_inputs
from assistant.store.disk import CURRENT, current_folder, load_index, read_manifest
from tests.conftest import ROOT
from tests.kill_harness import DIMENSION, Outcome, Zygote

FIXTURES = ROOT / "tests" / "fixtures"
NOTE = FIXTURES / "example-prior-auth-note.txt"
V1 = FIXTURES / "versions" / "maple-valley-knee-2026.txt"
V2 = FIXTURES / "versions" / "maple-valley-knee-2027.txt"
QUESTION = "Does Aetna cover CPT 64642?"
TIMED_KILLS = 6
MIN_KILLS = 20
FACTS = """doc_id: maple-valley-knee-2027
facts:
  - id: maple-2027-interval
    type: coverage
    statement: The Maple Valley bulletin pays for one injection of 20610 every twelve weeks per knee.
    quote: "The plan pays for one injection of 20610 every twelve weeks per knee."
    entities: [cpt:20610]
"""
BATCH = f"""- file: {NOTE}
- file: {V2}
  id: maple-valley-knee-2027
  replaces: maple-valley-knee-2026
"""


@dataclass(frozen=True)
class Scenario:
    """A command to kill, and the template project it starts from."""

    argv: tuple[str, ...]
    template: str


SCENARIOS = {
    "ingest": Scenario(("ingest", "--manifest", "{work}/batch.yaml"), "base"),
    "remove": Scenario(("sources", "remove", "maple-valley-knee-2027", "--force"), "ingested"),
    "build": Scenario(("build", "--force"), "base"),
}


def env_for(project: Path) -> dict[str, str]:
    """Environment pointing the CLI at ``project`` (polling off, wide lines)."""
    return {
        "ASSISTANT_CORPUS_DIR": str(project / "corpus"),
        "ASSISTANT_INDEX_DIR": str(project / "index"),
        "ASSISTANT_PROMPTS_DIR": str(ROOT / "prompts"),
        "ASSISTANT_DATA_DIR": str(project / "data"),
        "ASSISTANT_RELOAD_POLL_SECONDS": "0",
        "COLUMNS": "400",
    }


def settings_for(project: Path) -> Settings:
    return Settings(
        corpus_dir=project / "corpus", index_dir=project / "index", prompts_dir=ROOT / "prompts",
        data_dir=project / "data", reload_poll_seconds=0,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def ok(outcome: Outcome) -> Outcome:
    assert outcome.exit_code == 0 and "Traceback" not in outcome.stderr, outcome.stdout + outcome.stderr
    return outcome


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    started = Zygote(tmp_path_factory.mktemp("kill-output"))
    yield started
    started.close()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, zygote: Zygote) -> Path:
    """Template projects: ``base`` (the seed publication and its facts, one ingested document,
    built) and ``ingested`` (base after the ingest scenario, plus facts quoting the new document)."""
    work = tmp_path_factory.mktemp("kill-work")
    (work / "batch.yaml").write_text(BATCH, encoding="utf-8")
    base = work / "base"
    for folder in ("documents", "facts"):
        (base / "corpus" / folder).mkdir(parents=True)
        shutil.copy(ROOT / "corpus" / folder / f"openpayer-cpt-64642.{'md' if folder == 'documents' else 'yaml'}",
                    base / "corpus" / folder)
    ok(zygote.run(["build"], env_for(base)))
    ok(zygote.run(["ingest", str(V1)], env_for(base)))
    ingested = work / "ingested"
    shutil.copytree(base, ingested)
    ok(zygote.run(["ingest", "--manifest", str(work / "batch.yaml")], env_for(ingested)))
    (ingested / "corpus" / "facts" / "maple-2027.yaml").write_text(FACTS, encoding="utf-8")
    ok(zygote.run(["build"], env_for(ingested)))
    return work


def fresh_copy(work: Path, template: str, name: str) -> Path:
    target = work / "runs" / name
    shutil.copytree(work / template, target)
    return target


def assert_in_step(project: Path) -> set[str]:
    """Corpus and index agree, and nothing is left over; returns the indexed document ids."""
    settings = settings_for(project)
    manifest = read_manifest(settings.index_dir)
    assert manifest is not None
    assert manifest.corpus_files == corpus_files(settings.corpus_dir)
    index = load_index(settings.index_dir, build_inputs(settings), DIMENSION)  # verifies every checksum
    stored = stored_documents(settings.corpus_dir / "documents")
    current = {doc_id: s for doc_id, s in stored.items() if not s.header.superseded_by}
    assert set(index.documents) == set(current)
    for doc_id, document in index.documents.items():
        assert document.text == current[doc_id].text, doc_id
    leftovers = [p.name for p in settings.index_dir.iterdir() if p.name not in (CURRENT, current_folder(settings.index_dir).name)]
    assert leftovers == []
    hidden = [p for p in settings.corpus_dir.rglob(".*")]
    assert hidden == []
    return set(index.documents)


def assert_serves(project: Path) -> None:
    """The app factory starts on the build CURRENT names and lists its documents."""
    manifest = read_manifest(project / "index")
    with TestClient(create_app(settings_for(project)), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["index_version"] == (manifest.index_version if manifest else None)
        listed = {d["doc_id"] for d in client.get("/v1/documents").json()}
    assert listed == assert_in_step(project)


@dataclass
class Tally:
    hook: int = 0
    timed: int = 0
    timed_finished: int = 0
    inconsistent: int = 0
    rolled_back: int = 0
    kept: int = 0


def check_after_kill(zygote: Zygote, work: Path, project: Path, scenario: Scenario, before: dict[str, bytes],
                     after: dict[str, bytes], serve_first: bool, tally: Tally) -> None:
    env = env_for(project)
    if serve_first:
        assert_serves(project)
    ask = ok(zygote.run(["ask", QUESTION], env))
    assert "ANSWER" in ask.stdout or "NOT FOUND IN SOURCES" in ask.stdout
    if not serve_first:
        assert_serves(project)
    state = snapshot(project / "corpus")
    if state not in (before, after):
        tally.inconsistent += 1
    assert state in (before, after), "corpus/ is neither as before nor as after the command"
    tally.rolled_back += state == before and before != after
    tally.kept += state == after and before != after
    assert_in_step(project)
    if state == before:  # not committed: the same command again does the whole change
        again = ok(zygote.run([a.format(work=work) for a in scenario.argv], env))
        if scenario.argv[0] == "ingest":
            assert "Unchanged" not in again.stdout and "Added:" in again.stdout
        assert snapshot(project / "corpus") == after
        assert_in_step(project)


@pytest.mark.parametrize("command", list(SCENARIOS))
def test_kills_at_every_step_leave_corpus_and_index_in_step(
    command: str, zygote: Zygote, work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(pipeline, "make_embedder", lambda _settings: HashingEmbedder(dimension=DIMENSION))
    scenario = SCENARIOS[command]
    argv = [a.format(work=work) for a in scenario.argv]
    started = time.monotonic()
    clean = fresh_copy(work, scenario.template, f"{command}-clean")
    before = snapshot(clean / "corpus")
    trace = work / "runs" / f"{command}.trace"
    reference = ok(zygote.run(argv, {**env_for(clean), "ASSISTANT_FAULT_TRACE": str(trace)}))
    after = snapshot(clean / "corpus")
    assert_in_step(clean)
    points = trace.read_text().splitlines()
    assert {"build.moved-in", "build.switched"} <= set(points)
    if command != "build":
        assert {"journal.recorded", "change.written" if command == "ingest" else "change.deleted"} <= set(points)
    tally = Tally()
    for number in range(1, len(points) + 1):
        project = fresh_copy(work, scenario.template, f"{command}-hook-{number}")
        killed = zygote.run(argv, {**env_for(project), "ASSISTANT_FAULT_KILL_AT": str(number)})
        assert killed.signal == signal.SIGKILL, f"not killed at point {number} ({points[number - 1]})"
        tally.hook += 1
        check_after_kill(zygote, work, project, scenario, before, after, number % 2 == 0, tally)
    timed = max(TIMED_KILLS, MIN_KILLS + TIMED_KILLS // 2 - len(points))  # some runs finish before their kill
    for number in range(timed):
        project = fresh_copy(work, scenario.template, f"{command}-timed-{number}")
        delay = reference.seconds * (number + 0.5) / timed
        sig = signal.SIGTERM if number % 2 else signal.SIGKILL
        outcome = zygote.run(argv, env_for(project), kill_after=delay, sig=sig)
        if outcome.killed:
            tally.timed += 1
        else:
            tally.timed_finished += 1
        check_after_kill(zygote, work, project, scenario, before, after, number % 2 == 0, tally)
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\n{command}: {len(points)} kill points by hook + {tally.timed} timed kills "
              f"({tally.timed_finished} finished first); inconsistent states {tally.inconsistent}; "
              f"rolled back {tally.rolled_back}, kept {tally.kept}; {seconds:.1f} s")
    assert tally.hook + tally.timed >= MIN_KILLS
    assert tally.inconsistent == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_real_server_starts_on_the_last_complete_build_after_a_kill_inside_the_switch(
    zygote: Zygote, work: Path
) -> None:
    project = fresh_copy(work, "base", "serve-after-kill")
    served_before = read_manifest(project / "index")
    assert served_before is not None
    # Killed with the new build moved into place and CURRENT not switched yet.
    killed = zygote.run(["build", "--force"], {**env_for(project), "ASSISTANT_FAULT_KILL_AT": "build.moved-in"})
    assert killed.signal == signal.SIGKILL
    assert len([p for p in (project / "index").iterdir() if not p.name.startswith(".")]) == 3  # CURRENT and two builds
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.kill_harness", "cli", "serve", "--port", str(port)],
        cwd=ROOT, env={**env_for(project), "PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200, "the server did not start"
        assert health.json()["index_version"] == served_before.index_version
        question = {"messages": [{"role": "user", "content": QUESTION}]}
        assert httpx.post(f"http://127.0.0.1:{port}/v1/chat", json=question, timeout=30).status_code == 200
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "Recovered" in stderr and "removed 1 leftover" in stderr, stderr
    assert "Traceback" not in stderr
    assert_in_step(project)


@pytest.mark.slow
def test_killed_ingest_with_the_real_model_is_rolled_back_and_ingests_again(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder
) -> None:
    """The real CLI and model, end to end: ingest killed inside the switch, then ask, then ingest again."""
    project = tmp_path / "project"
    for folder in ("documents", "facts"):
        (project / "corpus" / folder).mkdir(parents=True)
        shutil.copy(ROOT / "corpus" / folder / f"openpayer-cpt-64642.{'md' if folder == 'documents' else 'yaml'}",
                    project / "corpus" / folder)
    build_index(settings_for(project), real_embedder)
    env = {**env_for(project), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, env={**env, **extra},
                              capture_output=True, text=True, timeout=300)

    before = snapshot(project / "corpus")
    killed = cli("ingest", str(NOTE), ASSISTANT_FAULT_KILL_AT="build.moved-in")
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(project / "corpus") != before  # the document was written: the kill left work to undo

    asked = cli("ask", QUESTION)
    assert asked.returncode == 0 and "ANSWER" in asked.stdout, asked.stderr
    assert "rolled back an interrupted ingest or removal (1 corpus file(s) restored)" in " ".join(asked.stderr.split())
    assert snapshot(project / "corpus") == before

    again = cli("ingest", str(NOTE))
    assert again.returncode == 0, again.stderr
    assert "Added:" in again.stdout and "Unchanged" not in again.stdout
    settings = settings_for(project)
    manifest = read_manifest(settings.index_dir)
    assert manifest is not None and manifest.corpus_files == corpus_files(settings.corpus_dir)
    index = load_index(settings.index_dir, build_inputs(settings), manifest.dimension)
    assert "example-prior-auth-note" in index.documents and manifest.dimension == 384

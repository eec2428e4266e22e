"""The evaluation set itself: valid, balanced as the issue asks, and never copied into answering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.dataset import EvalDataError, load_items
from assistant.evaluation.realdocs import load_realdocs_items, read_ingest_script
from assistant.ingest.corpus import load_corpus
from assistant.ingest.extract import extract_source
from tests.conftest import ROOT

EVAL = ROOT / "eval"


REALDOCS = ROOT.parent / "shared" / "realdocs"
# Questions about the real-document set name its files, not corpus ids (eval/README.md).
REALDOCS_FILES = (
    "realdocs-train.jsonl", "realdocs-test.jsonl", "realdocs-test2.jsonl", "realdocs-test3.jsonl", "realdocs-test4.jsonl",
    "realdocs-test5.jsonl", "realdocs-test6.jsonl", "realdocs-test7.jsonl",
    "realdocs-test8.jsonl", "realdocs-train2.jsonl", "realdocs-test9.jsonl", "realdocs-test10.jsonl",
    "realdocs-test11.jsonl", "realdocs-test12.jsonl", "realdocs-test13.jsonl",
    "realdocs-test14.jsonl", "realdocs-test15.jsonl", "realdocs-test16.jsonl", "realdocs-test17.jsonl",
    "realdocs-test18.jsonl", "realdocs-test19.jsonl", "realdocs-test20.jsonl",
)


def realdocs_items() -> list:
    """The eval/ questions about the real documents, their file names mapped as `eval --realdocs`
    maps them (every file named must be one the set's ingest.sh ingests)."""
    if not (REALDOCS / "ingest.sh").is_file():
        pytest.skip(f"{REALDOCS} is not here: the real-document questions cannot be mapped to documents")
    ids = {spec.path.name: spec.doc_id for spec in read_ingest_script(REALDOCS)}
    return [item for name in REALDOCS_FILES for item in load_realdocs_items(REALDOCS, ids, EVAL / name)]


def all_items() -> list:
    items = [item for path in sorted(EVAL.glob("*.jsonl")) if path.name not in REALDOCS_FILES for item in load_items(path)]
    assert len({i.id for i in items}) == len(items), "ids are unique across every eval file"
    return items


def test_realdocs_questions_are_valid_and_quote_at_most_80_characters() -> None:
    items = realdocs_items()
    assert len({i.id for i in items}) == len(items) == 1142  # 180 + 120 training, 48 + 40 + 40 + 42 x 17 held out
    assert all(len(" ".join(i.evidence.quote.split())) <= 80 for i in items if i.evidence)


def test_sets_have_the_required_mix() -> None:
    dev, test = load_items(EVAL / "dev.jsonl"), load_items(EVAL / "test.jsonl")
    items = dev + test
    assert len(items) >= 80
    assert len(test) >= len(items) / 3
    assert len({i.id for i in items}) == len(items)
    hard = [i for i in items if i.category in ("unanswerable", "adversarial")]
    assert len(hard) >= 0.2 * len(items)
    assert sum(1 for i in items if i.category == "multi_turn") >= 10
    assert {i.category for i in dev} == {i.category for i in test}


def test_evidence_quotes_are_verbatim_in_their_documents() -> None:
    corpus = load_corpus(ROOT / "corpus", chunk_size=700, chunk_overlap=150)  # generated references too
    texts = {d.doc_id: d.text for d in corpus.documents}
    # sources-*.jsonl items are about the fixture documents, ingested (id = file stem) at eval time.
    for path in sorted(p for p in (ROOT / "tests" / "fixtures").iterdir() if p.is_file()):  # not the subfolders
        texts[path.stem] = extract_source(path, encoding=None, max_bytes=10_000_000, min_main_chars=200).text
    for item in all_items():
        if item.evidence:
            assert item.evidence.quote in texts[item.evidence.doc_id], item.id


def _answering_files() -> list[Path]:
    return [*(ROOT / "assistant").rglob("*.py"), *(ROOT / "prompts").rglob("*")]


def test_no_eval_question_or_expected_answer_appears_in_package_or_prompts() -> None:
    haystack = "\n".join(p.read_text(encoding="utf-8").lower() for p in _answering_files() if p.is_file())
    documents = load_corpus(ROOT / "corpus", chunk_size=700, chunk_overlap=150).documents
    corpus = "\n".join(d.text.lower() for d in documents)
    questions = all_items()
    if (REALDOCS / "ingest.sh").is_file():
        questions += realdocs_items()
        # The real documents' own words are vocabulary too ("contraindicated").
        corpus += "\n".join(
            extract_source(spec.path, encoding=None, max_bytes=50_000_000, min_main_chars=200).text.lower()
            for spec in read_ingest_script(REALDOCS)
        )
    for item in questions:
        for turn in item.turns:
            assert turn.lower() not in haystack, f"{item.id}: question text {turn!r} found in package or prompts"
        for group in item.must_include:
            for pattern in group:
                # Words of the sources themselves (payer names, "informed consent") are vocabulary,
                # not answers written for the eval; anything longer that is not is an answer copied.
                if len(pattern) > 12 and pattern.lower() not in corpus:
                    assert pattern.lower() not in haystack, f"{item.id}: expected answer {pattern!r} copied"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "dev.jsonl:2: not valid JSON"),
        (json.dumps({"id": "x", "category": "nonsense", "turns": ["q"], "answerable": False}), "dev.jsonl:2: category"),
        (json.dumps({"id": "x", "category": "coverage", "turns": [], "answerable": False}), "dev.jsonl:2: turns"),
        (json.dumps({"id": "x", "category": "coverage", "turns": ["q"], "answerable": True}), "needs evidence"),
        (json.dumps({"id": "x", "category": "coverage", "turns": ["q"], "answerable": False, "must_include": [["(unclosed"]]}), "does not compile"),
        (json.dumps({"id": "x", "category": "coverage", "turns": ["q"], "answerable": False, "extra": 1}), "extra"),
        (json.dumps({"id": "a", "category": "coverage", "turns": ["q"], "answerable": False}), "used twice"),
    ],
)
def test_malformed_items_are_reported_by_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "dev.jsonl"
    good = json.dumps({"id": "a", "category": "coverage", "turns": ["q"], "answerable": False})
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(EvalDataError) as caught:
        load_items(path)
    assert message in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EvalDataError, match="cannot read"):
        load_items(tmp_path / "absent.jsonl")

"""Export stored feedback as CSV, JSON lines, or evaluation-set items ready for review."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from typing import Literal

from assistant.codes import code_value, find_codes
from assistant.evaluation.dataset import Category, EvalItem, Evidence
from assistant.feedback.store import FeedbackRecord

ExportFormat = Literal["csv", "jsonl", "eval"]

# The answerer's intent (prompts/intents.yaml) -> the evaluation category it is scored under.
INTENT_CATEGORY: dict[str, Category] = {
    "coverage": "coverage",
    "policy_lookup": "coverage",
    "modifier": "modifier",
    "billing_rules": "modifier",
    "place_of_service": "place_of_service",
    "specialty": "specialty",
    "taxonomy": "specialty",
    "documentation": "documentation",
    "technique": "clinical",
    "condition": "clinical",
    "purpose": "clinical",
    "patient": "clinical",
    "clinical_details": "clinical",
    "definition": "definition",
    "code_lookup": "definition",
}
CSV_COLUMNS = (
    "id", "created_at", "rating", "comment", "expected_answer", "question", "answer", "abstained", "intent",
    "index_version", "redactions", "conversation", "citations", "conflicts",
)


@dataclass(frozen=True)
class Skipped:
    """A feedback record that cannot become an evaluation item without a person's help, and why."""

    id: int
    reason: str


def export_csv(records: list[FeedbackRecord]) -> str:
    """One CSV row per record; nested fields (conversation, citations, conflicts) as JSON."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        entry = record.entry
        writer.writerow({
            "id": record.id,
            "created_at": record.created_at,
            "rating": entry.rating,
            "comment": entry.comment or "",
            "expected_answer": entry.expected_answer or "",
            "question": _user_turns(record)[-1] if _user_turns(record) else "",
            "answer": entry.answer,
            "abstained": entry.abstained,
            "intent": entry.intent or "",
            "index_version": entry.index_version,
            "redactions": record.redactions,
            "conversation": json.dumps(entry.conversation),
            "citations": json.dumps(entry.citations),
            "conflicts": json.dumps(entry.conflicts),
        })
    return out.getvalue()


def export_jsonl(records: list[FeedbackRecord]) -> str:
    """One JSON object per line with every stored field."""
    return "".join(
        json.dumps({"id": r.id, "created_at": r.created_at, "redactions": r.redactions, **asdict(r.entry)}) + "\n"
        for r in records
    )


def export_eval(records: list[FeedbackRecord]) -> tuple[str, list[Skipped]]:
    """Evaluation items (the ``eval/*.jsonl`` schema) for records that can become one, and the rest.

    A thumbs-up keeps the answer as it is: answerable when it answered (evidence: its first citation),
    unanswerable when it abstained. A thumbs-down turns the verdict round: a wrong abstention becomes an
    answerable item when a citation supports the expected answer; a wrong answer becomes an unanswerable
    item when no expected answer is given. Codes in the expected answer become ``must_include``.
    """
    lines: list[str] = []
    skipped: list[Skipped] = []
    for record in records:
        item = _eval_item(record)
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            lines.append(item.model_dump_json(exclude_none=True) + "\n")
    return "".join(lines), skipped


def _eval_item(record: FeedbackRecord) -> EvalItem | Skipped:
    """One record as an evaluation item, or the reason it cannot be one."""
    entry = record.entry
    turns = _user_turns(record)
    if not turns:
        return Skipped(record.id, "the conversation has no user question")
    expected = entry.expected_answer or ""
    codes = [code_value(m.key) for m in find_codes(expected)] or [
        code_value(m.key) for m in find_codes(turns[-1]) if m.key in {c.key for c in find_codes(entry.answer)}
    ]
    if entry.rating == "up":
        answerable = not entry.abstained
    elif entry.abstained:
        answerable = True
    elif not expected.strip():
        answerable = False
    else:
        return Skipped(record.id, "thumbs down on an answer with an expected answer: write the item by hand")
    if entry.rating == "down" and answerable and not codes:
        return Skipped(record.id, "the expected answer names no code to check a citation against: add evidence by hand")
    # A thumbs-up vouches for the answer's own first citation; a correction needs one holding its codes.
    evidence = _evidence(record, codes if entry.rating == "down" else []) if answerable else None
    if answerable and evidence is None:
        return Skipped(record.id, "no cited passage supports the expected answer: add evidence by hand")
    category: Category
    if len(turns) > 1:
        category = "multi_turn"
    elif not answerable:
        category = "unanswerable"
    else:
        category = INTENT_CATEGORY.get(entry.intent or "", "definition")
    return EvalItem(
        id=f"feedback-{record.id}",
        category=category,
        turns=turns,
        answerable=answerable,
        must_include=[[re.escape(code)] for code in dict.fromkeys(codes)] if answerable else [],
        evidence=evidence,
    )


def _evidence(record: FeedbackRecord, codes: list[str]) -> Evidence | None:
    """The first citation whose quote holds every expected code (any citation when none is expected)."""
    for citation in record.entry.citations:
        quote, doc_id = citation.get("quote"), citation.get("doc_id")
        if isinstance(quote, str) and isinstance(doc_id, str) and quote and all(code in quote for code in codes):
            return Evidence(doc_id=doc_id, quote=quote)
    return None


def _user_turns(record: FeedbackRecord) -> list[str]:
    """The user's messages of the conversation, in order."""
    return [m["content"] for m in record.entry.conversation if m.get("role") == "user" and m.get("content")]

"""``POST /v1/feedback``: store an evaluator's verdict on an answer (redacted) in SQLite."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from assistant.api.feedback_schemas import FeedbackReceipt, FeedbackRequest
from assistant.api.routes import BAD_BODY, ERRORS
from assistant.api.schemas import ErrorResponse
from assistant.feedback.store import FeedbackEntry, FeedbackStore

log = logging.getLogger("assistant.api")

feedback_router = APIRouter()


def get_feedback_store(request: Request) -> FeedbackStore:
    """The feedback store created with the app (its file appears on first use)."""
    store: FeedbackStore = request.app.state.feedback_store
    return store


FeedbackStoreDep = Annotated[FeedbackStore, Depends(get_feedback_store)]

FEEDBACK_ERRORS: dict[int | str, dict[str, Any]] = {
    422: ERRORS[422],
    **BAD_BODY,
    503: {"model": ErrorResponse, "description": "The feedback database cannot be written; retry or tell an admin."},
}


@feedback_router.post(
    "/v1/feedback", response_model=FeedbackReceipt, status_code=201, responses=FEEDBACK_ERRORS, tags=["feedback"]
)
def post_feedback(body: FeedbackRequest, store: FeedbackStoreDep) -> FeedbackReceipt:
    """Store thumbs up/down, an optional comment and expected answer, with the conversation and answer.

    Every free-text field is redacted first: names after a cue, dates of birth, SSNs, phone numbers,
    e-mail and street addresses, member, record, claim and reference numbers are masked; billing codes,
    policy numbers and dates of service are kept.
    ``assistant feedback export`` reads them back (CSV, JSON lines, or evaluation items).
    """
    answer = body.response
    record = store.add(
        FeedbackEntry(
            rating=body.rating,
            comment=body.comment,
            expected_answer=body.expected_answer,
            conversation=[{"role": m.role, "content": m.content} for m in body.messages],
            answer=answer.answer,
            abstained=answer.abstained,
            intent=answer.intent,
            index_version=answer.index_version,
            citations=[c.model_dump() for c in answer.citations],
            conflicts=[c.model_dump() for c in answer.conflicts],
        )
    )
    log.info("feedback stored id=%d rating=%s redactions=%d", record.id, body.rating, record.redactions)
    return FeedbackReceipt(id=record.id, created_at=record.created_at, redactions=record.redactions)

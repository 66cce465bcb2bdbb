"""The ingest rules on plain bytes: limits, gzip, stamping, per-item verdicts."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from eventtide.api import ingest
from eventtide.api.problems import Problem
from eventtide.core.events import validation_context
from eventtide.core.kafka import decode
from eventtide.core.kafka.tracecontext import traceparent_for

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
EVENT = {
    "event_type": "page_view",
    "user_id": "u-1",
    "session_id": "s-1",
    "occurred_at": "2026-12-04T11:59:00Z",
    "context": {"platform": "web", "device": "desktop", "country": "DE", "page": "/"},
}


def _prepare(items: list[object]) -> list[ingest.Outcome]:
    fixed = uuid.UUID(int=7)
    return ingest.prepare(
        items, received_at=NOW, context=validation_context(now=NOW), new_id=lambda: fixed
    )


def test_one_object_or_an_array() -> None:
    assert ingest.parse_items(orjson.dumps(EVENT), 10) == [EVENT]
    assert ingest.parse_items(orjson.dumps([EVENT, EVENT]), 10) == [EVENT, EVENT]


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{nope", 400), (b"3", 400), (b"[]", 400), (orjson.dumps([EVENT] * 11), 413)],
)
def test_whole_request_problems(body: bytes, status: int) -> None:
    problem = ingest.parse_items(body, 10)
    assert isinstance(problem, Problem)
    assert problem.status == status


def test_gzip_inflates_within_the_limit_only() -> None:
    body = orjson.dumps([EVENT] * 5)
    assert ingest.gunzip(gzip.compress(body), len(body)) == body
    bomb = ingest.gunzip(gzip.compress(b" " * 100_000), 1_000)
    assert isinstance(bomb, Problem)
    assert bomb.status == 413
    broken = ingest.gunzip(b"not gzip", 1_000)
    assert isinstance(broken, Problem)
    assert broken.status == 400


@pytest.mark.parametrize(
    ("content_type", "encoding", "refused"),
    [
        ("application/json", None, False),
        ("application/json; charset=utf-8", "gzip", False),
        ("text/plain", None, True),
        (None, None, True),
        ("application/json", "br", True),
    ],
)
def test_media_type(content_type: str | None, encoding: str | None, refused: bool) -> None:
    problem = ingest.media_type_problem(content_type, encoding)
    assert (problem is not None) == refused
    if problem is not None:
        assert problem.status == 415


def test_server_sets_received_at_and_fills_a_missing_event_id() -> None:
    given = str(uuid.uuid4())
    outcomes = _prepare([EVENT, EVENT | {"event_id": given, "received_at": "2000-01-01T00:00Z"}])
    first, second = outcomes
    assert isinstance(first, ingest.Accepted)
    assert isinstance(second, ingest.Accepted)
    assert first.event_id == str(uuid.UUID(int=7))
    assert second.event_id == given
    event = decode(second.message.value, validation_context(now=NOW))
    assert not isinstance(event, Exception)
    assert getattr(event, "received_at", None) == NOW
    assert second.message.key == b"u-1"


def test_each_item_judged_alone_in_order() -> None:
    bad_country = EVENT | {"context": EVENT["context"] | {"country": "germany"}}  # type: ignore[operator]
    old_writer = EVENT | {"event_type": "teleport", "schema_version": 1}  # closed vocabulary
    outcomes = _prepare([EVENT, bad_country, 5, old_writer])
    assert [type(o).__name__ for o in outcomes] == ["Accepted", "Refused", "Refused", "Refused"]
    refused = [o for o in outcomes if isinstance(o, ingest.Refused)]
    assert [(r.rejection.field, r.rejection.rule) for r in refused] == [
        ("context.country", "string_pattern_mismatch"),
        ("", "object_expected"),
        ("event_type", "union_tag_invalid"),
    ]
    assert refused[0].key == b"u-1"
    assert orjson.loads(refused[0].raw)["context"]["country"] == "germany"


@pytest.mark.parametrize(
    "event_id",
    [
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",  # canonical: the traceparent is written from it
        "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",  # upper case: read back through the UUID
        "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",  # no dashes: likewise
    ],
)
def test_accepted_id_and_traceparent_are_the_canonical_uuid(event_id: str) -> None:
    (outcome,) = _prepare([EVENT | {"event_id": event_id}])
    assert isinstance(outcome, ingest.Accepted)
    canonical = uuid.UUID(event_id)
    assert outcome.event_id == str(canonical)
    headers = dict(outcome.message.headers)
    assert headers["traceparent"] == traceparent_for(canonical).encode()

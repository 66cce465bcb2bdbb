"""An app's own event that bears one of eventtide's typed names, through every door:
read as that typed event when its properties fit, else kept as ``<door>:<name>``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from eventtide.core.events import CustomEvent, LoginEvent, Rejection, SearchEvent
from eventtide.core.events.contracts import from_posthog, from_segment, from_snowplow, to_event
from eventtide.core.events.contracts.amplitude import from_amplitude
from eventtide.core.events.contracts.common import Mapped
from eventtide.core.events.contracts.mixpanel import from_mixpanel

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _segment(name: str, properties: dict[str, Any]) -> Mapped:
    message = {"type": "track", "event": name, "userId": "u-1", "properties": properties,
               "messageId": str(uuid.uuid4())}  # fmt: skip
    return from_segment(message, received_at=NOW)


def _posthog(name: str, properties: dict[str, Any]) -> Mapped:
    message = {"event": name, "distinct_id": "u-1", "uuid": str(uuid.uuid4()),
               "properties": properties}  # fmt: skip
    return from_posthog(message, received_at=NOW)


def _amplitude(name: str, properties: dict[str, Any]) -> Mapped:
    message = {"event_type": name, "user_id": "u-1", "insert_id": str(uuid.uuid4()),
               "event_properties": properties}  # fmt: skip
    return from_amplitude(message, received_at=NOW)


def _mixpanel(name: str, properties: dict[str, Any]) -> Mapped:
    message = {"event": name, "properties": {**properties, "distinct_id": "u-1",
                                            "$insert_id": uuid.uuid4().hex}}  # fmt: skip
    return from_mixpanel(message, received_at=NOW)


def _snowplow(name: str, properties: dict[str, Any]) -> Mapped:
    """A structured event is named by its action; its other fields are its properties."""
    fields = {"se_ca": "ui", "se_ac": name, **{f"se_{k[:2]}": v for k, v in properties.items()}}
    return from_snowplow({"e": "se", "uid": "u-1", "eid": str(uuid.uuid4()), **fields},
                         received_at=NOW)  # fmt: skip


DOORS: dict[str, Callable[[str, dict[str, Any]], Mapped]] = {
    "segment": _segment, "posthog": _posthog, "amplitude": _amplitude,
    "mixpanel": _mixpanel,
}  # fmt: skip


@pytest.mark.parametrize("door", DOORS)
def test_an_event_that_fits_its_typed_name_is_that_event_its_other_properties_in_extra(
    door: str,
) -> None:
    login = to_event(DOORS[door]("login", {"method": "google", "plan": "pro"}))
    assert isinstance(login, LoginEvent), login
    assert login.properties.method == "google"
    assert login.properties.extra is not None
    assert login.properties.extra["plan"] == "pro"
    search = to_event(DOORS[door]("search", {"query": "mug", "results_count": 4}))
    assert isinstance(search, SearchEvent), search
    assert (search.properties.query, search.properties.results_count) == ("mug", 4)


@pytest.mark.parametrize("door", DOORS)
def test_an_event_that_does_not_fit_is_kept_under_its_doors_name(door: str) -> None:
    click = to_event(DOORS[door]("click", {"button": "buy"}))
    assert isinstance(click, CustomEvent), click
    assert click.event_type == f"{door}:click"
    assert click.properties["button"] == "buy", "kept as sent"
    order = to_event(DOORS[door]("purchase", {"total": 3}))
    assert isinstance(order, CustomEvent)
    assert order.event_type == f"{door}:purchase"


@pytest.mark.parametrize("door", DOORS)
def test_an_apps_identify_event_never_identifies(door: str) -> None:
    identify = to_event(DOORS[door]("identify", {"anonymous_id": "d-1"}))
    assert isinstance(identify, CustomEvent), "an identity call only from the door's own call"
    assert identify.event_type == f"{door}:identify"


def test_snowplow_structured_events_named_like_typed_ones() -> None:
    login = to_event(_snowplow("login", {}))
    assert isinstance(login, LoginEvent)
    assert login.properties.extra is not None
    assert login.properties.extra["category"] == "ui"
    click = to_event(_snowplow("click", {"label": "buy"}))
    assert isinstance(click, CustomEvent)
    assert click.event_type == "snowplow:click"
    assert click.properties["label"] == "buy"


def test_eventtides_own_events_keep_the_rule_that_a_typed_name_is_the_typed_event() -> None:
    native = Mapped(None, {"event_type": "click", "user_id": "u-1", "session_id": "s",
                           "occurred_at": NOW, "received_at": NOW,
                           "context": {"platform": "web", "device": "desktop",
                                       "country": "DE", "page": "/"},
                           "properties": {"button": "buy"}})  # fmt: skip
    assert isinstance(to_event(native), Rejection), "no door: refused, as docs/events.md says"

"""The identify the Snowplow and Amplitude doors add per pair of ids, on plain dicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventtide.api.identity_links import RecentPairs, with_links
from eventtide.core.events import IdentifyEvent
from eventtide.core.events.contracts import from_snowplow, to_event

pytestmark = pytest.mark.unit


def _pv(**ids: str) -> dict[str, str]:
    return {"e": "pv", "url": "https://shop.example/", "dtm": "1796000000000", **ids}


def test_one_identify_per_pair_while_it_is_remembered() -> None:
    recent = RecentPairs(size=2)
    batch = [_pv(uid="u-1", duid="d-1"), _pv(uid="u-1", duid="d-1"), _pv(duid="d-2"),
             _pv(uid="d-3", duid="d-3"), _pv(uid="u-4")]  # fmt: skip
    messages, added = with_links(batch, recent)
    assert added == 1, "one pair; no link without both ids or with the same id twice"
    assert messages[: len(batch)] == batch, "the tracker's events first, as sent"
    link = messages[-1]
    assert (link["uid"], link["duid"], link["dtm"]) == ("u-1", "d-1", "1796000000000")
    assert with_links([_pv(uid="u-1", duid="d-1")], recent)[1] == 0, "remembered"
    with_links([_pv(uid="u-2", duid="d-2"), _pv(uid="u-3", duid="d-3")], recent)
    again, added = with_links([_pv(uid="u-1", duid="d-1")], recent)
    assert added == 1, "forgotten once two newer pairs came"
    assert again[-1]["eid"] == link["eid"], "the same id: storage keeps one"


def test_the_added_identify_links_the_cookie_id_to_the_user() -> None:
    messages, _ = with_links([_pv(uid="carol", duid="d-9")], RecentPairs())
    event = to_event(from_snowplow(messages[-1], received_at=datetime.now(UTC)))
    assert isinstance(event, IdentifyEvent), event
    assert (event.user_id, event.properties.anonymous_id) == ("carol", "d-9")


def test_amplitude_links_a_device_once_and_an_identify_links_itself() -> None:
    from eventtide.core.events.contracts.amplitude import from_amplitude, link_event

    def event(name: str, **ids: str) -> dict[str, object]:
        return {"event_type": name, "time": 1796000000000, **ids}

    recent = RecentPairs()
    batch = [event("$identify", user_id="u-1", device_id="d-1"),
             event("Order Completed", user_id="u-1", device_id="d-1"),
             event("Song Played", user_id="u-2", device_id="d-2"),
             event("Song Played", user_id="u-2", device_id="d-2"),
             event("Song Played", device_id="d-3")]  # fmt: skip
    messages, added = with_links(batch, recent, link_event)
    assert added == 1, "d-1 is linked by the app's own identify; d-2 once; d-3 has no user"
    link = to_event(from_amplitude(messages[-1], received_at=datetime.now(UTC)))
    assert isinstance(link, IdentifyEvent)
    assert (link.user_id, link.properties.anonymous_id) == ("u-2", "d-2")
    again = to_event(from_amplitude(link_event(batch[2])[1], received_at=datetime.now(UTC)))  # type: ignore[index,arg-type]
    assert again.event_id == link.event_id, "the pair's link has one id"

"""What Mixpanel's SDKs send live: /track events without the token, /engage updates,
/groups updates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from eventtide.core.events import CustomEvent, IdentifyEvent
from eventtide.core.events.contracts import to_event
from eventtide.core.events.contracts.common import with_id
from eventtide.core.events.contracts.mixpanel import (
    from_mixpanel,
    from_mixpanel_group,
    from_mixpanel_profile,
    link_event,
)

pytestmark = pytest.mark.unit

RECEIVED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_tracked_event_keeps_its_time_and_drops_the_token() -> None:
    sent = {"event": "Song Played", "properties": {
        "token": "et_k", "time": 1796472000.25, "distinct_id": "u-1", "$insert_id": "x1",
        "genre": "jazz"}}  # fmt: skip
    event = to_event(from_mixpanel(sent, received_at=RECEIVED))
    assert isinstance(event, CustomEvent)
    assert event.occurred_at == datetime(2026, 12, 5, 12, 0, 0, 250000, tzinfo=UTC)
    assert "token" not in event.properties
    assert link_event(sent) is None, "no $user_id and $device_id: no link"


def test_profile_sets_are_traits_and_other_operations_are_kept() -> None:
    update = {"$token": "et_k", "$distinct_id": "u-1", "$time": 1796472000000,
              "$set": {"plan": "pro"}, "$set_once": {"source": "ad"}}  # fmt: skip
    traits = to_event(with_id(from_mixpanel_profile(update, received_at=RECEIVED), uuid.uuid4()))
    assert isinstance(traits, IdentifyEvent)
    assert (traits.user_id, traits.properties.set, traits.properties.set_once) == (
        "u-1", {"plan": "pro"}, {"source": "ad"},
    )  # fmt: skip
    # the id's own traits: a profile update links and identifies nobody
    assert traits.properties.anonymous_id == "u-1"
    counted = {"$token": "et_k", "$distinct_id": "u-1", "$add": {"logins": 1}}
    kept = to_event(with_id(from_mixpanel_profile(counted, received_at=RECEIVED), uuid.uuid4()))
    assert isinstance(kept, CustomEvent)
    assert (kept.event_type, kept.properties) == (
        "$mp_engage", {"$distinct_id": "u-1", "$add": {"logins": 1}},
    )  # fmt: skip


def test_the_javascript_sdks_identify_and_profile_update_under_simplified_id_merge() -> None:
    """mixpanel-browser's ``identify()`` tracks ``$identify`` with ``$anon_distinct_id``
    and both Simplified ID Merge ids; its ``people.set`` adds the same ids beside ``$set``."""
    device = "2be0efeb-c268-4d74-86b8-7e53cabdd69d"
    identify = {"event": "$identify", "properties": {
        "token": "et_k", "time": 1796472000.0, "distinct_id": "jo", "$insert_id": "7vsn0i",
        "$anon_distinct_id": f"$device:{device}", "$device_id": device, "$user_id": "jo",
        "mp_lib": "web", "$current_url": "https://shop.example/pricing"}}  # fmt: skip
    event = to_event(from_mixpanel(identify, received_at=RECEIVED))
    assert isinstance(event, IdentifyEvent)
    assert (event.user_id, event.properties.anonymous_id) == ("jo", f"$device:{device}")
    assert link_event(identify) == ((f"$device:{device}", "jo"), None), "it links itself"
    purchase = {"event": "Song Played", "properties": {**identify["properties"],
                                                       "$insert_id": "8wtq1j"}}  # fmt: skip
    assert link_event(purchase) is not None, "another event with both ids is linked"

    update = {"$token": "et_k", "$distinct_id": "jo", "$device_id": device, "$user_id": "jo",
              "$set": {"plan": "team", "$browser": "Chrome"}}  # fmt: skip
    traits = to_event(with_id(from_mixpanel_profile(update, received_at=RECEIVED), uuid.uuid4()))
    assert isinstance(traits, IdentifyEvent), "the ids are no profile operations"
    assert traits.properties.set == {"plan": "team", "$browser": "Chrome"}


def test_a_group_update_is_the_groups_own_event() -> None:
    update = {"$token": "et_k", "$group_key": "company", "$group_id": "acme",
              "$time": 1796472000000, "$set": {"plan": "enterprise"}}  # fmt: skip
    event = to_event(with_id(from_mixpanel_group(update, received_at=RECEIVED), uuid.uuid4()))
    assert isinstance(event, CustomEvent)
    assert (event.event_type, event.user_id) == ("$mp_group", "$company_acme")
    assert event.properties == {k: v for k, v in update.items() if k != "$token"}
    assert event.occurred_at == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    nameless = {"$token": "et_k", "$group_key": "company", "$set": {"plan": "pro"}}
    refused = to_event(with_id(from_mixpanel_group(nameless, received_at=RECEIVED), uuid.uuid4()))
    assert not isinstance(refused, CustomEvent), "a group update names its group"

"""The ingestion contracts existing SDKs speak, mapped onto eventtide events.

A product team points the SDK it already has at eventtide: Segment's HTTP Tracking API
(spoken by Segment's and RudderStack's SDKs), PostHog's capture API and Snowplow's
tracker protocol. These pure functions turn one message of any into an eventtide
event; the API's routes do the HTTP part. The mapping table is in docs/ingestion.md.
"""

from eventtide.core.events.contracts.common import Mapped, to_event
from eventtide.core.events.contracts.posthog import from_posthog
from eventtide.core.events.contracts.segment import from_segment
from eventtide.core.events.contracts.snowplow import from_snowplow

__all__ = ["Mapped", "from_posthog", "from_segment", "from_snowplow", "to_event"]

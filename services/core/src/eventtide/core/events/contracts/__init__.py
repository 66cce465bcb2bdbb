"""The ingestion contracts existing SDKs speak, mapped onto eventtide events.

A product team points the SDK it already has at eventtide: Segment's HTTP Tracking API
(spoken by Segment's and RudderStack's SDKs), PostHog's capture API and Snowplow's
tracker protocol. These pure functions turn one message of any into an eventtide
event; the API's routes do the HTTP part. The mapping table is in docs/ingestion.md.

It brings its history as well: :data:`EXPORT_READERS` reads the lines of Segment's,
PostHog's, Mixpanel's and Amplitude's event exports and Google Analytics 4's BigQuery
export (``eventtide produce --from-file --format``).
"""

from typing import Final

from eventtide.core.events.contracts.amplitude import from_amplitude_export
from eventtide.core.events.contracts.common import Mapped, to_event
from eventtide.core.events.contracts.exports import (
    ExportReader,
    from_posthog_export,
    from_segment_export,
)
from eventtide.core.events.contracts.ga4 import from_ga4_export
from eventtide.core.events.contracts.mixpanel import from_mixpanel_export
from eventtide.core.events.contracts.posthog import from_posthog
from eventtide.core.events.contracts.segment import from_segment
from eventtide.core.events.contracts.snowplow import from_snowplow

EXPORT_READERS: Final[dict[str, ExportReader]] = {
    "segment": from_segment_export,  # RudderStack's archives are Segment's messages too
    "posthog": from_posthog_export,
    "mixpanel": from_mixpanel_export,
    "amplitude": from_amplitude_export,
    "ga4": from_ga4_export,
}
"""``--format`` name to the reader of one line of that tool's event export."""

__all__ = [
    "EXPORT_READERS",
    "ExportReader",
    "Mapped",
    "from_posthog",
    "from_segment",
    "from_snowplow",
    "to_event",
]

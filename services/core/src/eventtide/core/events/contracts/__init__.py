"""The ingestion contracts existing SDKs speak, mapped onto eventtide events.

A product team points the SDK it already has at eventtide: Segment's HTTP Tracking API
(spoken by Segment's and RudderStack's SDKs), PostHog's capture API and Snowplow's
tracker protocol. These pure functions turn one message of any into an eventtide
event; the API's routes do the HTTP part. The mapping table is in docs/ingestion.md.

It brings its history as well: :data:`EXPORT_READERS` reads the lines of Segment's
(archives and warehouse tables), PostHog's, Mixpanel's and Amplitude's event exports,
Google Analytics 4's and Universal Analytics' BigQuery exports, Snowplow's enriched
events, and any purchase log or clickstream as a table (``eventtide produce --from-file --format``);
:data:`LINE_DECODERS` names the formats whose lines are not all JSON objects.
"""

from collections.abc import Callable
from typing import Final

from eventtide.core.events.contracts.amplitude import from_amplitude_export
from eventtide.core.events.contracts.clickstream_table import ClickstreamLines, from_clickstream
from eventtide.core.events.contracts.common import Mapped, to_event
from eventtide.core.events.contracts.exports import (
    ExportReader,
    LineDecoder,
    from_posthog_export,
    from_segment_export,
    json_object_line,
)
from eventtide.core.events.contracts.ga4 import from_ga4_export
from eventtide.core.events.contracts.mixpanel import from_mixpanel_export
from eventtide.core.events.contracts.posthog import from_posthog
from eventtide.core.events.contracts.purchase_table import PurchaseLines, from_purchase_table
from eventtide.core.events.contracts.segment import from_segment
from eventtide.core.events.contracts.segment_lines import SegmentLines
from eventtide.core.events.contracts.segment_warehouse import is_rollup_table
from eventtide.core.events.contracts.snowplow import from_snowplow
from eventtide.core.events.contracts.snowplow_enriched import from_snowplow_export
from eventtide.core.events.contracts.snowplow_lines import SnowplowLines
from eventtide.core.events.contracts.table_rows import TableHints
from eventtide.core.events.contracts.universal_analytics import from_ua_export
from eventtide.core.events.contracts.universal_analytics_lines import UniversalAnalyticsLines

EXPORT_READERS: Final[dict[str, ExportReader]] = {
    "segment": from_segment_export,  # RudderStack's archives are Segment's messages too
    "posthog": from_posthog_export,
    "mixpanel": from_mixpanel_export,
    "amplitude": from_amplitude_export,
    "ga4": from_ga4_export,
    "universal-analytics": from_ua_export,  # ga_sessions: a session a row, its hits in it
    "snowplow": from_snowplow_export,
    "purchases": from_purchase_table,  # a purchase log as a table, any shop's
    "clickstream": from_clickstream,  # an event log as a table: views, carts, purchases
}
"""``--format`` name to the reader of one line of that tool's event export."""
LINE_DECODERS: Final[dict[str, Callable[[str, TableHints], LineDecoder]]] = {
    "segment": lambda name, _hints: SegmentLines(name),
    "snowplow": lambda _name, _hints: SnowplowLines(),
    "universal-analytics": lambda _name, _hints: UniversalAnalyticsLines(),
    "purchases": PurchaseLines,
    "clickstream": ClickstreamLines,
}
"""``--format`` names whose lines are not all the reader's JSON objects, to what makes
the decoder of one file's lines from the file's name and what the user said of a table
(:class:`TableHints`; :func:`json_object_line` for the others): CSV under a header row,
Snowplow's TSV, Segment's warehouse tables, purchase tables, session rows without hits
refused."""


READ_LAST: Final[dict[str, Callable[[str], bool]]] = {"segment": is_rollup_table}
"""``--format`` names to the files of a folder read after the others: Segment's
``tracks`` table holds the event tables' rows without their properties, and of two
events with one id storage keeps the first."""


def line_decoder(file_format: str, name: str = "", hints: TableHints | None = None) -> LineDecoder:
    """How the lines of one file of ``file_format``'s export, named ``name`` (its path
    in the export), are read, in order; ``hints``: what the user said of a table
    (``--column``, ``--day-one``)."""
    make = LINE_DECODERS.get(file_format)
    return json_object_line if make is None else make(name, hints or TableHints())


__all__ = [
    "EXPORT_READERS",
    "LINE_DECODERS",
    "READ_LAST",
    "ExportReader",
    "LineDecoder",
    "Mapped",
    "from_posthog",
    "from_segment",
    "from_snowplow",
    "line_decoder",
    "to_event",
]

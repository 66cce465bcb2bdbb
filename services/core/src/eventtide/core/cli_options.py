"""The options several commands share (the long-running loops' ``consume``,
``process``, ``ml score``, ``ml detect``; the file readers' ``produce`` and ``ml
evaluate``), spelled once so their help and checks cannot drift.

Imports typer alone: every ``eventtide`` invocation registers every command.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from eventtide.core.events.contracts.table_rows import TableHints

MigrateOption = Annotated[bool, typer.Option(help="Apply migrations before starting.")]
IdleExitOption = Annotated[
    float,
    typer.Option(min=0, help="Exit after this many seconds without messages (0: never)."),
]
JsonSummaryOption = Annotated[
    bool, typer.Option("--json", help="Print the summary as JSON on stdout.")
]


class FileFormat(StrEnum):
    """What a ``--from-file`` holds: eventtide's events, or another tool's event export
    (the names of ``eventtide.core.events.contracts.EXPORT_READERS``), or ``auto``: the
    one its first lines read as."""

    EVENTTIDE = "eventtide"
    AUTO = "auto"
    SEGMENT = "segment"
    POSTHOG = "posthog"
    MIXPANEL = "mixpanel"
    AMPLITUDE = "amplitude"
    GA4 = "ga4"
    UNIVERSAL_ANALYTICS = "universal-analytics"
    SNOWPLOW = "snowplow"
    PURCHASES = "purchases"
    CLICKSTREAM = "clickstream"


FORMAT_HELP = (
    "What --from-file holds: eventtide events, or the event export of Segment (or "
    "RudderStack), PostHog, Mixpanel, Amplitude or Google Analytics 4 (BigQuery), one JSON "
    "object per line; Universal Analytics' ga_sessions (BigQuery, a session per line, "
    "JSON or CSV); or Snowplow's enriched events (TSV, or the atomic table's rows as "
    "JSON or CSV). Segment's and RudderStack's warehouse tables (JSON or CSV, each file "
    "named after its table) read as --format segment. purchases: any purchase log as a "
    "table (CSV under a header, or JSON lines; columns like CustomerID, InvoiceDate, "
    "InvoiceNo, UnitPrice, Quantity; a folder or zip of a shop's tables, orders apart "
    "from their items and customers, is read joined). clickstream: any event log as a "
    "table (user_id, event_time, event_type: view, cart, purchase...). auto: the format "
    "most of the file's first 100 lines read as."
)
FileFormatOption = Annotated[FileFormat, typer.Option("--format", help=FORMAT_HELP)]

COLUMN_HELP = (
    "A table's column for a part its name does not say, PART=COLUMN; repeatable "
    "(user=Kunden-Nr --column time=Rechnungsdatum). Parts: user, time, order, price, "
    "quantity, amount, product, currency, country, kind, session, status. With --format "
    "purchases, clickstream or auto."
)
ColumnOption = Annotated[list[str] | None, typer.Option("--column", help=COLUMN_HELP)]


DAY_ONE_HELP = (
    "The date of day 1 (YYYY-MM-DD) for a table whose times are day numbers (a column "
    "named DAY, or --column day=...; dunnhumby's The Complete Journey): day N is N - 1 "
    "days after it, at the time of day of a TRANS_TIME column (1631 is 16:31) or "
    "midnight. With --format purchases, clickstream or auto."
)
DayOneOption = Annotated[
    datetime | None, typer.Option("--day-one", formats=["%Y-%m-%d"], help=DAY_ONE_HELP)
]
TABLE_FORMATS = (FileFormat.PURCHASES, FileFormat.CLICKSTREAM, FileFormat.AUTO)


def table_hints(
    columns: list[str] | None, day_one: datetime | None, file_format: FileFormat
) -> TableHints | None:
    """What ``--column`` and ``--day-one`` say of a table (None: neither is given), or a
    usage error that says what to change (the parsing loads only when one is given)."""
    if not columns and day_one is None:
        return None
    for option, value in (("--column", columns), ("--day-one", day_one)):
        if value and file_format not in TABLE_FORMATS:
            raise typer.BadParameter(
                f"{option} is for a table's columns: give it with --format purchases or "
                "clickstream (or auto)",
                param_hint=option,
            )
    from eventtide.core.events.contracts.table_rows import TableHints, given_columns

    try:
        named = given_columns(columns or [])
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--column") from error
    return TableHints(named, day_one.date() if day_one else None)

"""``event_hours``: each id's events per UTC hour, type, country and platform (PostgreSQL).

A trend reads every event of its range; at 10,000,000 events a 30-day daily trend read
five million ``page_view`` rows. Per (type, UTC hour, id, country, platform) the same
month is bounded by the ids' active hours, not by how many events they made, so a
trend served from here grows with users and time rather than with events (figures:
docs/api.md). Hours answer every bucket of a time zone whose offset is a whole number
of hours; other zones, minute buckets and filters on other fields read the events.

Kept by statement triggers with transition tables on ``user_events``, in the writing
transaction: only rows actually inserted (``ON CONFLICT DO NOTHING`` leaves the
duplicates out of the transition table) are added, deleted ones are subtracted, and
``TRUNCATE`` empties it, so it equals a recomputation whichever path wrote the
events (the consumer's COPY, a backfill, a test). SQLite has neither, and its reads
use the events.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = "event_type, hour, user_id, country, platform, events, amounts, amount_cents"

_GROUPED = """
    SELECT event_type, date_trunc('hour', occurred_at, 'UTC'), user_id,
           context ->> 'country', context ->> 'platform',
           count(*), count(amount_cents), sum(amount_cents)
    FROM {source}
    GROUP BY 1, 2, 3, 4, 5
"""
"""One row per key of the given rows: ``amounts`` counts the events that carry an
amount, so a subtraction knows when an hour's ``sum`` becomes NULL again."""

_ADD = f"""
    INSERT INTO event_hours AS h ({COLUMNS})
    {_GROUPED.format(source="inserted")}
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (event_type, hour, user_id, country, platform) DO UPDATE
    SET events = h.events + EXCLUDED.events,
        amounts = h.amounts + EXCLUDED.amounts,
        amount_cents = CASE WHEN EXCLUDED.amounts = 0 THEN h.amount_cents
                            ELSE coalesce(h.amount_cents, 0) + EXCLUDED.amount_cents END;
"""  # noqa: S608 - built from this module's constants only

_MATCH = """
    h.event_type = gone.event_type AND h.hour = gone.hour AND h.user_id = gone.user_id
    AND h.country IS NOT DISTINCT FROM gone.country
    AND h.platform IS NOT DISTINCT FROM gone.platform
"""

_REMOVE = f"""
    DELETE FROM event_hours AS h
    USING ({_GROUPED.format(source="removed")}) AS gone ({COLUMNS})
    WHERE {_MATCH} AND h.events = gone.events;
    UPDATE event_hours AS h
    SET events = h.events - gone.events,
        amounts = h.amounts - gone.amounts,
        amount_cents = CASE WHEN h.amounts = gone.amounts THEN NULL
                            ELSE h.amount_cents - coalesce(gone.amount_cents, 0) END
    FROM ({_GROUPED.format(source="removed")}) AS gone ({COLUMNS})
    WHERE {_MATCH};
"""  # noqa: S608 - built from this module's constants only
"""An hour whose every event is removed goes; the others are reduced (the UPDATE no
longer finds the deleted ones)."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE TABLE event_hours (
            event_type varchar(200) NOT NULL,
            hour timestamptz NOT NULL,
            user_id varchar(128) NOT NULL,
            country text,
            platform text,
            events bigint NOT NULL,
            amounts bigint NOT NULL,
            amount_cents bigint,
            CONSTRAINT uq_event_hours UNIQUE NULLS NOT DISTINCT
                (event_type, hour, user_id, country, platform)
        )
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION event_hours_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_ADD} RETURN NULL; END $$;
        CREATE FUNCTION event_hours_remove() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_REMOVE} RETURN NULL; END $$;
        CREATE FUNCTION event_hours_replace() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_REMOVE} {_ADD} RETURN NULL; END $$;
        CREATE FUNCTION event_hours_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN TRUNCATE event_hours; RETURN NULL; END $$;
        CREATE TRIGGER event_hours_insert AFTER INSERT ON user_events
            REFERENCING NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION event_hours_add();
        CREATE TRIGGER event_hours_delete AFTER DELETE ON user_events
            REFERENCING OLD TABLE AS removed
            FOR EACH STATEMENT EXECUTE FUNCTION event_hours_remove();
        CREATE TRIGGER event_hours_update AFTER UPDATE ON user_events
            REFERENCING OLD TABLE AS removed NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION event_hours_replace();
        CREATE TRIGGER event_hours_truncate AFTER TRUNCATE ON user_events
            FOR EACH STATEMENT EXECUTE FUNCTION event_hours_clear();
        """
    )
    op.execute(f"INSERT INTO event_hours ({COLUMNS}) {_GROUPED.format(source='user_events')}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        DROP TRIGGER event_hours_insert ON user_events;
        DROP TRIGGER event_hours_delete ON user_events;
        DROP TRIGGER event_hours_update ON user_events;
        DROP TRIGGER event_hours_truncate ON user_events;
        DROP FUNCTION event_hours_add(), event_hours_remove(), event_hours_replace(),
            event_hours_clear();
        DROP TABLE event_hours;
        """
    )

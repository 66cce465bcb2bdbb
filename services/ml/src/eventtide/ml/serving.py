"""The serving pieces the long-running ML verbs share with their steps: wait for a first
production model, and turn committed rows into their topic's records (the wiring around
the loop is :mod:`eventtide.ml.loop_wiring`)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine

from eventtide.core.kafka.codec import Headers, WireMessage
from eventtide.core.signals import StopFlag
from eventtide.core.transactional.outbox_rows import OutRecord
from eventtide.ml.scorer import NoProductionModelError

M = TypeVar("M")

Row = dict[str, Any]


def first_model(
    engine: Engine,
    name: str,
    loader: Callable[[Connection, str], M],
    interval_s: float,
    stop: StopFlag,
) -> M | None:
    """The production model of ``name``, waiting for one to be promoted if there is none.

    A fresh install (or `make run`) has no trained model: exiting would crash-loop the
    Deployment, so the service waits, checking every ``interval_s`` and saying so once a
    minute. A tampered artefact is not waited out: the loader's refusal propagates.
    ``None`` when stopped while waiting.
    """
    said_at = -math.inf
    while not stop.stopped:
        try:
            with engine.connect() as conn:
                return loader(conn, name)
        except NoProductionModelError as error:
            if time.monotonic() - said_at >= 60:
                print(f"waiting for a production model: {error}", file=sys.stderr)
                said_at = time.monotonic()
        deadline = time.monotonic() + interval_s
        while not stop.stopped and time.monotonic() < deadline:
            time.sleep(0.2)
    return None


def row_records(
    topic: str, record_type: str, key: Callable[[Row], str]
) -> Callable[[list[Row]], list[OutRecord]]:
    """Rows as JSON records of ``record_type`` for ``topic``, keyed by ``key(row)``.

    The loop's outbox stores them in the rows' own transaction and sends them after it,
    so every committed row reaches the topic at least once, also when the process is
    killed between the commit and the broker's acknowledgements (the next owner of the
    partitions sends the leftovers again). A row can arrive twice; it keeps its id, so
    readers drop (or keep the latest of) repeats.
    """
    tag = record_type.encode()
    header: Headers = [("record_type", tag)]

    def records(rows: list[Row]) -> list[OutRecord]:
        return [
            OutRecord(topic, WireMessage(record_type, key(row).encode(), orjson.dumps(row), header))
            for row in rows
        ]

    return records

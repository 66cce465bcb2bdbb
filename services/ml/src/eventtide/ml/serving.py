"""The serving pieces the long-running ML verbs share with their steps: wait for a first
production model, and send committed rows to their topic (the wiring around the loop
is :mod:`eventtide.ml.loop_wiring`)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine

from eventtide.core.kafka import EventProducer
from eventtide.core.kafka.codec import WireMessage
from eventtide.core.signals import StopFlag
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


def publisher(
    producer: EventProducer, record_type: str, key: Callable[[Row], str]
) -> Callable[[list[Row]], None]:
    """Send committed rows as JSON records of ``record_type``, keyed by ``key(row)``.

    A row is sent after its transaction commits, so the table is always complete but
    the topic is not: rows of a batch committed just before the process is killed, and
    not yet acknowledged by the broker, never reach it (the restart resumes after that
    batch). Readers that must see every row read the table; a row sent twice (a
    producer retry) keeps its id, so readers drop (or keep the latest of) repeats.
    """
    tag = record_type.encode()

    def publish(rows: list[Row]) -> None:
        for row in rows:
            producer.send_message(
                WireMessage(
                    record_type, key(row).encode(), orjson.dumps(row), [("record_type", tag)]
                )
            )

    return publish

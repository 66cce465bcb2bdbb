"""Defaults that more than one package needs, each written once here. Pure, no imports.

Why a module of constants: the topic names, the consumer group and the clock rule are
read by core's Settings, the consumer's, the dev stack's ``run`` and the event clock;
the Pipeline CRD (YAML) cannot import them, so ``operator/tests/test_crd.py`` checks
its topic default against :data:`EVENTS_TOPIC`.
"""

from __future__ import annotations

from typing import Final

EVENTS_TOPIC: Final = "events.v1"
"""The events topic (``EVENTTIDE_EVENTS_TOPIC``)."""

DLQ_TOPIC: Final = "events.dlq.v1"
"""The dead-letter topic (``EVENTTIDE_DLQ_TOPIC``)."""

CONSUMER_GROUP: Final = "eventtide-consumer"
"""The consumer group outside a Pipeline (``EVENTTIDE_CONSUMER_GROUP``); the operator
names a Pipeline's group after the Pipeline instead."""

MAX_CLOCK_SKEW_S: Final = 300.0
"""How far ``occurred_at`` may be ahead of now (``EVENTTIDE_MAX_CLOCK_SKEW_S``)."""

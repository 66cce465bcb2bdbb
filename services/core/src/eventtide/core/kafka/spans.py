"""Spans for Kafka hops, after the OpenTelemetry messaging semantic conventions.

``opentelemetry-instrumentation-confluent-kafka`` names its spans ``"<topic> send"``,
emits pre-1.24 attribute names and keeps a consumer span open until the next poll,
which is wrong for a batch loop; this module does the two things we need instead:

- a PRODUCER span ``send <topic>`` per produced batch, whose context replaces the
  ``traceparent`` header of every message in it;
- a CONSUMER span ``process <topic>`` per consumed batch with a *link* to each
  message's producer context (a batch has many parents; it links, it does not choose).

Everything checks :func:`~eventtide.core.telemetry.tracing_enabled` first, so with
tracing off no header is parsed and no span object is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, TraceFlags

from eventtide.core.kafka.codec import HEADER_TRACEPARENT, WireMessage
from eventtide.core.telemetry import tracing_enabled

TRACER_NAME: Final = "eventtide.kafka"
MAX_LINKS: Final = 128
"""The SDK's default link limit per span (``OTEL_SPAN_LINK_COUNT_LIMIT``): parsing more
headers than the span can keep would be wasted work on a large batch."""


def messaging_attributes(
    operation: str, topic: str, count: int, group: str | None = None
) -> dict[str, Any]:
    """The semantic-convention attributes of a batch operation on ``topic``."""
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "messaging.operation.name": operation,
        "messaging.destination.name": topic,
        "messaging.batch.message_count": count,
    }
    if group is not None:
        attributes["messaging.consumer.group.name"] = group
    return attributes


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None when none is valid."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def with_traceparent(message: WireMessage, traceparent: str) -> WireMessage:
    """``message`` with its ``traceparent`` header replaced (pure)."""
    headers = [(k, v) for k, v in message.headers if k != HEADER_TRACEPARENT]
    headers.append((HEADER_TRACEPARENT, traceparent.encode()))
    return message._replace(headers=headers)


@contextmanager
def send_span(topic: str, messages: Sequence[WireMessage]) -> Iterator[Sequence[WireMessage]]:
    """A PRODUCER span around sending ``messages``; yields them carrying its context."""
    if not tracing_enabled() or not messages:
        yield messages
        return
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        f"send {topic}",
        kind=SpanKind.PRODUCER,
        attributes=messaging_attributes("send", topic, len(messages)),
    ):
        parent = current_traceparent()
        yield messages if parent is None else [with_traceparent(m, parent) for m in messages]


def parse_traceparent(value: str | bytes | None) -> SpanContext | None:
    """A remote span context from a version-00 ``traceparent``, or None if malformed."""
    if value is None:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    parts = text.strip().split("-")
    if len(parts) != 4 or parts[0] != "00" or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    try:
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
    except ValueError:
        return None
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(flags))


def producer_links(headers: Iterable[Any], limit: int = MAX_LINKS) -> list[Link]:
    """Links to the distinct producer contexts in messages' headers, at most ``limit``.

    ``headers`` holds each message's header list (or None), as ``Message.headers()``
    returns it.
    """
    links: list[Link] = []
    seen: set[tuple[int, int]] = set()
    for message_headers in headers:
        for key, value in message_headers or ():
            if key != HEADER_TRACEPARENT:
                continue
            context = parse_traceparent(value)
            if context is not None and (context.trace_id, context.span_id) not in seen:
                seen.add((context.trace_id, context.span_id))
                links.append(Link(context))
            break
        if len(links) >= limit:
            break
    return links


def process_span(topic: str, group: str, messages: Sequence[Any]) -> Span | None:
    """A started CONSUMER span ``process <topic>`` linked to the batch's producers.

    Not made current: the batch is written on another thread, which makes it current
    there (``trace.use_span``) so the database spans become its children.
    """
    if not tracing_enabled():
        return None
    tracer = trace.get_tracer(TRACER_NAME)
    attributes = messaging_attributes("process", topic, len(messages), group)
    partitions = {m.partition() for m in messages}
    if len(partitions) == 1:
        attributes["messaging.destination.partition.id"] = str(partitions.pop())
    return tracer.start_span(
        f"process {topic}",
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        links=producer_links(m.headers() for m in messages),
    )

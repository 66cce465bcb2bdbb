"""All Kafka I/O: the wire format, trace headers, producing and delivery reports."""

from typing import TYPE_CHECKING

from eventtide.core._lazy import lazy_exports

if TYPE_CHECKING:
    from eventtide.core.kafka.codec import (
        HEADER_EVENT_TYPE,
        HEADER_SCHEMA_VERSION,
        HEADER_TRACEPARENT,
        WireMessage,
        decode,
        encode,
        encode_data,
        encode_value,
        header,
    )
    from eventtide.core.kafka.config import ProducerTuning, producer_config
    from eventtide.core.kafka.delivery import DeliveryStats
    from eventtide.core.kafka.latency import LatencyHistogram
    from eventtide.core.kafka.producer import EventProducer
    from eventtide.core.kafka.tracecontext import trace_id_of, traceparent_for

_EXPORTS = {
    "HEADER_EVENT_TYPE": "eventtide.core.kafka.codec",
    "HEADER_SCHEMA_VERSION": "eventtide.core.kafka.codec",
    "HEADER_TRACEPARENT": "eventtide.core.kafka.codec",
    "WireMessage": "eventtide.core.kafka.codec",
    "decode": "eventtide.core.kafka.codec",
    "encode": "eventtide.core.kafka.codec",
    "encode_data": "eventtide.core.kafka.codec",
    "encode_value": "eventtide.core.kafka.codec",
    "header": "eventtide.core.kafka.codec",
    "ProducerTuning": "eventtide.core.kafka.config",
    "producer_config": "eventtide.core.kafka.config",
    "DeliveryStats": "eventtide.core.kafka.delivery",
    "LatencyHistogram": "eventtide.core.kafka.latency",
    "EventProducer": "eventtide.core.kafka.producer",
    "trace_id_of": "eventtide.core.kafka.tracecontext",
    "traceparent_for": "eventtide.core.kafka.tracecontext",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "HEADER_EVENT_TYPE",
    "HEADER_SCHEMA_VERSION",
    "HEADER_TRACEPARENT",
    "DeliveryStats",
    "EventProducer",
    "LatencyHistogram",
    "ProducerTuning",
    "WireMessage",
    "decode",
    "encode",
    "encode_data",
    "encode_value",
    "header",
    "producer_config",
    "trace_id_of",
    "traceparent_for",
]

"""All Kafka I/O: the wire format, trace headers, producing and delivery reports."""

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

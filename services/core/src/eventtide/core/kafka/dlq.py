"""The dead-letter topic's message format: the raw input plus headers saying why.

Headers carry the error class, message, rule and field and the original topic,
partition and offset, so ``kcat`` or any Kafka UI shows why a message was refused
without a database at hand. Pure: building the message does no I/O.
"""

from __future__ import annotations

from typing import Final

from eventtide.core.kafka.codec import Headers, WireMessage

HEADER_ERROR_CLASS: Final = "error_class"
HEADER_ERROR_MESSAGE: Final = "error_message"
HEADER_ERROR_RULE: Final = "error_rule"
HEADER_ERROR_FIELD: Final = "error_field"
HEADER_ORIGINAL_TOPIC: Final = "original_topic"
HEADER_ORIGINAL_PARTITION: Final = "original_partition"
HEADER_ORIGINAL_OFFSET: Final = "original_offset"
DEAD_LETTER_TYPE: Final = "dead_letter"
"""The ``event_type`` under which delivery reports count dead letters."""


def dead_letter_message(
    *,
    key: bytes | None,
    payload: bytes | None,
    error_class: str,
    error_message: str,
    rule: str,
    field: str,
    topic: str,
    partition: int,
    offset: int,
) -> WireMessage:
    """The message for ``events.dlq.v1``: same key and bytes, reasons in the headers."""
    headers: Headers = [
        (HEADER_ERROR_CLASS, error_class.encode()),
        (HEADER_ERROR_MESSAGE, error_message.encode(errors="replace")[:4096]),
        (HEADER_ERROR_RULE, rule.encode()),
        (HEADER_ERROR_FIELD, field.encode(errors="replace")[:1024]),
        (HEADER_ORIGINAL_TOPIC, topic.encode()),
        (HEADER_ORIGINAL_PARTITION, str(partition).encode()),
        (HEADER_ORIGINAL_OFFSET, str(offset).encode()),
    ]
    return WireMessage(DEAD_LETTER_TYPE, key or b"", payload or b"", headers)

"""Structured JSON log lines that carry the active trace and span ids.

One object per line (time, level, logger, message, service, and ``trace_id``/``span_id``
when a span is active) is what log pipelines parse without a grok pattern, and the ids
let an SRE jump from a log line to its trace.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from opentelemetry import trace


def span_ids() -> dict[str, str]:
    """The current span's ids in W3C hex, or nothing when no valid span is active."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


def log_record(record: logging.LogRecord, service: str) -> dict[str, Any]:
    """The JSON object of one record (pure apart from the current span)."""
    line: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
        "service": service,
        **span_ids(),
    }
    if record.exc_info:
        line["exception"] = logging.Formatter().formatException(record.exc_info)
    return line


class JsonFormatter(logging.Formatter):
    """Formats every record as one JSON line (see :func:`log_record`)."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON."""
        return orjson.dumps(log_record(record, self.service), default=str).decode()


def configure_logging(service: str, *, json: bool = True, level: int = logging.INFO) -> None:
    """Root logging to stderr, JSON by default (a no-op if the host configured logging)."""
    handler = logging.StreamHandler()
    if json:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])

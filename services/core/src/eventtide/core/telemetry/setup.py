"""The one start-up call: logging, tracing (when configured), metrics endpoint."""

from __future__ import annotations

import logging
import os

from eventtide.core.telemetry.logs import configure_logging
from eventtide.core.telemetry.settings import TelemetrySettings

_state: dict[str, bool | str] = {"tracing": False, "component": ""}

log = logging.getLogger("eventtide.telemetry")


def tracing_enabled() -> bool:
    """True once :func:`setup` installed a recording tracer provider in this process.

    Hot paths test this before building links or span attributes, which is what keeps
    tracing-off nearly free: the API's no-op tracer alone would still cost a call per span.
    """
    return bool(_state["tracing"])


def component_name(default: str = "consumer") -> str:
    """The component :func:`setup` was called for (``default`` before, as in tests)."""
    return str(_state["component"]) or default


def setup(component: str, *, metrics_port: int = 0, logs: bool = True) -> TelemetrySettings:
    """Configure ``component``'s logging, tracing and metrics endpoint; returns the settings.

    ``OTEL_SERVICE_NAME`` defaults to the component name (one name per component
    everywhere). ``logs=False`` leaves stderr to the command (the producer's progress bar).
    """
    os.environ.setdefault("OTEL_SERVICE_NAME", component)
    _state["component"] = component
    settings = TelemetrySettings()
    if logs:
        configure_logging(
            settings.otel_service_name or component, json=settings.eventtide_log_format == "json"
        )
    if settings.tracing and not _state["tracing"]:
        from eventtide.core.telemetry.tracing import install_tracer_provider

        install_tracer_provider()
        _state["tracing"] = True
        log.info("tracing to %s", settings.otel_exporter_otlp_traces_endpoint
                 or settings.otel_exporter_otlp_endpoint)  # fmt: skip
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port)
    return settings

"""Telemetry set-up shared by every service: JSON logs, tracing, metrics endpoint.

Importing this package loads nothing heavy; :func:`setup` imports the OpenTelemetry SDK
only when tracing is switched on by the standard ``OTEL_*`` variables, so a service
without a collector pays for no exporter thread and no span objects.
"""

from __future__ import annotations

from eventtide.core.telemetry.setup import component_name, setup, tracing_enabled

__all__ = ["component_name", "setup", "tracing_enabled"]

"""The tracer provider: OTLP/HTTP export in batches, sampler and resource from ``OTEL_*``.

Imported only when tracing is on. The SDK reads ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER(_ARG)`` and ``OTEL_BSP_*`` itself;
the default sampler is ``parentbased_always_on``.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def install_tracer_provider() -> TracerProvider:
    """Set the global provider; it flushes its spans at interpreter exit."""
    provider = TracerProvider(resource=Resource.create())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def instrument_engine(engine: Any) -> None:
    """Database spans for every statement of ``engine`` (SQLAlchemy instrumentation).

    Per engine rather than the instrumentor's global ``create_engine`` patch: the patch
    misses modules that imported ``create_engine`` before start-up ran, and an
    instrumentor instruments once per process while a service may open several engines.
    """
    from opentelemetry import metrics
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__

    name = "opentelemetry.instrumentation.sqlalchemy"
    usage = metrics.get_meter(name, __version__).create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    EngineTracer(trace.get_tracer(name, __version__), engine, usage)  # type: ignore[no-untyped-call]

"""The standard ``OTEL_*`` variables that decide whether tracing is on.

Only the switch is read here; the SDK reads the rest itself (sampler, batch sizes,
headers, timeouts), so every standard variable works as OpenTelemetry documents it.
"""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class TelemetrySettings(BaseSettings):
    """Tracing is on when an OTLP endpoint is given and the SDK is not disabled."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    otel_service_name: str | None = None
    otel_exporter_otlp_endpoint: str | None = None
    otel_exporter_otlp_traces_endpoint: str | None = None
    otel_traces_exporter: str = "otlp"
    otel_sdk_disabled: bool = False
    eventtide_log_format: Literal["json", "text"] = "json"

    @property
    def tracing(self) -> bool:
        """True when spans should be recorded and exported over OTLP/HTTP."""
        endpoint = self.otel_exporter_otlp_traces_endpoint or self.otel_exporter_otlp_endpoint
        return bool(endpoint) and not self.otel_sdk_disabled and self.otel_traces_exporter != "none"

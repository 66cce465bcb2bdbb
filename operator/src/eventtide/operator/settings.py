"""The environment the operator reads, in one pydantic-settings class.

Why so little: everything about a Pipeline comes from its spec, not the environment;
only the way to the API server outside a Pod is configured here (in a Pod the service
account's credentials are used). Listed with its default in docs/configuration.md.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OperatorSettings(BaseSettings):
    """``KUBECONFIG`` outside a cluster; read at connect time, when the operator starts."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kubeconfig: str = Field(default="", alias="KUBECONFIG")
    """The kubeconfig file; ``~/.kube/config`` when empty."""
    metrics_port: int = Field(default=9464, alias="EVENTTIDE_OPERATOR_METRICS_PORT", ge=0)
    """Where Prometheus scrapes the operator's metrics (0 turns the endpoint off)."""

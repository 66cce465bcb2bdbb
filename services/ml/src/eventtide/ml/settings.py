"""The ML scorer's settings, read once from the environment (``EVENTTIDE_ML_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from eventtide.core.transactional.settings import LoopSettings


class MlSettings(LoopSettings):
    """Group membership, batch bounds, topics and the model the scorer serves.

    The scorer reads ``features.v1`` in its own group and stores predictions with the
    group's offsets in one transaction, like every service on the batch loop.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_ML_", extra="ignore")

    group_id: str = "eventtide-ml"
    instance_id: str | None = Field(default=None, description="Static membership id")
    client_id: str = "eventtide-ml"
    features_topic: str = "features.v1"
    predictions_topic: str = "predictions.v1"
    topics_enabled: bool = Field(default=True, description="Produce predictions.v1")
    model_name: str = "churn_online"
    reload_interval_s: float = Field(
        default=10.0, gt=0, description="How often the production model's version is checked"
    )
    batch_max_ms: float = Field(default=100.0, ge=0)
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")


class DetectSettings(LoopSettings):
    """The metric detector (``eventtide ml detect``): its group, topics and model.

    It reads the processor's ``windows.v1`` in its own group and must run as one member:
    a series' trailing windows and open incident live in one state document, so two
    members would each see only part of the windows.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_ML_DETECT_", extra="ignore")

    group_id: str = "eventtide-ml-detect"
    client_id: str = "eventtide-ml-detect"
    windows_topic: str = "windows.v1"
    alerts_topic: str = "alerts.v1"
    topics_enabled: bool = Field(default=True, description="Produce alerts.v1")
    model_name: str = "anomaly"
    reload_interval_s: float = Field(
        default=10.0, gt=0, description="How often the production model's version is checked"
    )
    settle_windows: int = Field(
        default=1, ge=0, description="Windows every source partition must be past a window"
    )
    stale_windows: int = Field(
        default=12, ge=1, description="A source partition this far behind is left out (idle)"
    )
    batch_max_ms: float = Field(default=500.0, ge=0)
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")


class BehaveSettings(LoopSettings):
    """The live behaviour detector (``eventtide ml behave``): its group, topics and model.

    It reads ``events.v1`` in its own group. Its state is kept per partition (a user's
    events are in one partition), so members may share the partitions like the
    consumer's; the default runs one.
    """

    model_config = SettingsConfigDict(env_prefix="EVENTTIDE_ML_BEHAVE_", extra="ignore")

    group_id: str = "eventtide-ml-behave"
    client_id: str = "eventtide-ml-behave"
    events_topic: str | None = Field(
        default=None, description="Default: EVENTTIDE_EVENTS_TOPIC (events.v1)"
    )
    alerts_topic: str = "alerts.v1"
    topics_enabled: bool = Field(default=True, description="Produce alerts.v1")
    model_name: str = "behaviour"
    reload_interval_s: float = Field(
        default=10.0, gt=0, description="How often the production model's version is checked"
    )
    allowed_lateness_s: float = Field(
        default=10.0,
        ge=0,
        description="A user-window closes when its partition's newest event time is this "
        "far past its end (the processor's default lateness)",
    )
    hop_s: float = Field(
        default=3_600.0,
        gt=0,
        description="How often each active user's trailing window of the model's length is "
        "judged (event time); must divide the model's window, and a model window of one "
        "hop gives tumbling windows",
    )
    batch_max_ms: float = Field(default=500.0, ge=0)
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    metrics_port: int = Field(default=0, ge=0, le=65_535, description="0 disables the endpoint")

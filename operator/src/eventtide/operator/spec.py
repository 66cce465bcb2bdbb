"""The Pipeline spec as typed values, read from the defaulted dictionary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from eventtide.operator.crd import defaulted_spec
from eventtide.operator.lag import OffsetReset
from eventtide.operator.policy import ScalingConfig

STRIMZI_PLAIN_PORT = 9092


@dataclass(frozen=True)
class PipelineSpec:
    """Everything the builders and the policy need from one Pipeline."""

    name: str
    namespace: str
    raw: dict[str, Any]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> PipelineSpec:
        """From a Pipeline object (``metadata`` and ``spec``)."""
        meta = body.get("metadata", {})
        return cls(
            name=str(meta["name"]),
            namespace=str(meta.get("namespace", "default")),
            raw=defaulted_spec(body.get("spec")),
        )

    @property
    def consumer(self) -> dict[str, Any]:
        """``spec.consumer``."""
        return cast(dict[str, Any], self.raw["consumer"])

    @property
    def topic(self) -> str:
        """The topic name."""
        return str(self.raw["topic"]["name"])

    @property
    def partitions(self) -> int:
        """The topic's partition count."""
        return int(self.raw["topic"]["partitions"])

    @property
    def replication(self) -> int:
        """The topic's replication factor."""
        return int(self.raw["topic"]["replicas"])

    @property
    def strimzi_cluster(self) -> str:
        """The Strimzi Kafka cluster's name, or ``""``."""
        return str(self.raw["kafka"]["strimziCluster"])

    @property
    def bootstrap_servers(self) -> str:
        """Given bootstrap servers, or the Strimzi cluster's plain listener service."""
        if self.strimzi_cluster:
            host = f"{self.strimzi_cluster}-kafka-bootstrap.{self.namespace}.svc"
            return f"{host}:{STRIMZI_PLAIN_PORT}"
        return str(self.raw["kafka"]["bootstrapServers"])

    @property
    def group_id(self) -> str:
        """The consumer group; by default named after the Pipeline."""
        return str(self.consumer["groupId"]) or f"eventtide-{self.name}"

    @property
    def poll_interval_s(self) -> float:
        """Seconds between lag readings."""
        return float(self.consumer["pollIntervalSeconds"])

    @property
    def mode(self) -> Literal["enforce", "dryRun"]:
        """Whether decisions are applied."""
        return "dryRun" if self.consumer["mode"] == "dryRun" else "enforce"

    @property
    def kafka(self) -> dict[str, Any]:
        """``spec.kafka``: where Kafka is and how every child logs in."""
        return cast(dict[str, Any], self.raw["kafka"])

    @property
    def processor(self) -> dict[str, Any]:
        """``spec.processor``."""
        return cast(dict[str, Any], self.raw["processor"])

    @property
    def ml(self) -> dict[str, Any]:
        """``spec.ml``."""
        return cast(dict[str, Any], self.raw["ml"])

    @property
    def processor_enabled(self) -> bool:
        """Whether the Pipeline runs a processor."""
        return bool(self.processor["enabled"])

    @property
    def ml_enabled(self) -> bool:
        """Whether the Pipeline runs the ML scorer (only next to a processor)."""
        return bool(self.ml["enabled"]) and self.processor_enabled

    @property
    def ml_detect_enabled(self) -> bool:
        """Whether the Pipeline runs the metric detector (with the scorer, on its windows)."""
        return self.ml_enabled and bool(self.ml["detect"]["enabled"])

    @property
    def ml_behave_enabled(self) -> bool:
        """Whether the Pipeline runs the behaviour detector (with the scorer, on its topic)."""
        return self.ml_enabled and bool(self.ml["behave"]["enabled"])

    @property
    def processor_group_id(self) -> str:
        """The processor's own group, so it and the consumer advance independently."""
        return str(self.processor["groupId"]) or f"eventtide-{self.name}-processor"

    @property
    def ml_group_id(self) -> str:
        """The scorer's group on the features topic."""
        return str(self.ml["groupId"]) or f"eventtide-{self.name}-ml"

    @property
    def ml_detect_group_id(self) -> str:
        """The detector's group on the processor's windows topic."""
        return str(self.ml["detect"]["groupId"]) or f"eventtide-{self.name}-ml-detect"

    @property
    def ml_behave_group_id(self) -> str:
        """The behaviour detector's group on the Pipeline's topic."""
        return str(self.ml["behave"]["groupId"]) or f"eventtide-{self.name}-ml-behave"

    @property
    def load_generator(self) -> dict[str, Any]:
        """``spec.loadGenerator``."""
        return cast(dict[str, Any], self.raw["loadGenerator"])

    @property
    def database(self) -> dict[str, Any]:
        """``spec.database``."""
        return cast(dict[str, Any], self.raw["database"])

    def scaling(self, workload: Literal["consumer", "processor"] = "consumer") -> ScalingConfig:
        """The policy's configuration for the consumer or the processor.

        The processor shares the consumer's policy and tuning (stabilization windows,
        drain target, stuck detection, alignment, offset reset, mode) with its own
        bounds and lag threshold: one scaling behaviour to learn, two groups it reads.
        """
        c = self.consumer
        bounds = self.processor if workload == "processor" else c
        return ScalingConfig(
            partitions=self.partitions,
            min_replicas=int(bounds["minReplicas"]),
            max_replicas=int(bounds["maxReplicas"]),
            lag_threshold=int(bounds["lagThreshold"]),
            activation_lag=int(c["activationLag"]),
            dwell_s=float(c["scaleUpStabilizationSeconds"]),
            scale_down_window_s=float(c["scaleDownStabilizationSeconds"]),
            drain_target_s=float(c["drainTargetSeconds"]),
            stuck_after_s=float(c["stuckAfterSeconds"]),
            partition_aligned=bool(c["partitionAligned"]),
            scale_to_zero=workload == "consumer" and bool(c["scaleToZero"]),
            allow_idle_consumers=workload == "consumer" and bool(c["allowIdleConsumers"]),
            offset_reset=cast(OffsetReset, c["offsetResetPolicy"]),
        )

"""Our policy as a simulator autoscaler: the operator's pure ``decide`` with its state."""

from __future__ import annotations

from dataclasses import dataclass, field

from eventtide.operator.policy import Observation, PolicyState, ScalingConfig, decide


@dataclass
class OurPolicy:
    """Holds the policy state between polls, as the operator's memo does."""

    config: ScalingConfig
    state: PolicyState = field(default_factory=PolicyState)

    def __call__(self, observation: Observation) -> int:
        """The replicas the operator would set."""
        decision, self.state = decide(self.config, observation, self.state)
        return decision.desired

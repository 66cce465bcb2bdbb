"""Simulated users, sessions, funnels and anomalies, with the ground truth kept."""

from eventtide.producer.generator.ground_truth import Anomaly, GroundTruth
from eventtide.producer.generator.personas import DEFAULT_PERSONAS, Persona
from eventtide.producer.generator.simulation import GeneratorConfig, Simulation

__all__ = [
    "DEFAULT_PERSONAS",
    "Anomaly",
    "GeneratorConfig",
    "GroundTruth",
    "Persona",
    "Simulation",
]

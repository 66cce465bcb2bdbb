"""Simulated users, sessions, funnels, anomalies and incidents, with the ground truth kept."""

from eventtide.producer.generator.ground_truth import Anomaly, GroundTruth
from eventtide.producer.generator.incidents import IncidentSpec, parse_incident
from eventtide.producer.generator.malformed import Malformed
from eventtide.producer.generator.personas import DEFAULT_PERSONAS, Persona
from eventtide.producer.generator.simulation import GeneratorConfig, Simulation

__all__ = [
    "DEFAULT_PERSONAS",
    "Anomaly",
    "GeneratorConfig",
    "GroundTruth",
    "IncidentSpec",
    "Malformed",
    "Persona",
    "Simulation",
    "parse_incident",
]

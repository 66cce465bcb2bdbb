"""The chart's plain Prometheus rules file: its path, and its expressions read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml

RULES_FILE: Final = Path("charts/eventtide/rules/eventtide.rules.yaml")
"""Relative to the repository root."""


def load(path: Path) -> list[dict[str, Any]]:
    """Every rule (recording and alerting) of every group."""
    data = yaml.safe_load(path.read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def recorded(rules: list[dict[str, Any]]) -> set[str]:
    """The names of the recording rules."""
    return {rule["record"] for rule in rules if "record" in rule}


def alerts(rules: list[dict[str, Any]]) -> dict[str, str]:
    """Alert name to its expression."""
    return {rule["alert"]: rule["expr"] for rule in rules if "alert" in rule}


def as_recording_rules(exprs: list[str]) -> str:
    """A rules file recording each expression, so ``promtool check rules`` parses them.

    Debian's promtool 2.42 has no ``promql format``; a recording rule is the one place
    it parses an arbitrary expression.
    """
    rules = [{"record": f"eventtide:dashboard_query_{i}", "expr": e} for i, e in enumerate(exprs)]
    return yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, width=1000)

"""The consumer reads its settings from the environment, with the operator's names."""

from __future__ import annotations

import pytest

from eventtide.consumer.settings import ConsumerSettings

pytestmark = pytest.mark.unit


def test_defaults() -> None:
    settings = ConsumerSettings()
    assert settings.group_id == "eventtide-consumer"
    assert settings.bulk == "copy"
    assert (settings.batch_max_events, settings.batch_max_ms) == (5_000, 20.0)


def test_group_from_the_operators_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTTIDE_CONSUMER_GROUP", "pipeline-a")
    monkeypatch.setenv("EVENTTIDE_CONSUMER_INSTANCE_ID", "pod-3")
    monkeypatch.setenv("EVENTTIDE_CONSUMER_BULK", "insert")
    settings = ConsumerSettings()
    tuning = settings.tuning()
    assert (tuning.group_id, tuning.instance_id) == ("pipeline-a", "pod-3")
    assert settings.bulk == "insert"
    assert settings.tuning("override").group_id == "override"


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTTIDE_CONSUMER_BULK", "rowbyrow")
    with pytest.raises(ValueError, match="bulk"):
        ConsumerSettings()

"""The restricted job (one window family, one dimension, windows only) and its settings.

The benchmark runs it as the like-for-like peer of Quix Streams' job, so its results
must be exactly the full job's results for that window and dimension.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from pydantic import ValidationError

from eventtide.processor.config import MINUTE, SECOND, ProcessorConfig, WindowSpec
from eventtide.processor.job import PartitionJob, run
from eventtide.processor.model import Event
from eventtide.processor.settings import ProcessorSettings

pytestmark = pytest.mark.unit

T = 1_748_779_200_000_000  # 12:00:00Z
TYPES = ("page_view", "click", "search", "my_custom_event")


def stream(n: int = 600) -> list[tuple[int, Event]]:
    """Events over ten minutes, shuffled within the allowed lateness, with repeats."""
    rng = random.Random(3)  # noqa: S311 - test data
    events = [
        Event(f"e{i}", rng.choice(TYPES), f"u{rng.randrange(40)}", T + i * SECOND
              + rng.randrange(-5, 5) * SECOND, "/", "DE", "web")
        for i in range(n)
    ]  # fmt: skip
    events += events[::50]  # duplicates are dropped by both jobs
    return list(enumerate(events))


def finals(job: PartitionJob, window: str, dimension: str) -> dict[tuple[int, str], int]:
    out = run(job, [stream()[i : i + 97] for i in range(0, 700, 97)])
    return {
        (w.start, w.value): w.metrics.count
        for w in out.windows
        if w.final and w.window == window and w.dimension == dimension
    }


def test_windows_only_job_equals_the_full_job_on_its_window_and_dimension() -> None:
    full = ProcessorConfig()
    simple = dataclasses.replace(
        full,
        windows=(WindowSpec("tumbling_1m", MINUTE, MINUTE),),
        dimensions=("event_type",),
        windows_only=True,
    )
    expected = finals(PartitionJob(0, full), "tumbling_1m", "event_type")
    assert len(expected) > 20
    job = PartitionJob(0, simple)
    out = run(job, [stream()])
    assert {w.dimension for w in out.windows} == {"event_type"}
    assert out.sessions == out.alerts == out.features == out.attributions == []
    assert finals(PartitionJob(0, simple), "tumbling_1m", "event_type") == expected
    assert job.sessions == {}


def test_settings_build_the_restricted_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTTIDE_PROCESSOR_WINDOWS", '["tumbling_1m"]')
    monkeypatch.setenv("EVENTTIDE_PROCESSOR_DIMENSIONS", '["platform", "event_type"]')
    monkeypatch.setenv("EVENTTIDE_PROCESSOR_WINDOWS_ONLY", "true")
    config = ProcessorSettings().config()
    assert [spec.name for spec in config.windows] == ["tumbling_1m"]
    assert config.dimensions == ("event_type", "platform")  # the core's order
    assert config.windows_only


@pytest.mark.parametrize(
    ("name", "value"),
    [("WINDOWS", '["tumbling_2m"]'), ("DIMENSIONS", '["browser"]'), ("DIMENSIONS", "[]")],
)
def test_a_typo_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"EVENTTIDE_PROCESSOR_{name}", value)
    with pytest.raises(ValidationError, match="choose from"):
        ProcessorSettings()

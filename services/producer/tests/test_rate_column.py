"""The progress bar's rate column: events per second, a dash before any measurement."""

from __future__ import annotations

import pytest
from rich.progress import Progress

from eventtide.producer.rate_column import EventRateColumn

pytestmark = pytest.mark.unit


def test_rate_is_a_dash_until_measured_then_events_per_second() -> None:
    now = [100.0]
    column = EventRateColumn()
    progress = Progress(column, auto_refresh=False, get_time=lambda: now[0])
    task_id = progress.add_task("produce", total=None)
    assert column.render(progress.tasks[0]).plain == "- events/s"
    now[0] += 1.0
    progress.update(task_id, completed=10_000)  # the first sample only starts the clock
    assert column.render(progress.tasks[0]).plain == "- events/s"
    now[0] += 2.0
    progress.update(task_id, completed=35_000)
    assert column.render(progress.tasks[0]).plain == "12,500 events/s"

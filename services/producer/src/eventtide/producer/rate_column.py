"""A progress-bar column with the current send rate, in events per second.

Rich's own speed columns speak of bytes or iterations; people watching a producer
think in events/s, and a blank is clearer than ``0`` before the first measurement.
"""

from __future__ import annotations

from rich.progress import ProgressColumn, Task
from rich.text import Text


class EventRateColumn(ProgressColumn):
    """``12,345 events/s`` from the task's recent progress."""

    def render(self, task: Task) -> Text:
        """The rate Rich measured over its speed window, or a dash until it has one."""
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("- events/s", style="progress.data.speed")
        return Text(f"{speed:,.0f} events/s", style="progress.data.speed")

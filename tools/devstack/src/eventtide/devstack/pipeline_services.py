"""The services ``eventtide dev run`` starts, as data: one line per service.

Each is an ``eventtide`` subcommand run as a child process (services are run, never
imported). A line whose subcommand this installation lacks is skipped. The consumer runs
twice: on the events topic, and on the dead-letter topic, where it stores the letters
the API refused at the HTTP door (the events consumer writes its own with its batch).
The ML scorer, the metric detector and the behaviour detector wait for a first
production model (`eventtide ml train churn-online`, `eventtide ml train anomaly`,
`eventtide ml train behaviour`) before they read anything. Order
matters: the API first (the run waits for it to answer), the generator last, once
everything that reads the topics is up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from eventtide.core.defaults import CONSUMER_GROUP

PROCESSOR_GROUP: Final = "eventtide-processor"
DLQ_GROUP: Final = "eventtide-dlq"
"""The dead-letter consumer's group: it stores letters the API refused (docs/api.md)."""


@dataclass(frozen=True, slots=True)
class Service:
    """A child process: its name in logs and the view, and its ``eventtide`` arguments."""

    name: str
    command: str
    """The subcommand, as ``leaf_commands`` spells it (``"ml score"``)."""
    args: tuple[str, ...] = ()

    def argv(self, **values: str) -> list[str]:
        """The arguments after ``eventtide``, with ``{placeholders}`` filled in."""
        return [*self.command.split(), *(arg.format(**values) for arg in self.args)]


SERVICES: Final = (
    Service("api", "api serve", ("--host", "127.0.0.1", "--port", "{api_port}")),
    Service("consumer", "consume", ("--group", CONSUMER_GROUP, "--json")),
    Service("processor", "process", ("--group", PROCESSOR_GROUP, "--json")),
    Service("dead-letters", "consume", ("--topic", "{dlq_topic}", "--group", DLQ_GROUP, "--json")),
    Service("ml", "ml score"),
    Service("ml-detect", "ml detect"),
    Service("ml-behave", "ml behave"),
)
"""Everything downstream of the generator, in start order."""


def generator(*, rate: float, events: int | None) -> Service:
    """The event generator, paced at ``rate``; stops after ``events`` when given."""
    count = ("--events", str(events)) if events is not None else ()
    return Service("producer", "produce", ("--rate", str(rate), "--json", *count))


def installed(services: tuple[Service, ...], commands: list[str]) -> list[Service]:
    """The services whose subcommand exists here."""
    available = set(commands)
    return [service for service in services if service.command in available]

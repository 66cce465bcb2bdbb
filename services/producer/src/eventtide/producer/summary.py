"""The final summary a person reads after ``eventtide produce``."""

from __future__ import annotations

from rich.table import Table

from eventtide.producer.runner import RunReport


def summary_table(report: RunReport) -> Table:
    """Sent, failed, rejected, throughput and delivery latency as one small table."""
    table = Table(title="eventtide produce", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_row("sent (acknowledged)", f"{report.sent:,}")
    table.add_row("failed", f"{report.failed:,}")
    if report.unconfirmed:
        table.add_row("unconfirmed at exit", f"{report.unconfirmed:,}")
    table.add_row("rejected (invalid input)", f"{report.rejected:,}")
    if report.malformed:
        table.add_row("sent malformed on purpose", f"{report.malformed:,}")
    table.add_row("elapsed", f"{report.elapsed_s:.2f} s")
    table.add_row("events/s", f"{report.events_per_s:,.0f}")
    table.add_row("delivery latency p50", _ms(report.latency_p50_s))
    table.add_row("delivery latency p99", _ms(report.latency_p99_s))
    if report.stopped_by:
        table.add_row("stopped by", report.stopped_by)
    if report.kafka_error:
        table.add_row("Kafka refused", report.kafka_error, style="red")
    for error, count in sorted(report.errors.items()):
        table.add_row(f"error {error}", f"{count:,}")
    return table


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000.0:.1f} ms"

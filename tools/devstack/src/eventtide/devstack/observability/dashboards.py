"""The dashboards as plain data: titles, panels, PromQL. Pure; nothing is rendered here.

Queries select components by ``job``: Prometheus' PodMonitor/ServiceMonitor in the chart
set ``job`` from the ``app.kubernetes.io/component`` label, and the local e2e scrape
names its jobs the same way, so one query works in both places. Ratios use
``or vector(0)`` on their numerator so a quiet error counter reads as 0, not as no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Query:
    """One PromQL expression and its legend."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    """A time series (or stat) panel."""

    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: rows of panels, in order."""

    uid: str
    title: str
    description: str
    rows: tuple[tuple[str, tuple[Panel, ...]], ...] = field(default_factory=tuple)

    def queries(self) -> list[str]:
        """Every expression on the dashboard."""
        return [q.expr for _, panels in self.rows for p in panels for q in p.queries]


def q(expr: str, legend: str = "") -> Query:
    """Shorthand for a query."""
    return Query(expr, legend)


def quantiles(metric: str, by: str = "") -> tuple[Query, ...]:
    """p50/p95/p99 of a histogram, optionally per ``by`` label."""
    group = f"{by}, le" if by else "le"
    prefix = f"{{{{{by}}}}} " if by else ""
    return tuple(
        q(
            f"histogram_quantile({p}, sum by ({group}) (rate({metric}_bucket[5m])))",
            f"{prefix}p{int(p * 100)}",
        )
        for p in (0.5, 0.95, 0.99)
    )


API_5XX_RATIO = (
    '(sum(rate(eventtide_api_requests_total{status=~"5.."}[5m])) or vector(0))'
    " / sum(rate(eventtide_api_requests_total[5m]))"
)

OVERVIEW = Dashboard(
    "eventtide-overview",
    "eventtide / Overview",
    "Events in and stored per second, end-to-end latency, errors, components up.",
    (
        ("Flow", (
            Panel("Events in per second", (
                q("sum(rate(eventtide_api_events_accepted_total[5m]))", "API accepted"),
                q('sum(rate(eventtide_kafka_events_produced_total{job="producer"}[5m]))',
                  "generator produced"),
            ), "ops"),
            Panel("Events stored per second", (
                q("sum(rate(eventtide_consumer_events_stored_total[5m]))", "stored"),
            ), "ops"),
            Panel("End-to-end latency (received to stored)",
                  quantiles("eventtide_consumer_e2e_latency_seconds"), "s"),
        )),
        ("Errors", (
            Panel("Errors per second", (
                q('sum(rate(eventtide_api_requests_total{status=~"5.."}[5m]))', "API 5xx"),
                q("sum(rate(eventtide_consumer_dead_lettered_total[5m]))", "dead-lettered"),
                q("sum(rate(eventtide_kafka_produce_failures_total[5m]))", "produce failures"),
            ), "ops"),
            Panel("Components up", (
                q('up{job=~"api|producer|consumer|processor|ml|ml-detect|ml-behave|operator"}',
                  "{{job}} {{instance}}"),
            ), "short"),
        )),
    ),
)  # fmt: skip

INGESTION = Dashboard(
    "eventtide-ingestion",
    "eventtide / Ingestion API",
    "Requests by route and status, latency, events accepted and refused, SLO burn rates.",
    (
        ("Requests", (
            Panel("Requests per second by route and status", (
                q("sum by (route, status) (rate(eventtide_api_requests_total[5m]))",
                  "{{route}} {{status}}"),
            ), "reqps"),
            Panel("Latency by route", quantiles("eventtide_api_request_duration_seconds", "route"),
                  "s"),
            Panel("5xx ratio", (q(API_5XX_RATIO, "5xx ratio"),), "percentunit"),
        )),
        ("Events", (
            Panel("Events accepted and dead-lettered at the door", (
                q("sum(rate(eventtide_api_events_accepted_total[5m]))", "accepted"),
                q("sum(rate(eventtide_api_events_dead_lettered_total[5m]))", "dead-lettered"),
            ), "ops"),
            Panel("Rejections by kind", (
                q("sum by (kind) (rate(eventtide_events_rejected_total[5m]))", "{{kind}}"),
            ), "ops"),
            Panel("Kafka messages in flight", (
                q('sum(eventtide_kafka_producer_in_flight{job="api"})', "in flight"),
            ), "short"),
        )),
        ("SLO burn rate (1 = spending the budget exactly)", (
            Panel("Availability burn rate (SLO 99.9%)", (
                q("eventtide:api_error_ratio:rate5m / 0.001", "5m"),
                q("eventtide:api_error_ratio:rate1h / 0.001", "1h"),
                q("eventtide:api_error_ratio:rate6h / 0.001", "6h"),
            ), "short"),
            Panel("Latency burn rate (SLO 99% under 250 ms)", (
                q("eventtide:api_slow_ratio:rate5m / 0.01", "5m"),
                q("eventtide:api_slow_ratio:rate1h / 0.01", "1h"),
                q("eventtide:api_slow_ratio:rate6h / 0.01", "6h"),
            ), "short"),
        )),
    ),
)  # fmt: skip

CONSUMER = Dashboard(
    "eventtide-consumer",
    "eventtide / Consumer and lag",
    "Kafka to PostgreSQL: lag per partition, rows stored, batches, latency.",
    (
        ("Lag", (
            Panel("Lag per partition", (
                q("sum by (topic, partition) (eventtide_consumer_lag_messages)",
                  "{{topic}}/{{partition}}"),
            ), "short"),
            Panel("Total lag and consumers", (
                q("sum(eventtide_consumer_lag_messages)", "lag"),
                q('count(up{job="consumer"} == 1)', "consumers up"),
            ), "short"),
        )),
        ("Throughput", (
            Panel("Events per second", (
                q("sum(rate(eventtide_consumer_events_stored_total[5m]))", "stored"),
                q("sum(rate(eventtide_consumer_duplicates_skipped_total[5m]))", "duplicates"),
                q("sum(rate(eventtide_consumer_dead_lettered_total[5m]))", "dead-lettered"),
                q("sum(rate(eventtide_consumer_messages_consumed_total[5m]))", "consumed"),
            ), "ops"),
            Panel("Batches per second", (
                q("sum(rate(eventtide_consumer_batches_total[5m]))", "batches"),
            ), "ops"),
        )),
        ("Batches", (
            Panel("Batch size", quantiles("eventtide_consumer_batch_size_messages"), "short"),
            Panel("Batch duration (hand-over to commit)",
                  quantiles("eventtide_consumer_batch_duration_seconds"), "s"),
            Panel("End-to-end latency", quantiles("eventtide_consumer_e2e_latency_seconds"), "s"),
        )),
    ),
)  # fmt: skip

PROCESSOR = Dashboard(
    "eventtide-processor",
    "eventtide / Processor",
    "Windows, sessions and features: throughput, watermark delay, late events, batches.",
    (
        ("Progress", (
            Panel("Events per second", (
                q("sum(rate(eventtide_processor_events_total[5m]))", "accepted"),
                q("sum(rate(eventtide_processor_late_events_total[5m]))", "late"),
                q("sum(rate(eventtide_processor_duplicates_total[5m]))", "duplicates"),
            ), "ops"),
            Panel("Watermark delay", (
                q("max(eventtide_processor_watermark_delay_seconds)", "delay"),
            ), "s"),
            Panel("Lag per partition", (
                q("sum by (partition) (eventtide_processor_lag_messages)", "{{partition}}"),
            ), "short"),
        )),
        ("Batches", (
            Panel("Batch duration", quantiles("eventtide_processor_batch_duration_seconds"), "s"),
            Panel("Batch size", quantiles("eventtide_processor_batch_size_messages"), "short"),
            Panel("Output messages per second", (
                q('sum(rate(eventtide_kafka_events_produced_total{job="processor"}[5m]))',
                  "produced"),
            ), "ops"),
        )),
    ),
)  # fmt: skip

ML = Dashboard(
    "eventtide-ml",
    "eventtide / ML and alerts",
    "Online scoring: score distribution, rows scored; the anomaly detectors: windows judged, "
    "event time behind, incidents opened; pattern alerts raised; firing rules.",
    (
        ("Scorer", (
            Panel("Score quantiles by model", quantiles("eventtide_ml_scores", "model"),
                  "percentunit"),
            Panel("Rows scored per second", (
                q("sum by (model) (rate(eventtide_ml_scored_total[5m]))", "{{model}}"),
            ), "ops"),
            Panel("Seconds since last score", (
                q("time() - max by (model) (eventtide_ml_last_scored_timestamp_seconds)",
                  "{{model}}"),
            ), "s"),
            Panel("Scorer up", (q('up{job="ml"}', "{{instance}}"),), "short"),
            Panel("Model version in service", (
                q("max by (model) (eventtide_ml_model_version)", "{{model}}"),
            ), "short", description="The production version each ML service loaded; a "
                "promotion shows here once the services reload."),
        )),
        ("Anomaly detectors", (
            Panel("Windows judged per second", (
                q("sum by (detector) (rate(eventtide_ml_windows_judged_total[5m]))",
                  "{{detector}}"),
            ), "ops", description="metric: whole-stream windows (ml detect); behaviour: "
                "user-windows (ml behave)."),
            Panel("Event time judged, behind the clock", (
                q("time() - max by (detector) (eventtide_ml_judged_through_timestamp_seconds)",
                  "{{detector}}"),
            ), "s", description="A window is judged once complete, so a detector of hourly "
                "windows runs at least an hour behind; a line that keeps rising is a stall."),
            Panel("Incidents opened in the last hour", (
                q("sum by (detector, series) (increase(eventtide_ml_incidents_opened_total[1h]))",
                  "{{detector}} {{series}}"),
            ), "short", description="Each incident is an alert row (rules metric_anomaly and "
                "behaviour_anomaly), counted once when it opens."),
            Panel("Detectors up", (
                q('up{job=~"ml-detect|ml-behave"}', "{{job}} {{instance}}"),
            ), "short"),
        )),
        ("Alerts", (
            Panel("Alerts raised per second by rule", (
                q("sum by (rule, severity) (rate(eventtide_processor_alerts_total[5m]))",
                  "{{rule}} ({{severity}})"),
            ), "ops", description="The processor's pattern alerts, as /v1/alerts serves them."),
            Panel("Firing eventtide alert rules", (
                q('sum by (alertname, severity) (ALERTS{alertstate="firing", '
                  'alertname=~"Eventtide.*"})', "{{alertname}} ({{severity}})"),
            ), "short"),
        )),
    ),
)  # fmt: skip

OPERATOR = Dashboard(
    "eventtide-operator",
    "eventtide / Operator and scaling",
    "Per Pipeline: lag read by the operator, replicas found and wanted, decisions by rule.",
    (
        ("Scaling", (
            Panel("Lag the operator read", (
                q("sum by (namespace, pipeline) (eventtide_operator_lag_messages)",
                  "{{namespace}}/{{pipeline}}"),
            ), "short"),
            Panel("Replicas: current and desired", (
                q("sum by (pipeline) (eventtide_operator_current_replicas)",
                  "{{pipeline}} current"),
                q("sum by (pipeline) (eventtide_operator_desired_replicas)",
                  "{{pipeline}} desired"),
            ), "short"),
            Panel("Decisions by rule (15 min)", (
                q("sum by (rule, applied) "
                  "(increase(eventtide_operator_scaling_decisions_total[15m]))",
                  "{{rule}} applied={{applied}}"),
            ), "short"),
            Panel("Operator up", (q('up{job="operator"}', "{{instance}}"),), "short"),
        )),
    ),
)  # fmt: skip

DASHBOARDS: tuple[Dashboard, ...] = (OVERVIEW, INGESTION, CONSUMER, PROCESSOR, ML, OPERATOR)

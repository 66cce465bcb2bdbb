"""Dashboards, alert rules and the metric catalogue they are checked against.

Dashboards are specified here as plain data (:mod:`.dashboards`), rendered to Grafana
JSON with grafana-foundation-sdk (:mod:`.grafana`) into the chart, and linted against
the metric families the services register (:mod:`.catalog`). Alert rules live as a
plain Prometheus rules file in the chart (:mod:`.rules` reads it).
"""

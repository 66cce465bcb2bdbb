"""Received spans as indented trees, one per trace, links shown: what ``dev traces`` prints.

Pure: spans in, lines out. A span whose parent is not among the spans is a root; a
link is printed under the span that carries it, naming the linked span when known.
"""

from __future__ import annotations

from collections import defaultdict

from eventtide.devstack.observability.otlp import ReceivedSpan

SHOWN_ATTRIBUTES = (
    "http.route",
    "messaging.destination.name",
    "messaging.batch.message_count",
    "messaging.consumer.group.name",
    "db.operation.name",
    "db.statement",
)


def _label(span: ReceivedSpan) -> str:
    shown = [f"{k}={span.attributes[k]}" for k in SHOWN_ATTRIBUTES if k in span.attributes]
    detail = f"  ({', '.join(shown)})" if shown else ""
    return f"{span.service}: {span.name} [{span.kind}]{detail}"


def tree_lines(spans: list[ReceivedSpan]) -> list[str]:
    """Every trace in ``spans`` as indented lines, traces in order of first appearance."""
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    children: dict[tuple[str, str], list[ReceivedSpan]] = defaultdict(list)
    roots: list[ReceivedSpan] = []
    for span in spans:
        parent = (span.trace_id, span.parent_span_id)
        if span.parent_span_id and parent in by_id:
            children[parent].append(span)
        else:
            roots.append(span)
    lines: list[str] = []

    def walk(span: ReceivedSpan, depth: int) -> None:
        lines.append("  " * depth + _label(span))
        for trace_id, span_id in span.links:
            linked = by_id.get((trace_id, span_id))
            target = _label(linked) if linked else f"{trace_id}/{span_id}"
            lines.append("  " * (depth + 1) + f"~ linked to {target}")
        for child in children[(span.trace_id, span.span_id)]:
            walk(child, depth + 1)

    for root in roots:
        lines.append(f"trace {root.trace_id}")
        walk(root, 1)
    return lines

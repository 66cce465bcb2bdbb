// Trends, funnel, retention, lifecycle, stickiness and sessions: a form whose fields are the URL's query
// string, the API's answer for exactly those parameters, and a chart and table of it.

import { api, card, duration, fmt, h, query, queryForm, setFigure, showError, table, timeChart } from "./core.js";

/** The API query string for the page's own parameters (only those the route knows).
 * ``lists`` names fields whose comma-separated items become a repeated parameter;
 * ``filters`` names filter fields, whose items are separated by ";" (a filter's value
 * may hold a comma) and each become one repeated ``where``-style parameter. */
export function forward(q, names, lists = {}, filters = []) {
  const out = new URLSearchParams();
  for (const name of names) {
    const value = q.get(name);
    if (value) out.set(name, value);
  }
  const items = (source, separator) => (q.get(source) || "").split(separator).map((s) => s.trim()).filter(Boolean);
  for (const [name, source] of Object.entries(lists)) for (const part of items(source, ",")) out.append(name, part);
  for (const name of filters) for (const part of items(name, ";")) out.append(name, part);
  return out.toString();
}

/** Property math: a number's sum, average, extremes and percentiles per bucket. */
const MATHS = ["sum", "avg", "min", "max", "median", "p90", "p95", "p99"];
/** Count per user: the math of each user's number of events in a bucket. */
const PER_USER = ["avg", "min", "max", "median", "p90", "p95", "p99"].map((m) => `${m}_per_user`);

const COMPARE_TO = { name: "compare_to", label: "compare to", options: ["nothing", "the period before"], value: "nothing" };

export const FILTER = { name: "where", label: "filter", placeholder: "context.country=DE; properties.amount>=100", size: 26 };
/** PostHog's "match any" group: an event passes when one of these holds (and every FILTER item). */
export const FILTER_ANY = { name: "where_any", label: "and any of", placeholder: "context.country=DE; context.country=FR", size: 22 };

const STEP_S = { minute: 60, hour: 3600, day: 86400, week: 7 * 86400 };
const MAX_BUCKETS = 50000;

/** A bucket's wall time in the asked zone ("2026-12-04T09:00:00", no offset) as seconds,
 * read as if it were UTC: stepping by a fixed interval then never meets a DST jump, and
 * the chart labels it in UTC, which shows the zone's wall time again. */
const wallSeconds = (bucket) => Date.parse(`${bucket.slice(0, 19)}Z`) / 1000;

/** Every bucket from the first to the last with data. The API leaves out buckets without
 * events, whose count, unique users and amount are zero: charting only the ones it
 * returns would draw a line straight across a quiet night, so the gaps become zeros.
 * (Past MAX_BUCKETS, say minutes over months, only the returned buckets are drawn.) */
function bucketAxis(seconds, interval) {
  const seen = [...new Set(seconds)].sort((a, b) => a - b);
  if (!seen.length) return seen;
  const [first, last] = [seen[0], seen[seen.length - 1]];
  const all = [];
  if (interval === "month") { // months differ in length: step by the calendar
    for (let d = new Date(first * 1000); d.getTime() / 1000 <= last; d.setUTCMonth(d.getUTCMonth() + 1)) all.push(d.getTime() / 1000);
    return all;
  }
  const step = STEP_S[interval];
  if (!step || (last - first) / step + 1 > MAX_BUCKETS) return seen;
  for (let x = first; x <= last; x += step) all.push(x);
  return all;
}

export const RANGE = [
  { name: "since", label: "since (UTC)", placeholder: "2026-12-01T00:00:00Z", size: 20 },
  { name: "until", label: "until (UTC)", placeholder: "now", size: 20 },
];

export async function trends(view) {
  const q = query();
  view.append(h("h1", {}, "Trends"), queryForm([
    { name: "event_type", label: "event", value: "page_view" },
    { name: "metric", label: "metric", options: ["count", "unique_users", "weekly_active", "monthly_active", "amount_sum", ...MATHS, ...PER_USER], value: "count" },
    { name: "property", label: "of (for sum ... p99)", placeholder: "properties.price" },
    { name: "interval", label: "interval", options: ["minute", "hour", "day", "week", "month"], value: "day" },
    { name: "breakdown", label: "breakdown", placeholder: "context.country" },
    FILTER,
    FILTER_ANY,
    ...RANGE,
    { name: "chart", label: "chart", options: ["line", "bar"], value: "line" },
    COMPARE_TO,
    { name: "more_series", label: "series B, C, ... (metric:event; ...)", placeholder: "unique_users:purchase", size: 24 },
    { name: "formula", label: "formula of A (the above), B, ...", placeholder: "B / A * 100", size: 12 },
  ], q));
  const formula = (q.get("formula") || "").trim();
  // a formula's buckets without events are worked out from zeros (PostHog's): no gaps
  const math = !formula && (MATHS.includes(q.get("metric")) || PER_USER.includes(q.get("metric")));
  const compare = q.get("compare_to") === "the period before" ? "&compare=true" : "";
  if (!q.get("event_type")) q.set("event_type", "page_view");
  const panel = h("div", { class: "panel" }, h("div", { class: "chart", id: "trend-chart" }));
  const tablePanel = h("div", { class: "panel" });
  view.append(panel, tablePanel);
  try {
    const answer = await api(`${trendQuery(q, formula)}${compare}`);
    const label = formula || answer.event_type;
    const moved = movedForward(answer);
    const before = (answer.previous?.series ?? []).map((s) => ({
      name: `${s.group ?? label} (the period before)`, dash: [6, 4],
      byBucket: new Map(s.points.map((p) => [moved(p.bucket), p.value])),
    }));
    const xs = bucketAxis([...answer.series.flatMap((s) => s.points.map((p) => wallSeconds(p.bucket))),
      ...before.flatMap((s) => [...s.byBucket.keys()])], answer.interval);
    // a bucket without events counts zero, but has no average: math leaves a gap, spanned
    const series = [...answer.series.map((s) => ({
      name: s.group ?? label, byBucket: new Map(s.points.map((p) => [wallSeconds(p.bucket), p.value])),
    })), ...before].map((s) => ({ ...s, spanGaps: math, values: xs.map((x) => s.byBucket.get(x) ?? (math ? null : 0)) }));
    const chart = document.getElementById("trend-chart");
    chart.dataset.buckets = xs.length;
    if (!xs.length) panel.append(h("p", { class: "muted", id: "trend-empty" }, "No events in this range."));
    else timeChart(chart, xs, series, { bars: q.get("chart") === "bar", wallClock: true });
    const rows = answer.series.flatMap((s) => s.points.map((p) =>
      h("tr", { class: "trend-row", dataset: { bucket: p.bucket, group: s.group ?? "", value: p.value } },
        h("td", {}, p.bucket), h("td", {}, s.group ?? label),
        h("td", { class: "num" }, fmt.format(p.value)))));
    const beforeRows = (answer.previous?.series ?? []).flatMap((s) => s.points.map((p) =>
      h("tr", { class: "trend-previous-row", dataset: { bucket: p.bucket, group: s.group ?? "", value: p.value } },
        h("td", {}, p.bucket), h("td", {}, `${s.group ?? label} (the period before)`),
        h("td", { class: "num" }, fmt.format(p.value)))));
    tablePanel.append(table(["bucket", "series", "value#"], [...rows, ...beforeRows], { id: "trend-table" }));
  } catch (e) { showError(view, e); }
}

/** The API question of the Trends page: the trend of one series, or with a formula the
 * formula over that series (A) and the page's further series (B, C, ...), each
 * ``<metric>:<event>`` as ``/v1/trends/formula`` reads them. */
function trendQuery(q, formula) {
  const metric = q.get("metric") || "count";
  const property = MATHS.includes(metric) ? q.get("property") || "" : "";
  if (!formula) {
    const names = ["event_type", "metric", ...(property ? ["property"] : []), "interval", "breakdown", "since", "until", "timezone"];
    return `/v1/trends?${forward(q, names, {}, ["where", "where_any"])}`;
  }
  const first = `${metric}${property ? `(${property})` : ""}:${q.get("event_type")}`;
  const more = (q.get("more_series") || "").split(";").map((s) => s.trim()).filter(Boolean);
  const asked = new URLSearchParams(forward(q, ["formula", "interval", "breakdown", "since", "until", "timezone"], {}, ["where", "where_any"]));
  for (const item of [first, ...more]) asked.append("series", item);
  return `/v1/trends/formula?${asked}`;
}

/** Where the period before's buckets are drawn: under the buckets they precede, each
 * moved forward by the range's length in wall time, rounded to whole buckets (whole
 * days for weekly trends, whole months for monthly ones), so a clock change between
 * the two periods moves no bucket off its boundary. */
function movedForward(answer) {
  if (!answer.previous) return wallSeconds;
  const seconds = (Date.parse(answer.previous.until) - Date.parse(answer.previous.since)) / 1000;
  const months = Math.round(seconds / (30.436875 * 86400));
  // a range that ends "now" is no whole number of buckets; a moved bucket must land on one
  const unit = answer.interval === "week" ? STEP_S.day : STEP_S[answer.interval];
  const shift = Math.round(seconds / unit) * unit;
  return (bucket) => {
    if (answer.interval !== "month") return wallSeconds(bucket) + shift;
    const d = new Date(wallSeconds(bucket) * 1000);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d.getTime() / 1000;
  };
}

export async function funnel(view) {
  const q = query();
  view.append(h("h1", {}, "Funnel"), queryForm([
    { name: "steps", label: "steps (comma-separated)", value: "page_view,add_to_cart,purchase", size: 32 },
    { name: "window_s", label: "window (s)", value: "1209600", size: 9 },
    { name: "order", label: "order", options: ["ordered", "strict", "unordered"], value: "ordered" },
    { ...FILTER, label: "filter (on the first step)" },
    { ...FILTER_ANY, label: "and any of (first step)" },
    { ...FILTER, name: "step_where", label: "step filters", placeholder: "2:context.platform=ios" },
    { ...FILTER, name: "exclude", label: "exclusions", placeholder: "1:2:coupon_applied" },
    { name: "breakdown", label: "breakdown (of the first step)", placeholder: "context.country" },
    { name: "over_time", label: "conversion over time", options: ["no", "hour", "day", "week", "month"], value: "no" },
    ...RANGE,
  ], q));
  if (!q.get("steps")) q.set("steps", "page_view,add_to_cart,purchase");
  const period = ["hour", "day", "week", "month"].includes(q.get("over_time")) ? q.get("over_time") : null;
  const overTime = period ? `&interval=${period}&timezone=${encodeURIComponent(q.get("timezone") || "UTC")}` : "";
  const panel = h("div", { class: "panel", id: "funnel" });
  view.append(panel);
  try {
    const answer = await api(`/v1/funnels?${forward(q, ["window_s", "order", "since", "until", "breakdown"], { steps: "steps" }, ["where", "where_any", "step_where", "exclude"])}${overTime}`);
    // in any order, step k is "did k of the steps", whichever they were
    const label = (s, i) => answer.order === "unordered" ? `any ${i + 1} of the ${answer.steps.length} steps` : `${i + 1}. ${s.event_type}`;
    panel.append(...answer.steps.map((s, i) => h("div", { class: "barrow funnel-step", dataset: {
      step: s.event_type, users: s.users, conversion: s.conversion_from_first } },
      h("span", {}, label(s, i)),
      h("div", { class: "bar", style: `width:${(s.conversion_from_first * 100).toFixed(1)}%` }),
      h("span", {}, `${fmt.format(s.users)} users · ${(s.conversion_from_first * 100).toFixed(1)}%`))));
    panel.append(table(["step", "users#", "from first#", "from previous#", "median time from previous#"],
      answer.steps.map((s, i) => h("tr", {}, h("td", {}, label(s, i)), h("td", { class: "num" }, fmt.format(s.users)),
        h("td", { class: "num" }, `${(s.conversion_from_first * 100).toFixed(1)}%`),
        h("td", { class: "num" }, `${(s.conversion_from_previous * 100).toFixed(1)}%`),
        h("td", { class: "num" }, duration(s.median_seconds_from_previous)))), { id: "funnel-table" }));
    if (answer.groups) {
      const pct = (s) => `${(s.conversion_from_first * 100).toFixed(1)}%`;
      panel.append(h("h2", {}, `By ${answer.breakdown} of the first step`), table(
        ["group", ...answer.steps.map((s) => `${s.event_type}#`)],
        answer.groups.map((g) => h("tr", { class: "funnel-group", dataset: { group: g.group, users: g.steps.map((s) => s.users).join(",") } },
          h("td", {}, g.group),
          g.steps.map((s, i) => h("td", { class: "num" }, i ? `${fmt.format(s.users)} (${pct(s)})` : fmt.format(s.users))))),
        { id: "funnel-groups" }));
    }
    if (answer.over_time) {
      // each period's entrants, and the share of them who reached the last step
      const chart = h("div", { class: "chart", id: "funnel-over-time" });
      panel.append(h("h2", {}, `Conversion by ${answer.interval} of entry`), chart, table(
        [answer.interval, "entered#", `reached ${answer.steps[answer.steps.length - 1].event_type}#`, "conversion#"],
        answer.over_time.map((p) => h("tr", { class: "funnel-period", dataset: { start: p.start, users: p.users.join(",") } },
          h("td", {}, p.start), h("td", { class: "num" }, fmt.format(p.users[0])),
          h("td", { class: "num" }, fmt.format(p.users[p.users.length - 1])),
          h("td", { class: "num" }, `${(p.conversion * 100).toFixed(1)}%`))), { id: "funnel-periods" }));
      // bars, so that a lone period shows; one empty period either side gives the axis a span
      const step = answer.interval === "month" ? 30 * STEP_S.day : STEP_S[answer.interval];
      const xs = answer.over_time.map((p) => wallSeconds(p.start));
      const values = answer.over_time.map((p) => p.conversion * 100);
      if (xs.length) timeChart(chart, [xs[0] - step, ...xs, xs[xs.length - 1] + step],
        [{ name: "conversion %", values: [null, ...values, null] }], { bars: true, wallClock: true });
    }
  } catch (e) { showError(view, e); }
}

export async function retention(view) {
  const q = query();
  view.append(h("h1", {}, "Retention"), queryForm([
    { name: "start_event", label: "start event", value: "signup" },
    { name: "return_event", label: "return event", value: "page_view" },
    { name: "period", label: "period", options: ["day", "week", "month"], value: "day" },
    { name: "periods", label: "periods", value: "8", size: 4 },
    { name: "returned", label: "returned", options: ["on", "on or after"], value: "on" },
    { name: "cohorts", label: "cohorts by", options: ["first time", "every time"], value: "first time" },
    { ...FILTER, label: "filter (both events)" },
    { ...FILTER_ANY, label: "and any of (both)" },
    { ...FILTER, name: "start_where", label: "start filter", placeholder: "context.country=DE" },
    { ...FILTER, name: "return_where", label: "return filter", placeholder: "context.platform=ios" },
    ...RANGE,
  ], q));
  for (const [k, v] of [["start_event", "signup"], ["return_event", "page_view"]]) if (!q.get(k)) q.set(k, v);
  const panel = h("div", { class: "panel" });
  view.append(panel);
  try {
    const names = ["start_event", "return_event", "period", "periods", "since", "until", "timezone"];
    const cumulative = q.get("returned") === "on or after" ? "&cumulative=true" : "";
    const recurring = q.get("cohorts") === "every time" ? "&retention_type=recurring" : "";
    const answer = await api(`/v1/retention?${forward(q, names, {}, ["where", "where_any", "start_where", "return_where"])}${cumulative}${recurring}`);
    const width = Math.max(0, ...answer.cohorts.map((c) => c.counts.length));
    const heads = ["cohort", ...Array.from({ length: width }, (_, k) => `${answer.period} ${k}#`)];
    panel.append(table(heads, answer.cohorts.map((c) => h("tr", { class: "cohort", dataset: { cohort: c.cohort } },
      h("td", {}, c.cohort.slice(0, 16)),
      c.counts.map((n, k) => {
        const share = c.counts[0] ? n / c.counts[0] : 0;
        return h("td", { class: "cell num", dataset: { count: n, period: k },
          style: `background: rgba(47,111,222,${(0.08 + share * 0.8).toFixed(2)})`,
          title: `${(share * 100).toFixed(1)}%` }, fmt.format(n));
      }))), { id: "retention-table", class: "heat" }));
    if (!answer.cohorts.length) panel.append(h("p", { class: "muted" }, "No cohorts in this range."));
  } catch (e) { showError(view, e); }
}

const KINDS = ["new", "returning", "resurrecting", "dormant"];
const KIND_COLORS = { new: "#2f6fde", returning: "#2aa876", resurrecting: "#e8793a", dormant: "#d4443b" };

/** PostHog's lifecycle bars: returning, resurrecting and new stacked above the axis, the
 * dormant below it, as those who left. Bars of one period overlap, so each stacked
 * series is its running total, the tallest drawn first; the legend shows each kind's
 * own count. */
function lifecycleStack(periods) {
  const above = ["returning", "resurrecting", "new"];
  const totals = periods.map(() => 0);
  const stacked = above.map((kind) => ({
    name: kind, color: KIND_COLORS[kind], own: periods.map((p) => p[kind]),
    values: periods.map((p, i) => (totals[i] += p[kind])),
  }));
  const dormant = { name: "dormant", color: KIND_COLORS.dormant, own: periods.map((p) => p.dormant),
    values: periods.map((p) => -p.dormant) };
  return [...stacked.reverse(), dormant];
}

/** The heading and form of a question about one event's users per period (lifecycle,
 * stickiness), and the API query string of the page's parameters. */
function eventPeriodQuestion(view, title, extra = []) {
  const q = query();
  view.append(h("h1", {}, title), queryForm([
    { name: "event", label: "event", value: "page_view" },
    { name: "period", label: "period", options: ["day", "week", "month"], value: "day" },
    FILTER,
    FILTER_ANY,
    ...RANGE,
    ...extra,
  ], q));
  if (!q.get("event")) q.set("event", "page_view");
  return forward(q, ["event", "period", "since", "until", "timezone"], {}, ["where", "where_any"]);
}

export async function lifecycle(view) {
  const asked = eventPeriodQuestion(view, "Lifecycle");
  const panel = h("div", { class: "panel" }, h("div", { class: "chart", id: "lifecycle-chart" }));
  const tablePanel = h("div", { class: "panel" });
  view.append(panel, tablePanel);
  try {
    const answer = await api(`/v1/lifecycle?${asked}`);
    const xs = answer.periods.map((p) => wallSeconds(p.start));
    if (!xs.length) panel.append(h("p", { class: "muted", id: "lifecycle-empty" }, "No such events in this range."));
    else timeChart(document.getElementById("lifecycle-chart"), xs, lifecycleStack(answer.periods), { bars: true, wallClock: true });
    tablePanel.append(table(["period", ...KINDS.map((k) => `${k}#`)], answer.periods.map((p) =>
      h("tr", { class: "lifecycle-row", dataset: { start: p.start, counts: KINDS.map((k) => p[k]).join(",") } },
        h("td", {}, p.start.slice(0, 16)), KINDS.map((k) => h("td", { class: "num" }, fmt.format(p[k]))))),
    { id: "lifecycle-table" }));
  } catch (e) { showError(view, e); }
}

export async function stickiness(view) {
  const asked = eventPeriodQuestion(view, "Stickiness", [COMPARE_TO]);
  const compare = query().get("compare_to") === "the period before" ? "&compare=true" : "";
  const panel = h("div", { class: "panel", id: "stickiness" });
  view.append(panel);
  try {
    const answer = await api(`/v1/stickiness?${asked}${compare}`);
    // one scale for both periods, so that their bars compare
    const top = Math.max(1, ...[...answer.counts, ...(answer.previous?.counts ?? [])].map((c) => c.users));
    const rows = (counts, kind) => counts.map((c) => h("div", { class: `barrow ${kind}`, dataset: { periods: c.periods, users: c.users } },
      h("span", {}, `${c.periods} ${answer.period}${c.periods === 1 ? "" : "s"}`),
      h("div", { class: "bar", style: `width:${(c.users / top * 100).toFixed(1)}%` }),
      h("span", {}, fmt.format(c.users))));
    panel.append(h("h2", {}, `Users by the number of ${answer.period}s of ${answer.starts.length} they did ${answer.event} on`),
      ...rows(answer.counts, "stickiness-row"));
    if (!answer.counts.length) panel.append(h("p", { class: "muted" }, "No such events in this range."));
    if (answer.previous) {
      panel.append(h("h2", {}, `The period before: ${answer.previous.starts.length} ${answer.period}s from ${answer.previous.since.slice(0, 16)}`),
        ...rows(answer.previous.counts, "stickiness-previous-row"));
    }
  } catch (e) { showError(view, e); }
}

export async function sessions(view) {
  const q = query();
  view.append(h("h1", {}, "Sessions"), queryForm([...RANGE, { name: "user_id", label: "user" }], q),
    h("div", { class: "cards" }, card("sessions", "s-count"), card("median duration", "s-median"),
      card("events per session", "s-eps"), card("bounce rate", "s-bounce")));
  const hist = h("div", { class: "grid2" });
  const list = h("div", { class: "panel" }, h("h2", {}, "Sessions, newest first"));
  view.append(hist, list);
  const own = forward(q, ["since", "until", "user_id"]);
  try {
    const [stats, page] = await Promise.all([
      api(`/v1/sessions/stats?${own}`), api(`/v1/sessions?${forward(q, ["since", "until", "user_id", "cursor"])}`),
    ]);
    setFigure("s-count", stats.sessions);
    setFigure("s-median", stats.median_duration_s, duration(stats.median_duration_s));
    setFigure("s-eps", stats.events_per_session);
    setFigure("s-bounce", stats.bounce_rate, stats.bounce_rate === null ? "–" : `${(stats.bounce_rate * 100).toFixed(1)}%`);
    hist.append(histogram("Duration", stats.duration_edges_s.map((e) => duration(e)), stats.duration_histogram),
      histogram("Events per session", stats.events_edges.map(String), stats.events_histogram));
    list.append(table(["started", "user", "duration#", "events#", "entry", "exit", "converted"],
      page.sessions.map((s) => h("tr", { class: "session", dataset: { sessionId: s.session_id } },
        h("td", {}, s.started_at.slice(0, 19)), h("td", {}, h("a", { href: `/dashboard/users/${encodeURIComponent(s.user_id)}` }, s.user_id)),
        h("td", { class: "num" }, duration(s.duration_s)), h("td", { class: "num" }, s.events),
        h("td", {}, s.entry_page), h("td", {}, s.exit_page), h("td", {}, s.converted ? "yes" : "")))));
    if (page.next_cursor) {
      const next = new URLSearchParams(q); next.set("cursor", page.next_cursor);
      list.append(h("a", { href: `?${next}` }, "Older sessions →"));
    }
  } catch (e) { showError(view, e); }
}

function histogram(title, labels, counts) {
  const top = Math.max(1, ...counts);
  return h("div", { class: "panel" }, h("h2", {}, title), labels.map((label, i) =>
    h("div", { class: "barrow" }, h("span", {}, `≥ ${label}`),
      h("div", { class: "bar", style: `width:${(counts[i] / top * 100).toFixed(1)}%` }),
      h("span", { dataset: { value: counts[i] } }, fmt.format(counts[i])))));
}

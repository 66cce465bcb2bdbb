// Users (search and profile), alerts, dead letters and pipeline health.

import { api, card, duration, fmt, h, money, query, queryForm, setFigure, showError, table } from "./core.js";

const userLink = (id) => h("a", { href: `/dashboard/users/${encodeURIComponent(id)}` }, id);

export async function users(view, rest) {
  if (rest) return profile(view, decodeURIComponent(rest));
  const q = query();
  view.append(h("h1", {}, "Users"), queryForm([{ name: "prefix", label: "user id starts with" }], q));
  const panel = h("div", { class: "panel" });
  view.append(panel);
  if (!q.get("prefix")) { panel.append(h("p", { class: "muted" }, "Type the start of a user id.")); return; }
  try {
    const found = await api(`/v1/users?prefix=${encodeURIComponent(q.get("prefix"))}&limit=50`);
    panel.append(found.user_ids.length
      ? h("ul", { id: "user-results" }, found.user_ids.map((id) => h("li", {}, userLink(id))))
      : h("p", { class: "muted" }, "No user starts with that."));
  } catch (e) { showError(view, e); }
}

async function profile(view, userId) {
  view.append(h("h1", {}, `User ${userId}`));
  try {
    const id = encodeURIComponent(userId);
    const [p, sessions, alerts, churn] = await Promise.all([
      api(`/v1/users/${id}`),
      api(`/v1/sessions?user_id=${id}&limit=20`),
      api(`/v1/alerts?user_id=${id}&limit=20`),
      api(`/v1/predictions/churn/${id}`, {}, { optional: true }), // 404: not scored yet
    ]);
    view.append(h("div", { class: "cards" }, card("events", "u-events"), card("spent", "u-spent"),
      card("sessions", "u-sessions"), card("median session", "u-session-median"), card("churn risk", "u-churn")),
    h("p", { class: "muted" }, "First seen ", h("span", { id: "u-first" }), ", last seen ", h("span", { id: "u-last" }),
      p.distinct_ids.length > 1 ? h("span", { id: "u-ids" }, `; one person: ${p.distinct_ids.join(", ")}`) : null));
    setFigure("u-events", p.total_events);
    setFigure("u-sessions", p.sessions.sessions);
    setFigure("u-session-median", p.sessions.median_duration_s, duration(p.sessions.median_duration_s));
    setFigure("u-spent", p.total_spent_cents, money(p.total_spent_cents));
    setFigure("u-first", p.first_seen_at, p.first_seen_at.slice(0, 19).replace("T", " "));
    setFigure("u-last", p.last_seen_at, p.last_seen_at.slice(0, 19).replace("T", " "));
    setFigure("u-churn", churn?.probability, churn ? percent(churn.probability) : "not scored");
    view.append(h("div", { class: "grid2" },
      h("div", { class: "panel" }, h("h2", {}, "Events by type"), table(["type", "events#"],
        Object.entries(p.events_by_type).map(([t, n]) => h("tr", {}, h("td", {}, t), h("td", { class: "num" }, fmt.format(n)))))),
      h("div", { class: "panel", id: "churn" }, h("h2", {}, "Churn risk"), churnPanel(churn))),
      h("div", { class: "panel" }, h("h2", {}, "Alerts"), alertTable(alerts.alerts, { ofUser: p.distinct_ids.length === 1 })),
      h("div", { class: "panel" }, h("h2", {}, "Sessions"), sessionTable(sessions.sessions, p.distinct_ids.length > 1)),
      h("div", { class: "panel" }, h("h2", {}, "Timeline"), table(["occurred", "type", "page", "amount#"],
        p.timeline.map((e) => h("tr", { class: "timeline", dataset: { eventId: e.event_id } },
          h("td", {}, e.occurred_at.slice(0, 19)), h("td", {}, e.event_type), h("td", {}, e.context.page ?? ""),
          h("td", { class: "num" }, e.amount_cents === null || e.amount_cents === undefined ? "" : money(e.amount_cents)))))));
  } catch (e) { showError(view, e); }
}

/** The person's sessions (every id of it, the API's ``user_id`` rule); the id column only
 *  when the person has several, so a pre-sign-in session shows under which id it ran. */
function sessionTable(sessions, severalIds) {
  if (!sessions.length) return h("p", { class: "muted" }, "No sessions yet.");
  return table(["started", ...(severalIds ? ["id"] : []), "duration#", "events#", "entry"], sessions.map((s) =>
    h("tr", { class: "user-session", dataset: { sessionId: s.session_id, userId: s.user_id } },
      h("td", {}, s.started_at.slice(0, 19)), severalIds ? h("td", {}, s.user_id) : null,
      h("td", { class: "num" }, duration(s.duration_s)), h("td", { class: "num" }, s.events), h("td", {}, s.entry_page))),
    { id: "user-sessions" });
}

const percent = (p) => `${(p * 100).toFixed(1)}%`;
const points = (e) => `${e >= 0 ? "+" : "−"}${Math.abs(e * 100).toFixed(1)} pp`;

/** The churn score's provenance and the features that moved it most, or the empty state. */
function churnPanel(churn) {
  if (!churn) {
    return h("p", { class: "muted", id: "churn-empty" },
      "No churn score yet: the ML scorer scores a user once the processor has computed their features.");
  }
  return [
    h("p", { class: "muted" }, `P(churn) ${percent(churn.probability)} by ${churn.model} v${churn.model_version}, ` +
      `as of ${churn.as_of.slice(0, 19)} (scored ${churn.scored_at.slice(0, 19)})`),
    table(["top feature", "value#", "effect on P(churn)#"], churn.top_features.map((c) =>
      h("tr", { class: "churn-feature", dataset: { feature: c.feature, effect: c.effect } },
        h("td", {}, c.feature), h("td", { class: "num" }, c.value === null ? "–" : fmt.format(c.value)),
        h("td", { class: "num" }, points(c.effect)))), { id: "churn-features" }),
  ];
}

/** Alerts newest first; on the profile of a one-id person (``ofUser``) without the user
 *  column it would repeat (a person of several ids shows which id each alert is on). */
function alertTable(alerts, { ofUser = false } = {}) {
  if (!alerts.length) return h("p", { class: "muted" }, "No alerts.");
  return table(["at", "rule", "severity", ...(ofUser ? [] : ["user"]), "evidence"], alerts.map((a) =>
    h("tr", { class: "alert", dataset: { alertId: a.alert_id } }, h("td", {}, a.at.slice(0, 19)), h("td", {}, a.rule),
      h("td", {}, a.severity), ofUser ? null : h("td", {}, userLink(a.user_id)),
      h("td", { class: "wrap" }, JSON.stringify(a.evidence).slice(0, 80)))),
    { id: "alert-table" });
}

export async function alerts(view) {
  const q = query();
  view.append(h("h1", {}, "Alerts"), queryForm([{ name: "rule", label: "rule" }, { name: "user_id", label: "user" }], q));
  const panel = h("div", { class: "panel" });
  view.append(panel);
  try {
    const params = new URLSearchParams();
    for (const k of ["rule", "user_id", "cursor"]) if (q.get(k)) params.set(k, q.get(k));
    const page = await api(`/v1/alerts?${params}`);
    panel.append(alertTable(page.alerts));
    if (page.next_cursor) {
      const next = new URLSearchParams(q); next.set("cursor", page.next_cursor);
      panel.append(h("a", { href: `?${next}` }, "Older alerts →"));
    }
  } catch (e) { showError(view, e); }
}

export async function deadLetters(view) {
  view.append(h("h1", {}, "Dead letters"));
  const panel = h("div", { class: "panel" });
  view.append(panel);
  try {
    const q = query();
    const [me, page] = await Promise.all([
      api("/v1/whoami"), api(`/v1/dead-letters${q.get("before") ? `?before=${encodeURIComponent(q.get("before"))}` : ""}`),
    ]);
    const admin = me.scopes.includes("admin");
    if (!admin) panel.append(h("p", { class: "muted", id: "replay-note" }, "Replaying needs a key with the admin scope."));
    panel.append(table(["id#", "created", "source", "kind", "field", "rule", "message", "replayed", ""],
      page.dead_letters.map((d) => {
        const status = h("td", {}, d.replay_result ?? "");
        const button = admin && !d.replayed_at
          ? h("button", { type: "button", class: "replay", dataset: { id: d.id }, onclick: async (ev) => {
            ev.target.disabled = true;
            try { status.textContent = (await api(`/v1/dead-letters/${d.id}/replay`, { method: "POST" })).result; }
            catch (e) { status.textContent = String(e.message || e); }
          } }, "Replay") : "";
        return h("tr", { class: "dead-letter", dataset: { id: d.id } }, h("td", { class: "num" }, d.id),
          h("td", {}, d.created_at.slice(0, 19)), h("td", {}, d.source_topic), h("td", {}, d.kind),
          h("td", {}, d.field), h("td", {}, d.rule), h("td", {}, d.message.slice(0, 80)), status, h("td", {}, button));
      }), { id: "dead-table" }));
    if (page.next_before) panel.append(h("a", { href: `?before=${page.next_before}` }, "Older →"));
  } catch (e) { showError(view, e); }
}

export async function pipeline(view) {
  view.append(h("h1", {}, "Pipeline health"),
    h("div", { class: "cards" }, card("consumer group state", "p-state"), card("consumer replicas", "p-members"),
      card("total lag", "p-lag"), card("ready", "p-ready")));
  const panel = h("div", { class: "panel" });
  view.append(panel);
  try {
    const [p, ready] = await Promise.all([api("/v1/pipeline"), fetch("/readyz").then((r) => r.json())]);
    setFigure("p-state", p.state, p.state);
    setFigure("p-members", p.members);
    setFigure("p-lag", p.lag);
    setFigure("p-ready", ready.status, `${ready.status} (kafka ${ready.checks.kafka ? "ok" : "down"}, db ${ready.checks.database ? "ok" : "down"})`);
    if (p.error) panel.append(h("p", { class: "error" }, p.error));
    const rows = p.partitions.map((x) => h("tr", { class: "partition", dataset: { lag: x.lag } },
      h("td", { class: "num" }, x.partition), h("td", { class: "num" }, fmt.format(x.end)),
      h("td", { class: "num" }, x.committed === null ? "–" : fmt.format(x.committed)),
      h("td", { class: "num" }, fmt.format(x.lag))));
    panel.append(h("p", {}, `group ${p.group} on ${p.topic}`),
      table(["partition#", "log end#", "committed#", "lag#"], rows, { id: "partition-table" }));
    if (p.grafana_url) panel.append(h("p", {}, h("a", { href: p.grafana_url }, "Grafana dashboards →")));
  } catch (e) { showError(view, e); }
}

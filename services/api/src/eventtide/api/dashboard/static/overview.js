// The live overview: the API's event stream (per-second counts, new events) and, every
// second, the database figures of /v1/overview (stored, active users, revenue, lag).

import { apiKey, api, card, h, money, setFigure, showError, table, timeChart, fmt, AuthNeeded } from "./core.js";

const WIDTH_S = 60;

export async function overview(view) {
  view.append(
    h("h1", {}, "Live overview"),
    h("div", { class: "cards" },
      card("events/s in", "m-in"), card("events/s stored", "m-stored-rate"),
      card("stored events", "m-stored"), card("active users (5 min)", "m-active5"),
      card("active users (today)", "m-active-today"), card("revenue today", "m-revenue"),
      card("dead letters", "m-dead"), card("consumer lag", "m-lag"),
      card("latency p50 (ms)", "m-latency")),
    h("div", { class: "panel" }, h("h2", {}, "Events per second (this replica's ingest, and stored)"),
      h("div", { class: "chart", id: "live-chart" })),
    h("div", { class: "grid2" },
      h("div", { class: "panel" }, h("h2", {}, "Top event types today"), h("div", { id: "top-types" })),
      h("div", { class: "panel" }, h("h2", {}, "Top pages today"), h("div", { id: "top-pages" }))),
    h("div", { class: "panel" }, h("h2", {}, "Newest events"), h("ol", { id: "recent" })),
  );
  const now = Math.floor(Date.now() / 1000);
  const xs = Array.from({ length: WIDTH_S }, (_, i) => now - WIDTH_S + i);
  const ins = new Array(WIDTH_S).fill(0);
  const stored = new Array(WIDTH_S).fill(null);
  const chart = timeChart(document.getElementById("live-chart"), xs,
    [{ name: "in", values: ins }, { name: "stored", values: stored }]);
  const redraw = () => chart.setData([xs, ins, stored]);

  const onTick = (tick) => {
    const at = xs.indexOf(tick.second);
    if (at >= 0) ins[at] = tick.total;
    else if (tick.second > xs[xs.length - 1]) {
      xs.push(tick.second); ins.push(tick.total); stored.push(null);
      xs.shift(); ins.shift(); stored.shift();
    }
    setFigure("m-in", tick.total);
    redraw();
  };
  const recent = document.getElementById("recent");
  const onEvent = (event) => {
    recent.prepend(h("li", { dataset: { eventId: event.event_id } },
      `${event.occurred_at}  ${event.event_type}  ${event.user_id}`));
    while (recent.children.length > 20) recent.lastChild.remove();
  };
  stream(onTick, onEvent).catch((e) => showError(view, e));

  let last = null;
  const poll = async () => {
    try {
      const o = await api(`/v1/overview?timezone=${encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC")}`);
      const t = Date.now() / 1000;
      if (last) {
        const rate = Math.max(0, (o.stored - last.stored) / (t - last.t));
        setFigure("m-stored-rate", Math.round(rate));
        stored[stored.length - 1] = Math.round(rate);
        redraw();
      }
      last = { stored: o.stored, t };
      setFigure("m-stored", o.stored);
      setFigure("m-active5", o.active_users_5m);
      setFigure("m-active-today", o.active_users_today);
      setFigure("m-revenue", o.revenue_today_cents, money(o.revenue_today_cents));
      setFigure("m-dead", o.dead_letters);
      setFigure("m-lag", o.consumer_lag);
      setFigure("m-latency", o.latency_p50_ms === null ? null : Math.round(o.latency_p50_ms));
      ranked("top-types", o.top_event_types);
      ranked("top-pages", o.top_pages);
    } catch (e) {
      if (e instanceof AuthNeeded) return;
      showError(view, e);
    }
    setTimeout(poll, 1000);
  };
  poll();
}

function ranked(id, items) {
  const el = document.getElementById(id);
  el.replaceChildren(items.length ? table(["name", "count#"], items.map((x) =>
    h("tr", {}, h("td", {}, x.name), h("td", { class: "num", dataset: { value: x.count } }, fmt.format(x.count)))))
    : h("p", { class: "muted" }, "nothing today yet"));
}

/** Read /v1/live (Server-Sent Events) with fetch, so the key goes in a header. */
async function stream(onTick, onEvent) {
  for (;;) {
    const response = await fetch("/v1/live", { headers: { "X-API-Key": apiKey() } });
    if (!response.ok) throw new Error(`live stream: ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let dropped = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let kind = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) kind = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (kind === "tick") onTick(JSON.parse(data));
        else if (kind === "event") onEvent(JSON.parse(data));
        else if (kind === "dropped") dropped = true;
      }
    }
    await new Promise((r) => setTimeout(r, dropped ? 200 : 1000));
  }
}

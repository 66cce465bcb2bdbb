// Shared by every page: the API key, calls to the API, DOM building and charts.

const KEY = "eventtide.apiKey";

export class AuthNeeded extends Error {}

export function apiKey() {
  return localStorage.getItem(KEY);
}

/** Show the key dialog; resolves when the user entered one (the page then reloads). */
export function askKey(message) {
  const dialog = document.getElementById("key-dialog");
  if (message) document.getElementById("key-message").textContent = message;
  document.getElementById("key-form").onsubmit = () => {
    localStorage.setItem(KEY, document.getElementById("key-input").value.trim());
    location.reload();
  };
  if (!dialog.open) dialog.showModal();
}

export function signOut() {
  localStorage.removeItem(KEY);
  location.reload();
}

/** GET (or POST) a JSON route of the API with the stored key; a refused key asks again.
 * With ``optional``, a 404 (nothing there yet, such as a user the ML scorer has not
 * scored) resolves to null instead of failing the page. */
export async function api(path, options = {}, { optional = false } = {}) {
  const key = apiKey();
  if (!key) {
    askKey();
    throw new AuthNeeded();
  }
  const response = await fetch(path, { ...options, headers: { "X-API-Key": key } });
  if (response.status === 401) {
    localStorage.removeItem(KEY);
    askKey("That key was refused (unknown or revoked). Enter another one.");
    throw new AuthNeeded();
  }
  if (optional && response.status === 404) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

/** An element: h("td", {class: "num", dataset: {value: 3}}, "3"). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export function money(cents) {
  return (cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 120) return `${fmt.format(seconds)} s`;
  if (seconds < 7200) return `${fmt.format(seconds / 60)} min`;
  return `${fmt.format(seconds / 3600)} h`;
}

export function card(label, id, value = "–") {
  return h("div", { class: "card" }, h("div", { class: "label" }, label),
    h("div", { class: "value", id }, value));
}

/** Set a figure's text and its raw value (tests compare data-value with the API). */
export function setFigure(id, raw, text) {
  const el = document.getElementById(id);
  if (!el) return;
  // the first figure with data: the "meaningful paint" the browser test measures
  if (!performance.getEntriesByName("eventtide-first-figure").length) performance.mark("eventtide-first-figure");
  el.dataset.value = raw === null || raw === undefined ? "" : String(raw);
  el.textContent = text ?? (raw === null || raw === undefined ? "–" : fmt.format(raw));
}

/** The page's query string as an object of lists (URL = state). */
export function query() {
  return new URLSearchParams(location.search);
}

/** A GET form whose submit reloads the page with its fields as the query string. */
export function queryForm(fields, current) {
  const form = h("form", { class: "query", method: "get", action: location.pathname });
  for (const f of fields) {
    const value = current.get(f.name) ?? f.value ?? "";
    let input;
    if (f.options) {
      input = h("select", { name: f.name, id: `f-${f.name}` },
        f.options.map((o) => h("option", { value: o, ...(o === value ? { selected: "" } : {}) }, o)));
    } else {
      input = h("input", { name: f.name, id: `f-${f.name}`, value, type: f.type || "text",
        placeholder: f.placeholder, size: f.size || 14 });
    }
    form.append(h("label", {}, f.label, input));
  }
  form.append(h("button", { type: "submit", id: "f-submit" }, "Show"));
  return form;
}

const PALETTE = ["#2f6fde", "#e8793a", "#2aa876", "#c94fb4", "#8b6d2a", "#5a5f73", "#d4443b"];

/** A uPlot time chart in ``el``: xs in seconds, one series per name (an optional
 * ``color``, and ``own`` values for the legend when ``values`` are a stack's running
 * totals). With ``wallClock`` the xs are wall times read as UTC (the trends' buckets)
 * and are labelled in UTC. */
export function timeChart(el, xs, series, { bars = false, height = 240, wallClock = false } = {}) {
  el.textContent = "";
  const width = Math.max(280, el.clientWidth || 600);
  const paths = bars && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.8, 40] }) : undefined;
  const opts = {
    width, height,
    series: [{}, ...series.map((s, i) => ({
      label: s.name, stroke: s.color ?? PALETTE[i % PALETTE.length], width: 2, dash: s.dash, spanGaps: s.spanGaps,
      fill: bars ? (s.color ?? PALETTE[i % PALETTE.length]) + "99" : undefined, paths, points: { show: false },
      // a stacked series draws its running total; the legend shows its own value
      ...(s.own ? { value: (u, v, si, at) => (at === null || at === undefined ? "–" : fmt.format(s.own[at])) } : {}),
    }))],
    axes: [{}, { size: 60 }],
    ...(wallClock ? { tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") } : {}),
  };
  const plot = new window.uPlot(opts, [xs, ...series.map((s) => s.values)], el);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height })).observe(el);
  return plot;
}

export function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { class: x.endsWith("#") ? "num" : null }, x.replace(/#$/, ""))))),
    h("tbody", {}, rows));
}

export function showError(el, error) {
  if (error instanceof AuthNeeded) return;
  el.append(h("p", { class: "error", role: "alert" }, String(error.message || error)));
}

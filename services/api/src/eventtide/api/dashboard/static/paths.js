// Paths: the steps users take within a visit, as a Sankey diagram (steps as columns,
// each node as tall as the paths that reached it, each band as wide as the paths that
// went from one node to the next) and a table of the edges.

import { api, duration, fmt, h, query, queryForm, showError, table } from "./core.js";
import { FILTER, FILTER_ANY, RANGE, forward } from "./analytics.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 10;
const GAP = 12;
const COLUMN_W = 230;
const HEIGHT = 440;
const LABEL = 30;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value);
  }
  for (const child of children) el.append(child);
  return el;
}

const short = (item) => (item.length > LABEL ? `${item.slice(0, LABEL - 1)}…` : item);

/** Node boxes per step, the tallest first, stacked from the top at one scale for all
 * columns (the fullest column fills the height). */
function layout(nodes) {
  const columns = new Map();
  for (const n of nodes) {
    if (!columns.has(n.step)) columns.set(n.step, []);
    columns.get(n.step).push(n);
  }
  let scale = Infinity;
  for (const column of columns.values()) {
    column.sort((a, b) => b.paths - a.paths);
    const total = column.reduce((sum, n) => sum + n.paths, 0);
    scale = Math.min(scale, (HEIGHT - GAP * (column.length - 1)) / total);
  }
  const boxes = new Map();
  for (const [step, column] of columns) {
    let y = 0;
    for (const n of column) {
      const height = Math.max(1, n.paths * scale);
      boxes.set(`${step}\u0000${n.item}`, { ...n, x: (step - 1) * COLUMN_W, y, height, out: 0, in: 0 });
      y += height + GAP;
    }
  }
  return { boxes, scale, steps: Math.max(0, ...columns.keys()) };
}

function sankey(answer) {
  const { boxes, scale, steps } = layout(answer.nodes);
  const box = (step, item) => boxes.get(`${step}\u0000${item}`);
  const drawing = svg("svg", { id: "paths-chart", width: steps * COLUMN_W, height: HEIGHT + 4,
    viewBox: `0 0 ${steps * COLUMN_W} ${HEIGHT + 4}`, role: "img", "aria-label": "Paths" });
  // bands in the order of their ends, so they leave and reach each node without crossing there
  const edges = [...answer.edges].sort((a, b) =>
    a.step - b.step || box(a.step, a.source).y - box(b.step, b.source).y
      || box(a.step + 1, a.target).y - box(b.step + 1, b.target).y);
  for (const e of edges) {
    const from = box(e.step, e.source);
    const to = box(e.step + 1, e.target);
    const width = Math.max(1, e.paths * scale);
    const y0 = from.y + from.out + width / 2;
    const y1 = to.y + to.in + width / 2;
    from.out += width;
    to.in += width;
    const [x0, x1] = [from.x + NODE_W, to.x];
    const middle = (x0 + x1) / 2;
    drawing.append(svg("path", { class: "path-link", d: `M${x0},${y0} C${middle},${y0} ${middle},${y1} ${x1},${y1}`,
      "stroke-width": width, dataset: { step: e.step, source: e.source, target: e.target, paths: e.paths } },
    svg("title", {}, `${e.source} → ${e.target}: ${fmt.format(e.paths)} paths, ${duration(e.average_seconds)} on average`)));
  }
  for (const n of boxes.values()) {
    drawing.append(svg("rect", { class: "path-node", x: n.x, y: n.y, width: NODE_W, height: n.height,
      dataset: { step: n.step, item: n.item, paths: n.paths, dropped: n.dropped_off } },
    svg("title", {}, `${n.item} (step ${n.step}): ${fmt.format(n.paths)} paths, ${fmt.format(n.continuing)} went on, ${fmt.format(n.dropped_off)} ended here`)));
    const label = svg("text", { x: n.x + NODE_W + 4, y: n.y + Math.min(n.height / 2, 14) + 4, class: "path-label" });
    label.textContent = `${short(n.item)} · ${fmt.format(n.paths)}`;
    drawing.append(label);
  }
  return drawing;
}

export async function paths(view) {
  const q = query();
  view.append(h("h1", {}, "Paths"), queryForm([
    { name: "include", label: "steps are", options: ["pages", "events", "pages,events"], value: "pages" },
    { name: "start", label: "start at", placeholder: "/pricing" },
    { name: "end", label: "end at", placeholder: "/checkout" },
    { name: "steps", label: "steps", value: "5", size: 3 },
    { name: "group", label: "groups (comma-separated)", placeholder: "/product/*", size: 16 },
    { name: "exclude", label: "leave out (comma-separated)", placeholder: "/health", size: 16 },
    { name: "edges", label: "edges", value: "50", size: 4 },
    FILTER,
    FILTER_ANY,
    ...RANGE,
  ], q));
  const panel = h("div", { class: "panel", id: "paths" });
  const tablePanel = h("div", { class: "panel" });
  view.append(panel, tablePanel);
  try {
    const lists = { include: "include", group: "group", exclude: "exclude" };
    const answer = await api(`/v1/paths?${forward(q, ["start", "end", "steps", "edges", "since", "until"], lists, ["where", "where_any"])}`);
    panel.append(h("h2", { id: "paths-total", dataset: { paths: answer.paths } },
      `${fmt.format(answer.paths)} paths${answer.start ? ` from ${answer.start}` : ""}${answer.end ? ` to ${answer.end}` : ""}`));
    if (!answer.edges.length) panel.append(h("p", { class: "muted", id: "paths-empty" }, "No path of two steps or more in this range."));
    else panel.append(sankey(answer));
    tablePanel.append(table(["step", "from", "to", "paths#", "average time#"], answer.edges.map((e) =>
      h("tr", { class: "path-edge", dataset: { step: e.step, source: e.source, target: e.target, paths: e.paths } },
        h("td", {}, `${e.step} → ${e.step + 1}`), h("td", { class: "wrap" }, e.source), h("td", { class: "wrap" }, e.target),
        h("td", { class: "num" }, fmt.format(e.paths)), h("td", { class: "num" }, duration(e.average_seconds)))),
    { id: "paths-table" }));
  } catch (e) { showError(view, e); }
}

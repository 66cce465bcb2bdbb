// The dashboard's entry: pick the page from the path, mark the nav, ask for a key if none.

import { apiKey, askKey, h, signOut } from "./core.js";
import { overview } from "./overview.js";
import { funnel, lifecycle, retention, sessions, stickiness, trends } from "./analytics.js";
import { alerts, deadLetters, pipeline, users } from "./people.js";
import { paths } from "./paths.js";

const PAGES = { overview, trends, funnel, retention, lifecycle, stickiness, paths, sessions, users, alerts, "dead-letters": deadLetters, pipeline };

const [, , name = "overview", ...rest] = location.pathname.split("/");
const view = document.getElementById("view");
for (const a of document.querySelectorAll("#nav a")) {
  if (a.getAttribute("href") === `/dashboard/${name}`) a.classList.add("active");
}
const signOutButton = document.getElementById("sign-out");
signOutButton.onclick = signOut;
view.textContent = "";
if (!apiKey()) {
  view.append(h("p", { id: "needs-key" }, "This dashboard needs an API key."));
  askKey();
} else if (!PAGES[name]) {
  view.append(h("h1", {}, "Not found"), h("p", {}, `There is no page ${name}.`));
} else {
  signOutButton.hidden = false;
  document.title = `eventtide · ${name}`;
  PAGES[name](view, rest.join("/")).then(() => { document.body.dataset.ready = "1"; });
}

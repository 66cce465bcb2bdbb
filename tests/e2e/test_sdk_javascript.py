"""Real JavaScript SDKs pointed at the running API: posthog-js, Segment's analytics.js,
RudderStack's JavaScript SDK, Snowplow's browser tracker, mixpanel-browser and
Amplitude's Browser SDK in a real browser on another origin, and PostHog's, Segment's,
RudderStack's and Snowplow's Node SDKs, all unmodified from npm.

The API runs on a loopback port against the real Kafka, a consumer stores what arrived
in the real PostgreSQL, and the API answers for what was stored. posthog-js sends gzip
bodies and reads the project config and empty flags eventtide serves; its last events
leave by ``sendBeacon`` as a page is left. analytics.js is told only where its source
settings are, and eventtide's settings send it back to the API. RudderStack's SDK loads
its source configuration from the API and sends each call by XHR with its own headers,
then a batch by beacon as its page is left. Snowplow's tracker posts with credentials,
which the API's CORS allows for the listed origin. mixpanel-browser is loaded by
Mixpanel's snippet from the shop's own origin and sends base64 form batches by XHR with
credentials, its last batch by beacon as a page is left; Amplitude's Browser SDK sends
JSON by fetch, and by beacon once the page says so as it is hidden (Amplitude's advice
for the events of a page being left).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from api_helpers import core_for, new_key
from api_server import serving
from browser_helpers import headless_chromium
from selenium.webdriver.remote.webdriver import WebDriver
from storage_helpers import (
    consumer_env,
    create_topic,
    properties_of,
    start_consumer,
    wait_stored_kinds,
)

pytestmark = pytest.mark.e2e

CLIENTS = Path(__file__).resolve().parents[1] / "sdk_clients"
MODULES = CLIENTS / "node_modules"
POSTHOG_JS = MODULES / "posthog-js" / "dist" / "array.js"
SEGMENT_JS = MODULES / "@segment" / "analytics-next" / "dist" / "umd"
SNOWPLOW_JS = MODULES / "@snowplow" / "browser-tracker" / "dist" / "index.umd.min.js"
RUDDERSTACK_JS = MODULES / "@rudderstack" / "analytics-js" / "dist" / "npm" / "modern"
RUDDERSTACK_JS = RUDDERSTACK_JS / "bundled" / "umd" / "index.js"
"""The build with its plugins inside (``@rudderstack/analytics-js/bundled``): the default
one loads them from RudderStack's CDN."""

MIXPANEL_JS = MODULES / "mixpanel-browser" / "dist" / "mixpanel.min.js"
MIXPANEL_SNIPPET = MODULES / "mixpanel-browser" / "dist" / "mixpanel-jslib-snippet.min.js"
AMPLITUDE_JS = MODULES / "@amplitude" / "analytics-browser" / "lib" / "scripts"
AMPLITUDE_JS = AMPLITUDE_JS / "amplitude-min.umd.js"

BUNDLES = {
    "/posthog/array.js": POSTHOG_JS,
    "/snowplow/tracker.js": SNOWPLOW_JS,
    "/rudderstack/rsa.js": RUDDERSTACK_JS,
    "/mixpanel/mixpanel.min.js": MIXPANEL_JS,
    "/amplitude/amplitude.js": AMPLITUDE_JS,
}
"""The SDK bundles the shop's pages load from its own origin (analytics.js: its folder)."""

RECORDER = """
window.__requests = [];
const realFetch = window.fetch.bind(window);
window.fetch = async (input, init) => {
  const body = init && init.body;
  const entry = {url: input instanceof Request ? input.url : String(input),
                 status: null, answer: null,
                 gzip: body instanceof ArrayBuffer || body instanceof Blob};
  window.__requests.push(entry);
  try {
    const response = await realFetch(input, init);
    entry.status = response.status;
    try { entry.answer = await response.clone().json(); } catch (e) {}
    return response;
  } catch (error) { entry.status = 0; entry.error = String(error); throw error; }
};
const realOpen = XMLHttpRequest.prototype.open;
XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  const entry = {url: String(url), status: null, answer: null};
  window.__requests.push(entry);
  this.addEventListener('loadend', () => {
    entry.status = this.status;
    try { entry.answer = JSON.parse(this.responseText); } catch (e) {}
  });
  return realOpen.call(this, method, url, ...rest);
};
"""
"""Wraps ``fetch`` and ``XMLHttpRequest`` before the SDKs capture them, so the test sees
every request and answer an SDK got (the browser keeps no such log)."""

SHOP = """
// once the page view posthog-js captures as it starts has been answered, so that it is
// stored first whatever each request's clock-skew correction does
const started = setInterval(() => {
  if (!window.__requests.some((r) => r.url.includes('/e/') && r.status === 200)) return;
  clearInterval(started);
  posthog.capture('Product Added', {product_id: 'p-1', price: 12.5, quantity: 2});
  posthog.identify('carol', {plan: 'pro'});
  posthog.capture('Order Completed',
    {order_id: 'o-1', products: [{product_id: 'p-1', price: 12.5, quantity: 2}]});
  posthog.capture('Invite Sent', {role: 'editor'});
}, 50);
"""
LEAVING = """
posthog.capture('Checkout Started', {value: 40, products: [{product_id: 'p-2', price: 40}]});
location.href = '/thanks.html';
"""


PLANS = """
const analytics = AnalyticsNext.AnalyticsBrowser.load({writeKey: KEY, cdnURL: API});
const pause = () => new Promise((resolve) => setTimeout(resolve, 150));
(async () => {
  await analytics.page('Plans', {path: '/plans'});
  await pause();
  await analytics.track('Product Added', {product_id: 'p-3', price: 9, quantity: 1});
  await pause();
  await analytics.identify('dave', {plan: 'team'});
  await pause();
  await analytics.track('Order Completed',
    {order_id: 'o-3', products: [{product_id: 'p-3', price: 9, quantity: 1}]});
})();
"""
"""Each call sent apart: analytics.js sends one request per call, and an event's time is
its client time moved by the request's own clock skew (sentAt), so two calls a few
milliseconds apart may swap places by the jitter of their requests."""


DOCS = """
const analytics = new rudderanalytics.RudderAnalytics();
analytics.load(KEY, API, {configUrl: API});
const pause = () => new Promise((resolve) => setTimeout(resolve, 150));
analytics.ready(async () => {
  analytics.page('Docs', 'Pricing', {path: '/docs/pricing'});
  await pause();
  analytics.track('Product Added', {product_id: 'p-5', price: 20, quantity: 1});
  await pause();
  analytics.identify('hana', {plan: 'team'});
  await pause();
  analytics.track('Order Completed',
    {order_id: 'o-5', products: [{product_id: 'p-5', price: 20, quantity: 1}]});
});
"""
"""RudderStack's SDK with the configuration URL and the data plane both at the API."""

DOCS_LEAVING = """
const analytics = new rudderanalytics.RudderAnalytics();
analytics.load(KEY, API, {configUrl: API, useBeacon: true});
analytics.ready(() => {
  analytics.track('Checkout Started', {value: 20, products: [{product_id: 'p-6', price: 20}]});
  location.href = 'about:blank';
});
"""
"""With ``useBeacon`` the calls wait in a queue that is sent as the page is left."""


BLOG = """
const sp = snowplowBrowserTracking;
sp.newTracker('sp', API + '/snowplow/' + KEY, {appId: 'blog'});
sp.trackPageView();
sp.setUserId('frank');
sp.trackSelfDescribingEvent({event: {
  schema: 'iglu:com.acme/newsletter_signup/jsonschema/1-0-0', data: {list: 'weekly'}}});
"""
"""Snowplow's browser tracker with its defaults (POST, credentials included)."""

MIXPANEL_INIT = """
var MIXPANEL_CUSTOM_LIB_URL = '/mixpanel/mixpanel.min.js';
SNIPPET
mixpanel.init(KEY, {api_host: API, track_pageview: true, batch_flush_interval_ms: 300,
                    loaded: (mp) => window.onMixpanel && window.onMixpanel(mp)});
"""
"""Mixpanel's snippet, told where the library is (its documented self-hosting setting);
the library replays what was called before it loaded, then calls ``loaded``."""

PRICING = """
const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
window.onMixpanel = async (mp) => {
  mp.track('Product Added', {product_id: 'p-7', price: 30, quantity: 1});
  await pause();
  mp.identify('jo');
  mp.people.set({plan: 'team'});
  mp.track('Order Completed',
    {order_id: 'o-7', products: [{product_id: 'p-7', price: 30, quantity: 1}]});
};
"""
"""jo browses anonymously (the device id), then signs in: Mixpanel's Simplified ID Merge
(the default) sends the device id and the user id on the events that follow."""

PRICING_LEAVING = """
window.onMixpanel = (mp) => setTimeout(() => {
  mp.track('Checkout Started', {value: 30, products: [{product_id: 'p-7', price: 30}]},
           {transport: 'sendBeacon', send_immediately: true});
  location.href = 'about:blank';
}, 700);
"""
"""Tracked as the page is left, as Mixpanel advises: by beacon, not through the batch
queue, whose writes finish after the page is gone (the page view has been sent)."""

AMPLITUDE_INIT = """
const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
const started = amplitude.init(KEY, {serverUrl: API + '/2/httpapi', fetchRemoteConfig: false,
                                     flushIntervalMillis: 200}).promise;
window.addEventListener('pagehide', () => { amplitude.setTransport('beacon'); amplitude.flush(); });
"""
"""Amplitude's Browser SDK with its default tracking (page views, sessions, attribution,
forms, downloads), its events at the API, its remote configuration (Amplitude's own
servers) not asked for; on pagehide it sends what is queued by beacon."""

GUIDE = """
(async () => {
  await started;
  await pause();  // the SDK's own page view is tracked at init: a shopper adds to cart later
  amplitude.track('Product Added', {product_id: 'p-8', price: 9, quantity: 1});
  await pause();
  amplitude.setUserId('kim');
  amplitude.identify(new amplitude.Identify().set('plan', 'pro'));
  amplitude.track('Order Completed',
    {order_id: 'o-8', products: [{product_id: 'p-8', price: 9, quantity: 1}]});
})();
"""
"""kim browses anonymously (the device id), then signs in: Amplitude links a device to
the user whose events carry both."""

GUIDE_LEAVING = """
(async () => {
  await started;
  await pause();
  amplitude.setTransport('beacon');
  await amplitude.track('Checkout Started',
    {value: 9, products: [{product_id: 'p-8', price: 9}]}).promise;
  location.href = 'about:blank';
})();
"""
"""The checkout goes by beacon, and the page is left once the SDK has sent it: tracked
right before leaving, it was still in the SDK's plugins when the pagehide flush ran,
and was lost (one rehearsal of 21 stored 3 checkouts of 4)."""


def _html(title: str, bundle: str, script: str, api: str, key: str) -> bytes:
    """A page that records its fetches, loads an SDK's bundle and runs ``script`` with
    ``API`` and ``KEY`` replaced by the API's address and the ingest key."""
    filled = script.replace("API", orjson.dumps(api).decode())  # an address has no KEY
    filled = filled.replace("KEY", orjson.dumps(key).decode())
    filled = filled.replace("SNIPPET", MIXPANEL_SNIPPET.read_text())  # after: it has no KEY
    loader = f'<script src="{bundle}"></script>' if bundle else ""  # Mixpanel's: its snippet
    return (
        f'<!doctype html><html><head><title>{title}</title><link rel="icon" href="data:,">'
        f"<script>{RECORDER}</script>{loader}"
        f"<script>{filled}</script></head><body>{title}</body></html>"
    ).encode()


POSTHOG_INIT = """
posthog.init(KEY, {api_host: API, autocapture: false,
  opt_out_useragent_filter: true,  // headless chromium says it is a bot
  request_queue_config: {flush_interval_ms: 300}});
"""


class Site:
    """The shop's own origin: its pages, and the posthog-js bundle the snippet would load.

    Started before the API (whose CORS setting names this origin), told the API's
    address and key afterwards.
    """

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in BUNDLES:
                    body, media = BUNDLES[path].read_bytes(), "application/javascript"
                elif path.startswith("/segment/") and "/" not in path[9:]:
                    body, media = (SEGMENT_JS / path[9:]).read_bytes(), "application/javascript"
                elif path in site.pages:
                    body, media = site.pages[path], "text/html"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"

    def serve(self, api: str, key: str) -> None:
        self.pages = {
            "/shop.html": _html("Shop", "/posthog/array.js", POSTHOG_INIT + SHOP, api, key),
            "/checkout.html": _html("Shop", "/posthog/array.js", POSTHOG_INIT + LEAVING, api, key),
            "/thanks.html": _html("Shop", "/posthog/array.js", POSTHOG_INIT, api, key),
            "/plans.html": _html("Plans", "/segment/index.js", PLANS, api, key),
            "/blog.html": _html("Blog", "/snowplow/tracker.js", BLOG, api, key),
            "/docs.html": _html("Docs", "/rudderstack/rsa.js", DOCS, api, key),
            "/docs-leaving.html": _html("Docs", "/rudderstack/rsa.js", DOCS_LEAVING, api, key),
            "/pricing.html": _html("Pricing", "", MIXPANEL_INIT + PRICING, api, key),
            "/pricing-leaving.html": _html(
                "Pricing", "", MIXPANEL_INIT + PRICING_LEAVING, api, key
            ),
            "/guide.html": _html(
                "Guide", "/amplitude/amplitude.js", AMPLITUDE_INIT + GUIDE, api, key
            ),
            "/guide-leaving.html": _html(
                "Guide", "/amplitude/amplitude.js", AMPLITUDE_INIT + GUIDE_LEAVING, api, key
            ),
        }

    @contextmanager
    def running(self) -> Iterator[Site]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            thread.join(5)


BROWSER_EVENTS = {"page_view": 10, "add_to_cart": 5, "identify": 9, "purchase": 5,
                  "checkout_started": 4, "Invite Sent": 1, "newsletter_signup": 1,
                  "session_start": 1, "$mp_engage": 0}  # fmt: skip
"""Mixpanel's: two page views, the cart, the order, the checkout by beacon; its
``$identify`` and the profile's ``$set`` and ``$set_once`` (the initial referrer), no
``$mp_engage``. Amplitude's: two page views, the cart, the order, the checkout by
beacon, the session's start; its attribution's identify (``$setOnce``) and the plan's."""
NODE_EVENTS = {"page_view": 3, "identify": 3, "purchase": 1, "alias": 1, "Report Exported": 1,
               "add_to_cart": 1, "transaction": 1, "Docs Searched": 1}  # fmt: skip


def _errors(driver: WebDriver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _visit(
    driver: WebDriver, origin: str, database_url: str, page: str, wanted: dict[str, int]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Open a page and wait until what it sends is stored: the requests it recorded (none
    once it has moved on to a page without the recorder) and the console's errors."""
    driver.get(f"{origin}{page}")
    wait_stored_kinds(database_url, wanted)
    return driver.execute_script("return window.__requests") or [], _errors(driver)


def test_browser_and_node_sdks_are_stored_once_each_person_as_one(
    kafka_bootstrap: str, fresh_database_url: str, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None or not POSTHOG_JS.exists():
        pytest.fail(f"node or {MODULES} is missing: run `make sdk-clients` (npm ci)")
    topic = create_topic(kafka_bootstrap, "test.jssdk")
    dlq = create_topic(kafka_bootstrap, "test.jssdk.dlq", partitions=1)
    key = new_key(fresh_database_url, "ingest")
    core = core_for(kafka_bootstrap, topic, dlq)
    env = consumer_env(kafka_bootstrap, fresh_database_url, EVENTTIDE_DLQ_TOPIC=dlq)
    consumer = start_consumer(env, topic, f"g-{uuid.uuid4().hex[:6]}", tmp_path / "c.log")
    try:
        with (
            Site().running() as shop,
            serving(core, fresh_database_url, cors_origins=[shop.origin]) as api,
        ):
            shop.serve(api, key)
            with headless_chromium() as browser:
                visit = partial(_visit, browser, shop.origin, fresh_database_url)
                requests, shop_errors = visit("/shop.html", {"purchase": 1, "Invite Sent": 1})
                # Checkout Started is captured as the page is left: it goes by sendBeacon
                _, leaving_errors = visit("/checkout.html", {"checkout_started": 1})
                segment_requests, plans_errors = visit("/plans.html", {"purchase": 2})
                docs_requests, docs_errors = visit("/docs.html", {"purchase": 3})
                _, docs_leaving_errors = visit("/docs-leaving.html", {"checkout_started": 2})
                blog_requests, blog_errors = visit("/blog.html", {"newsletter_signup": 1})
                pricing_requests, pricing_errors = visit(
                    "/pricing.html", {"purchase": 4, "identify": 7}
                )
                _, pricing_leaving_errors = visit("/pricing-leaving.html", {"checkout_started": 3})
                guide_requests, guide_errors = visit("/guide.html", {"purchase": 5, "identify": 9})
                _, guide_leaving_errors = visit("/guide-leaving.html", BROWSER_EVENTS)
            assert pricing_errors == []
            assert pricing_leaving_errors == []
            # mixpanel-browser: base64 form batches by XHR (with credentials) to /track and
            # /engage, each answered verbosely
            assert pricing_requests, "mixpanel-browser sent by XHR"
            assert all(r["status"] == 200 for r in pricing_requests), pricing_requests
            assert all(r["answer"]["status"] == 1 for r in pricing_requests), pricing_requests
            assert {r["url"].split("?")[0].rsplit("/", 2)[1] for r in pricing_requests} == {
                "track", "engage"
            }  # fmt: skip
            assert guide_errors == []
            assert guide_leaving_errors == []
            # Amplitude's Browser SDK: JSON batches by fetch to the HTTP V2 API
            assert guide_requests, "the Browser SDK sent through fetch"
            assert all(r["status"] == 200 for r in guide_requests), guide_requests
            assert all(r["answer"]["code"] == 200 for r in guide_requests), guide_requests
            assert all(r["url"].endswith("/2/httpapi") for r in guide_requests), guide_requests
            assert leaving_errors == []
            assert plans_errors == []
            assert docs_errors == []
            assert docs_leaving_errors == []
            # RudderStack's SDK: its source configuration, then a request per call
            assert [r["status"] for r in docs_requests] == [200] * 5, docs_requests
            assert "/sourceConfig/" in docs_requests[0]["url"]
            assert [r["url"].rsplit("/", 1)[1] for r in docs_requests[1:]] == [
                "page", "track", "identify", "track"
            ]  # fmt: skip
            assert all(r["answer"]["rejected"] == 0 for r in docs_requests[1:]), docs_requests
            assert blog_errors == []
            # Snowplow's tracker: POST tp2 with credentials, read by the page through CORS
            assert blog_requests, "the tracker sent through fetch"
            assert all(r["status"] == 200 for r in blog_requests), blog_requests
            assert all("/com.snowplowanalytics.snowplow/tp2" in r["url"] for r in blog_requests)
            # its two events, and the identify the door adds for frank's cookie id
            assert sum(r["answer"]["accepted"] for r in blog_requests) == 3, blog_requests
            assert sum(r["answer"]["links"] for r in blog_requests) == 1, blog_requests
            assert [r["status"] for r in segment_requests] == [200] * 5, segment_requests
            assert "/settings" in segment_requests[0]["url"]
            assert all(r["answer"]["rejected"] == 0 for r in segment_requests[1:])
            assert shop_errors == []
            captures = [r for r in requests if "/e/" in r["url"]]
            assert captures, requests
            assert all(r["status"] == 200 for r in requests), requests
            assert all(r["answer"]["rejected"] == 0 for r in captures), captures
            assert any(r["gzip"] for r in captures), "posthog-js sends gzip bodies"
            flags = [r["answer"] for r in requests if "/flags/" in r["url"]]
            assert all(answer["flags"] == {} for answer in flags), flags

            sent = subprocess.run(
                [node, str(CLIENTS / "send.mjs"), api, key],
                cwd=CLIENTS, capture_output=True, text=True, timeout=90, check=False,
            )  # fmt: skip
            assert sent.returncode == 0, sent.stdout + sent.stderr
            wanted = {k: BROWSER_EVENTS.get(k, 0) + NODE_EVENTS.get(k, 0)
                      for k in {*BROWSER_EVENTS, *NODE_EVENTS}}  # fmt: skip
            rows = wait_stored_kinds(fresh_database_url, wanted)
            kinds = [r.event_type for r in rows]
            assert {k: kinds.count(k) for k in wanted} == wanted, "each call stored once"
            assert key not in str([r.properties for r in rows]), "the ingest key is not kept"

            reader = {"x-api-key": new_key(fresh_database_url, "read")}
            funnel = httpx.get(
                f"{api}/v1/funnels", headers=reader, timeout=10,
                params={"steps": ["page_view", "add_to_cart", "purchase"]},
            )  # fmt: skip
            assert funnel.status_code == 200, funnel.text
            # carol browsed anonymously, then signed in: one person through the funnel;
            # dave did it all on analytics.js; erin viewed a page as node-anon-5 and bought
            # after identify, without an add to cart; frank (Snowplow's browser tracker)
            # only viewed, anonymously, then signed up to a newsletter; gus
            # (Snowplow's Node tracker) added to cart and sent a legacy transaction, which
            # is no purchase; hana did it all on RudderStack's SDK, signing in on the way;
            # ines (RudderStack's Node SDK) only viewed, anonymously
            timeline = "\n".join(
                f"{r.occurred_at:%H:%M:%S.%f} {r.user_id} {r.event_type}"
                for r in sorted(rows, key=lambda r: r.occurred_at)
            )
            for person, plan, product in (("jo", "team", "p-7"), ("kim", "pro", "p-8")):
                profile = httpx.get(f"{api}/v1/users/{person}", headers=reader, timeout=10)
                assert profile.json()["traits"]["plan"] == plan, profile.text
                carted = next(
                    r.user_id for r in rows
                    if r.event_type == "add_to_cart" and properties_of(r)["product_id"] == product
                )  # fmt: skip
                assert carted != person, f"{person} added to the cart before signing in"
                assert carted in profile.json()["distinct_ids"], profile.text
            steps = [step["users"] for step in funnel.json()["steps"]]
            # and jo (mixpanel-browser) and kim (Amplitude's) each did it all, signing in
            # on the way
            assert steps == [9, 6, 5], f"stored in event time:\n{timeline}"
            carol = httpx.get(f"{api}/v1/users/carol", headers=reader, timeout=10).json()
            device = next(
                r.user_id for r in rows
                if r.event_type == "add_to_cart" and properties_of(r)["product_id"] == "p-1"
            )  # fmt: skip
            assert device != "carol", "Product Added was captured before identify"
            assert device in carol["distinct_ids"], carol
            assert carol["traits"]["plan"] == "pro"
            frank = httpx.get(f"{api}/v1/users/frank", headers=reader, timeout=10).json()
            reader_id = next(r.user_id for r in rows if properties_of(r).get("title") == "Blog")
            assert reader_id in frank["distinct_ids"], "the blog's anonymous reader is frank"
            dan = httpx.get(f"{api}/v1/users/node-dan", headers=reader, timeout=10).json()
            assert {"node-dan", "node-anon-4"} <= set(dan["distinct_ids"]), dan
            hana = httpx.get(f"{api}/v1/users/hana", headers=reader, timeout=10).json()
            assert hana["traits"]["plan"] == "team", "RudderStack's traits, in context.traits"
            ines = httpx.get(f"{api}/v1/users/node-anon-6", headers=reader, timeout=10).json()
            assert (ines["person_id"], ines["traits"]) == ("node-ines", {"plan": "team"}), ines
    finally:
        consumer.terminate()
        consumer.wait(30)

"""The dashboard in a real browser (Debian's headless chromium) against the running API
with real Kafka and PostgreSQL: one browser session walks every page.

The figures a page shows are compared with the API's JSON for the same query, so a
page that draws the wrong number fails, not only a page that fails to draw.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from api_helpers import core_for, new_key
from api_server import serving
from browser_helpers import headless_chromium
from dashboard_seed import DEVICE_ID, SCORED_USER, seed, valid_event
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import make_url
from storage_helpers import create_topic

from eventtide.core.db import libpq_url, make_engine
from eventtide.core.db.migrate import upgrade

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
QUERIES = {
    "trends": "event_type=page_view&interval=hour&breakdown=context.country",
    "funnel": "steps=signup,add_to_cart,purchase&window_s=86400",
    "retention": "start_event=signup&return_event=page_view&period=day&periods=3",
    "lifecycle": "event=page_view&period=day",
    "stickiness": "event=page_view&period=day",
    "paths": "include=pages&steps=4",
}


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, database_url: str) -> Iterator[dict[str, Any]]:
    """The API on a real port over a fresh, seeded database and its own topics."""
    name = f"t_dash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    seed(engine, datetime.now(UTC))
    engine.dispose()
    topic = create_topic(kafka_bootstrap, "dash", partitions=2)
    core = core_for(kafka_bootstrap, topic, f"{topic}.dlq")
    read = new_key(url, "read", rate=10_000)
    admin = new_key(url, "admin", rate=10_000)
    ingest = new_key(url, "ingest", rate=10_000)
    with serving(core, url) as base:
        yield {"base": base, "read": read, "admin": admin, "ingest": ingest}


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless chromium for the whole module (a start costs about a second)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium() as driver:
        yield driver


def _get(base: str, path: str, key: str) -> Any:
    response = httpx.get(f"{base}{path}", headers={"x-api-key": key}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


NOT_SCORED = re.compile(
    r"/v1/predictions/churn/[^/?\s]+ - Failed to load resource: "
    r"the server responded with a status of 404 "
)
"""The one failed request a page may make: the API's 404 for a user without a churn
score, which the profile shows as "not scored" (the route's documented answer)."""


def _errors(driver: WebDriver) -> list[str]:
    """Console errors and failed loads since the last call (chromium logs both), but
    for :data:`NOT_SCORED`."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and not NOT_SCORED.search(e["message"])
    ]


def _open(driver: WebDriver, url: str, ready: str = "body[data-ready]") -> None:
    driver.get(url)
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))


def _sign_in(driver: WebDriver, base: str, key: str) -> None:
    driver.get(f"{base}/dashboard/overview")
    driver.execute_script("localStorage.setItem('eventtide.apiKey', arguments[0])", key)


def _value(driver: WebDriver, element_id: str) -> str:
    return str(driver.find_element(By.ID, element_id).get_attribute("data-value"))


def test_without_a_key_the_page_asks_for_one(stack: dict[str, Any], browser: WebDriver) -> None:
    browser.get(f"{stack['base']}/dashboard/trends")
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "needs-key"))
    assert browser.find_element(By.ID, "key-dialog").get_attribute("open") is not None
    browser.save_screenshot(str(SHOTS / "sign-in.png"))
    browser.find_element(By.ID, "key-input").send_keys(stack["read"])
    browser.find_element(By.ID, "key-submit").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "trend-table"))
    assert _errors(browser) == []


def test_every_page_loads_without_errors(stack: dict[str, Any], browser: WebDriver) -> None:
    base = stack["base"]
    _sign_in(browser, base, stack["read"])
    pages = {
        "overview": "", "trends": QUERIES["trends"], "funnel": QUERIES["funnel"],
        "retention": QUERIES["retention"], "lifecycle": QUERIES["lifecycle"],
        "stickiness": QUERIES["stickiness"], "paths": QUERIES["paths"], "sessions": "",
        "users": "prefix=user-0",
        "users/user-04": "", "alerts": "", "dead-letters": "", "pipeline": "",
    }  # fmt: skip
    for page, params in pages.items():
        _open(browser, f"{base}/dashboard/{page}?{params}")
        time.sleep(0.3)  # let the page's requests finish before reading the log
        assert browser.find_elements(By.CSS_SELECTOR, ".error") == [], page
        assert _errors(browser) == [], page
        browser.save_screenshot(str(SHOTS / f"{page.replace('/', '-')}.png"))
    browser.set_window_size(390, 844)  # a phone
    try:
        for page in ("overview", "funnel"):
            _open(browser, f"{base}/dashboard/{page}?{pages[page]}")
            time.sleep(0.5)
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{page} is wider than a phone by {overflow}px"
            browser.save_screenshot(str(SHOTS / f"{page}-phone.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_overview_shows_the_api_figures_and_a_new_event_within_2s(
    stack: dict[str, Any], browser: WebDriver
) -> None:
    base = stack["base"]
    _sign_in(browser, base, stack["read"])
    _open(browser, f"{base}/dashboard/overview", "#m-dead[data-value]")
    # The paint entry is recorded once the frame is presented, which on a loaded machine
    # can come after the figure is in the DOM: wait for both entries, then read their
    # times (the browser's own clock, so the wait does not count in them).
    paint, figures = WebDriverWait(browser, 5, poll_frequency=0.05).until(
        lambda d: d.execute_script(
            "const [p] = performance.getEntriesByName('first-contentful-paint');"
            "const [f] = performance.getEntriesByName('eventtide-first-figure');"
            "return p && f ? [p.startTime, f.startTime] : null;"
        )
    )
    print(f"overview: first contentful paint {paint:.0f} ms, first figure {figures:.0f} ms")
    assert paint < 1000
    assert figures < 1000
    want = _get(base, "/v1/overview", stack["read"])
    for element, field in [("m-stored", "stored"), ("m-dead", "dead_letters"),
                           ("m-active-today", "active_users_today"),
                           ("m-revenue", "revenue_today_cents")]:  # fmt: skip
        assert _value(browser, element) == str(want[field]), element
    event = valid_event("user-live", "page_view")
    sent = time.monotonic()
    response = httpx.post(
        f"{base}/v1/events", json=event, headers={"x-api-key": stack["ingest"]}, timeout=10
    )
    assert response.status_code == 200, response.text
    WebDriverWait(browser, 2, poll_frequency=0.05).until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, f'#recent li[data-event-id="{event["event_id"]}"]'
        )
    )
    print(f"ingested event on the overview after {time.monotonic() - sent:.2f} s")
    WebDriverWait(browser, 3).until(lambda d: int(_value(d, "m-in") or 0) >= 1 or True)
    assert _errors(browser) == []


def _trend_cells(answer: dict[str, Any]) -> set[tuple[str, str | None, float]]:
    """(bucket, group, value) of each point of a trend answer."""
    return {(p["bucket"], s["group"], float(p["value"]))
            for s in answer["series"] for p in s["points"]}  # fmt: skip


def _shown_trend_cells(browser: WebDriver) -> set[tuple[str | None, str | None, float]]:
    """(bucket, group, value) of each row of the Trends page's table."""
    return {
        (r.get_attribute("data-bucket"), r.get_attribute("data-group"),
         float(r.get_attribute("data-value") or "nan"))
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.trend-row")
    }  # fmt: skip


def test_analytics_pages_show_the_api_answers(stack: dict[str, Any], browser: WebDriver) -> None:
    base, key = stack["base"], stack["read"]
    _sign_in(browser, base, key)
    _open(browser, f"{base}/dashboard/trends?{QUERIES['trends']}")
    trend = _get(base, f"/v1/trends?{QUERIES['trends']}", key)
    want = {
        (p["bucket"], s["group"] or "", str(p["value"]))
        for s in trend["series"]
        for p in s["points"]
    }
    shown = {
        (
            r.get_attribute("data-bucket"),
            r.get_attribute("data-group"),
            r.get_attribute("data-value"),
        )
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.trend-row")
    }
    assert shown == want
    assert want
    assert browser.find_elements(By.CSS_SELECTOR, "#trend-chart canvas")
    # the API leaves out hours without events; the chart draws them as zeros, not as a
    # line from the last hour with data to the next
    hours = sorted({datetime.fromisoformat(b).replace(tzinfo=UTC).timestamp() for b, _, _ in want})
    filled = browser.find_element(By.ID, "trend-chart").get_attribute("data-buckets")
    assert int(str(filled)) == (hours[-1] - hours[0]) // 3600 + 1 > len(hours)
    # the period before: the API's previous series in the table, and drawn beside; the
    # last day beside the day before (the seeded users' first visits)
    day = QUERIES["trends"] + "&since=" + quote((datetime.now(UTC) - timedelta(days=1)).isoformat())
    _open(browser, f"{base}/dashboard/trends?{day}&compare_to=the+period+before")
    compared = _get(base, f"/v1/trends?{day}&compare=true", key)
    before = {
        (p["bucket"], s["group"] or "", str(p["value"]))
        for s in compared["previous"]["series"]
        for p in s["points"]
    }
    shown_before = {
        tuple(r.get_attribute(f"data-{k}") for k in ("bucket", "group", "value"))
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.trend-previous-row")
    }
    assert shown_before == before
    assert before
    browser.save_screenshot(str(SHOTS / "trends-compare.png"))
    assert _errors(browser) == []
    # the filter field reaches the API: one country's series only
    _open(browser, f"{base}/dashboard/trends?{QUERIES['trends']}&where=context.country%3DDE")
    groups = {
        r.get_attribute("data-group")
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.trend-row")
    }
    assert groups == {"DE"}, groups
    # ... and the "any of" field, one group of which one item must hold
    either = quote("context.country=DE; context.platform=no-such-platform")
    _open(browser, f"{base}/dashboard/trends?{QUERIES['trends']}&where_any={either}")
    groups = {
        r.get_attribute("data-group")
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.trend-row")
    }
    assert groups == {"DE"}, groups
    # property math: the average purchase per country, as the API answers it
    average = "event_type=purchase&metric=avg&property=amount_cents&interval=day"
    _open(browser, f"{base}/dashboard/trends?{average}&breakdown=context.country")
    answer = _get(base, f"/v1/trends?{average}&breakdown=context.country", key)
    expected = _trend_cells(answer)
    assert _shown_trend_cells(browser) == expected
    assert any(v > 0 for _, _, v in expected), expected
    assert _errors(browser) == []
    # a formula: the share of each country's visitors who bought, as the API answers it
    shares = ("event_type=page_view&metric=unique_users&interval=day"
              "&breakdown=context.country&formula=B+%2F+A+*+100")  # fmt: skip
    _open(browser, f"{base}/dashboard/trends?{shares}&more_series=unique_users%3Apurchase")
    answer = _get(base, "/v1/trends/formula?series=unique_users%3Apage_view&series="
                  "unique_users%3Apurchase&formula=B+%2F+A+*+100&interval=day"
                  "&breakdown=context.country", key)  # fmt: skip
    expected = _trend_cells(answer)
    assert _shown_trend_cells(browser) == expected
    assert any(0 < v <= 100 for _, _, v in expected), expected
    browser.save_screenshot(str(SHOTS / "trends-formula.png"))
    assert _errors(browser) == []

    steps = "&".join(f"steps={s}" for s in ("signup", "add_to_cart", "purchase"))
    # the seeded dataset's answers: twelve users, the even ones from FR and the odd from DE
    for where, users in (
        ("", ["12", "6", "3"]),
        ("&where=context.country%3DFR", ["6", "6", "3"]),
        ("&step_where=2%3Acontext.country%3DDE", ["12", "0", "0"]),  # carts are FR's
        ("&where=context.country!%3DFR", ["6", "0", "0"]),
        ("&exclude=1%3A2%3Apage_view", ["0", "0", "0"]),  # everyone views a page first
        ("&order=strict", ["12", "0", "0"]),  # ... so no cart comes right after a signup
        ("&order=unordered", ["12", "6", "3"]),  # in any order: the same, carts after signups
    ):
        _open(browser, f"{base}/dashboard/funnel?{QUERIES['funnel']}{where}")
        funnel = _get(base, f"/v1/funnels?{steps}&window_s=86400{where}", key)
        shown_steps = [
            (r.get_attribute("data-step"), r.get_attribute("data-users"))
            for r in browser.find_elements(By.CSS_SELECTOR, ".funnel-step")
        ]
        assert shown_steps == [(s["event_type"], str(s["users"])) for s in funnel["steps"]]
        assert [u for _, u in shown_steps] == users
    # conversion over time: each day's entrants and how far they got, as the API has it
    _open(browser, f"{base}/dashboard/funnel?{QUERIES['funnel']}&over_time=day")
    funnel = _get(base, f"/v1/funnels?{steps}&window_s=86400&interval=day&timezone=UTC", key)
    shown_periods = [
        (r.get_attribute("data-start"), r.get_attribute("data-users"))
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.funnel-period")
    ]
    expected_periods = [(p["start"], ",".join(map(str, p["users"]))) for p in funnel["over_time"]]
    assert shown_periods == expected_periods
    assert sum(int(u.split(",")[0]) for _, u in shown_periods) == 12
    browser.save_screenshot(str(SHOTS / "funnel-over-time.png"))
    assert _errors(browser) == []
    by_country = "&breakdown=context.country"
    _open(browser, f"{base}/dashboard/funnel?{QUERIES['funnel']}{by_country}")
    funnel = _get(base, f"/v1/funnels?{steps}&window_s=86400{by_country}", key)
    shown_groups = [
        (r.get_attribute("data-group"), r.get_attribute("data-users"))
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.funnel-group")
    ]
    assert shown_groups == [
        (g["group"], ",".join(str(s["users"]) for s in g["steps"])) for g in funnel["groups"]
    ]
    assert shown_groups == [("DE", "6,0,0"), ("FR", "6,6,3")]  # carts and buys: even users

    de = "&start_where=context.country%3DDE"
    viewed = QUERIES["retention"].replace("start_event=signup", "start_event=page_view")
    retained = (
        (QUERIES["retention"], "", "", "12"),
        (QUERIES["retention"], de, de, "6"),
        (QUERIES["retention"], "&returned=on+or+after", "&cumulative=true", "12"),
        (viewed, "&cohorts=every+time", "&retention_type=recurring", None),
    )
    recurring = _get(base, f"/v1/retention?{viewed}&retention_type=recurring", key)
    assert recurring != _get(base, f"/v1/retention?{viewed}", key)  # the choice shows
    for question, shown, asked, cohort in retained:
        _open(browser, f"{base}/dashboard/retention?{question}{shown}")
        matrix = _get(base, f"/v1/retention?{question}{asked}", key)
        rows = browser.find_elements(By.CSS_SELECTOR, "tr.cohort")
        shown_matrix = [
            [c.get_attribute("data-count") for c in r.find_elements(By.CSS_SELECTOR, "td.cell")]
            for r in rows
        ]
        assert shown_matrix == [[str(n) for n in c["counts"]] for c in matrix["cohorts"]]
        assert shown_matrix
        assert cohort is None or shown_matrix[0][0] == cohort

    _open(browser, f"{base}/dashboard/lifecycle?{QUERIES['lifecycle']}")
    lived = _get(base, f"/v1/lifecycle?{QUERIES['lifecycle']}", key)
    shown_periods = [
        (r.get_attribute("data-start"), r.get_attribute("data-counts"))
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.lifecycle-row")
    ]
    kinds = ("new", "returning", "resurrecting", "dormant")
    assert shown_periods == [
        (p["start"], ",".join(str(p[k]) for k in kinds)) for p in lived["periods"]
    ]
    assert sum(p["new"] for p in lived["periods"]) == 12, "the twelve seeded users"
    assert browser.find_elements(By.CSS_SELECTOR, "#lifecycle-chart canvas")

    _open(browser, f"{base}/dashboard/stickiness?{QUERIES['stickiness']}")
    sticky = _get(base, f"/v1/stickiness?{QUERIES['stickiness']}", key)
    shown_counts = [
        (r.get_attribute("data-periods"), r.get_attribute("data-users"))
        for r in browser.find_elements(By.CSS_SELECTOR, ".stickiness-row")
    ]
    assert shown_counts == [(str(c["periods"]), str(c["users"])) for c in sticky["counts"]]
    assert sum(c["users"] for c in sticky["counts"]) == 12, "the twelve seeded users"
    # compared with the three days before: a row per number of days, as the API's
    week = "event=page_view&period=day&since=" + quote(
        (datetime.now(UTC) - timedelta(days=3)).isoformat()
    )
    _open(browser, f"{base}/dashboard/stickiness?{week}&compare_to=the+period+before")
    sticky = _get(base, f"/v1/stickiness?{week}&compare=true", key)
    shown_before = [
        (r.get_attribute("data-periods"), r.get_attribute("data-users"))
        for r in browser.find_elements(By.CSS_SELECTOR, ".stickiness-previous-row")
    ]
    assert shown_before == [
        (str(c["periods"]), str(c["users"])) for c in sticky["previous"]["counts"]
    ]
    assert shown_before

    _open(browser, f"{base}/dashboard/paths?{QUERIES['paths']}")
    walked = _get(base, f"/v1/paths?{QUERIES['paths']}", key)
    edge = ("step", "source", "target", "paths")
    shown_edges = [
        tuple(r.get_attribute(f"data-{k}") for k in edge)
        for r in browser.find_elements(By.CSS_SELECTOR, "tr.path-edge")
    ]
    assert shown_edges == [tuple(str(e[k]) for k in edge) for e in walked["edges"]]
    # each seeded user's first visit, and user-00's return the next day (its 6th and 7th events)
    assert ("1", "/search", "/product/1", "13") in shown_edges
    drawn = browser.find_elements(By.CSS_SELECTOR, "#paths-chart .path-link")
    assert len(drawn) == len(walked["edges"])
    nodes = browser.find_elements(By.CSS_SELECTOR, "#paths-chart .path-node")
    node = ("step", "item", "paths")
    assert sorted(tuple(n.get_attribute(f"data-{k}") for k in node) for n in nodes) == sorted(
        tuple(str(n[k]) for k in node) for n in walked["nodes"]
    )

    _open(browser, f"{base}/dashboard/sessions")
    stats = _get(base, "/v1/sessions/stats", key)
    assert _value(browser, "s-count") == str(stats["sessions"]) == "13"  # one before sign-up
    assert float(_value(browser, "s-bounce")) == pytest.approx(stats["bounce_rate"])
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.session")) == 13
    assert _errors(browser) == []


def test_the_profile_shows_the_churn_score_or_that_there_is_none(
    stack: dict[str, Any], browser: WebDriver
) -> None:
    base, key = stack["base"], stack["read"]
    _sign_in(browser, base, key)
    _open(browser, f"{base}/dashboard/users/{SCORED_USER}")
    churn = _get(base, f"/v1/predictions/churn/{SCORED_USER}", key)
    assert browser.find_element(By.ID, "u-churn").text == f"{churn['probability']:.1%}" == "73.4%"
    assert float(_value(browser, "u-churn")) == churn["probability"]
    features = [
        (r.get_attribute("data-feature"), float(str(r.get_attribute("data-effect"))))
        for r in browser.find_elements(By.CSS_SELECTOR, "#churn-features tr.churn-feature")
    ]
    assert features == [(c["feature"], c["effect"]) for c in churn["top_features"]]
    assert len(features) == 3
    assert browser.find_elements(By.CSS_SELECTOR, "tr.alert")  # the user's burst alert
    # the person's sessions: the one their device id browsed before sign-up too
    profile = _get(base, f"/v1/users/{DEVICE_ID}", key)
    assert _value(browser, "u-sessions") == str(profile["sessions"]["sessions"]) == "2"
    assert _value(browser, "u-first") == profile["first_seen_at"]  # the device id's visit
    shown_sessions = [
        (r.get_attribute("data-session-id"), r.get_attribute("data-user-id"))
        for r in browser.find_elements(By.CSS_SELECTOR, "#user-sessions tr.user-session")
    ]
    assert shown_sessions == [(s["session_id"], s["user_id"]) for s in profile["recent_sessions"]]
    assert [u for _, u in shown_sessions] == [SCORED_USER, DEVICE_ID]
    assert _errors(browser) == []
    # the device id's profile is the same person's: its churn score is the one scored id's
    assert _get(base, f"/v1/predictions/churn/{DEVICE_ID}", key)["user_id"] == SCORED_USER
    _open(browser, f"{base}/dashboard/users/{DEVICE_ID}")
    assert browser.find_element(By.ID, "u-churn").text == "73.4%"
    assert _value(browser, "u-sessions") == "2"
    assert _errors(browser) == []

    unscored = "user-05"
    missing = httpx.get(
        f"{base}/v1/predictions/churn/{unscored}", headers={"x-api-key": key}, timeout=10
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    _open(browser, f"{base}/dashboard/users/{unscored}")
    assert browser.find_element(By.ID, "churn-empty").is_displayed()
    assert browser.find_element(By.ID, "u-churn").text == "not scored"
    assert browser.find_elements(By.CSS_SELECTOR, ".error, tr.churn-feature") == []
    assert browser.find_elements(By.CSS_SELECTOR, "tr.timeline")  # the rest of the profile
    assert _errors(browser) == []


def test_a_read_key_cannot_replay_and_an_admin_key_can(
    stack: dict[str, Any], browser: WebDriver
) -> None:
    base = stack["base"]
    letters = _get(base, "/v1/dead-letters", stack["read"])["dead_letters"]
    refused = httpx.post(
        f"{base}/v1/dead-letters/{letters[0]['id']}/replay",
        headers={"x-api-key": stack["read"]}, timeout=10,
    )  # fmt: skip
    assert refused.status_code == 403
    _sign_in(browser, base, stack["read"])
    _open(browser, f"{base}/dashboard/dead-letters")
    assert browser.find_elements(By.CSS_SELECTOR, "button.replay") == []
    assert browser.find_elements(By.ID, "replay-note")

    _sign_in(browser, base, stack["admin"])
    _open(browser, f"{base}/dashboard/dead-letters")
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.replay")
    assert len(buttons) == len(letters) == 3
    replayable = max(d["id"] for d in letters)  # the one refused for a pending upgrade
    browser.find_element(By.CSS_SELECTOR, f'button.replay[data-id="{replayable}"]').click()
    row = f'tr.dead-letter[data-id="{replayable}"]'
    WebDriverWait(browser, 10).until(
        lambda d: "resubmitted" in d.find_element(By.CSS_SELECTOR, row).text
    )
    assert _errors(browser) == []
    browser.save_screenshot(str(SHOTS / "dead-letters-admin.png"))

"""schemathesis against the running app: no 5xx, every answer as the OpenAPI says.

Run twice per operation: with a key holding every scope, and with no credentials
(every protected route must then answer 401 in the documented form).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest
import schemathesis
from api_helpers import api_client, core_for, new_key
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth
from sqlalchemy.engine import make_url

from eventtide.core.db import libpq_url
from eventtide.core.db.migrate import upgrade

pytestmark = pytest.mark.integration

TRIED: Counter[str] = Counter()


@pytest.fixture(scope="module")
def running(kafka_bootstrap: str, database_url: str) -> Iterator[tuple[object, str]]:

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    key = new_key(url, "admin", rate=100_000)
    core = core_for(kafka_bootstrap, "events.v1", "events.dlq.v1")
    with api_client(core, url, ack_timeout_s=5.0) as client:
        yield client.app, key
    print("\nschemathesis cases per operation:", dict(sorted(TRIED.items())))
    print("schemathesis total cases:", sum(TRIED.values()), "operations:", len(TRIED))


def _check(case, key: str | None) -> None:
    TRIED[f"{case.method} {case.path} {'auth' if key else 'anon'}"] += 1
    headers = dict(case.headers or {})
    headers.pop("X-API-Key", None)
    headers.pop("Authorization", None)
    if key is not None:
        headers["X-API-Key"] = key  # in the case, so the ignored-auth check can drop it
    case.headers = headers
    if case.query:
        # a cursor is opaque: the schema cannot tell a made one from a random string,
        # so random ones are 400 by design; paging is tested with real cursors elsewhere
        case.query.pop("cursor", None)
        if case.path == "/v1/funnels" and case.query.get("order") == "unordered":
            _unordered_case(case.query)
        if case.path == "/v1/funnels" and case.query.get("step_where"):
            case.query["step_where"] = _within(case.query["step_where"], case.query.get("steps"))
        if case.path == "/v1/funnels" and case.query.get("interval"):
            case.query.pop("breakdown", None)  # one split at a time: the 400 for both is
            # asserted in test_api_analytics.py
        if case.path == "/v1/funnels" and case.query.get("order") == "strict":
            case.query.pop("exclude", None)  # exclusions are for the default order: the
            # 400 for both is asserted in test_api_analytics.py
        if case.path == "/v1/funnels" and case.query.get("exclude"):
            case.query["exclude"] = _between(case.query["exclude"], case.query.get("steps"))
        if case.path == "/v1/trends" and case.query.get("metric") in ROLLING:
            case.query["interval"] = "day"  # their one interval; the 400 otherwise is
            # asserted in test_api_analytics.py
        if case.path == "/v1/trends":  # property math and its number go together; the
            # 400 for one without the other is asserted in test_api_property_math.py
            if case.query.get("metric") in MATHS:
                case.query.setdefault("property", "amount_cents")
            else:
                case.query.pop("property", None)
        if case.path == "/v1/trends/formula":
            _formula_case(case.query)
    # ignored_auth swaps one security scheme for a random value and expects a refusal;
    # the API accepts either scheme (X-API-Key or Bearer), so a valid key in the other
    # one rightly passes. Refusal without credentials is asserted below instead.
    response = case.call_and_validate(excluded_checks=[ignored_auth])
    protected = case.path.startswith("/v1/")
    if key is None and protected:
        assert response.status_code == 401, response.text


ROLLING = ("weekly_active", "monthly_active")
MATHS = ("sum", "avg", "min", "max", "median", "p90", "p95", "p99")
"""Trend metrics counted per day only: two parameters tied, which OpenAPI cannot state."""


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _within(step_where: object, steps: object) -> list[str]:
    """The ``step_where`` items that name one of the funnel's steps. That a number must
    not pass the number of ``steps`` ties two parameters, which OpenAPI cannot state; the
    400 for one that does is asserted in test_api_analytics.py."""
    count = len(_listed(steps)) if steps is not None else 0
    return [item for item in _listed(step_where) if int(item.split(":")[0]) <= count]


def _between(exclude: object, steps: object) -> list[str]:
    """The ``exclude`` items whose two step numbers are in order and within the funnel's
    steps: ties of parameters again; the 400 otherwise is asserted in
    test_api_analytics.py."""
    count = len(_listed(steps)) if steps is not None else 0
    kept = []
    for item in _listed(exclude):
        first, second, _ = item.split(":", 2)
        if int(first) < int(second) <= count:
            kept.append(item)
    return kept


def _unordered_case(query: dict) -> None:
    """A funnel in any order as it is offered: different steps, asked whole. The 400
    for each of those is asserted in test_api_funnel_unordered.py."""
    for name in ("breakdown", "interval", "exclude"):
        query.pop(name, None)
    steps = list(dict.fromkeys(_listed(query.get("steps", []))))
    if len(steps) < 2:
        query["order"] = "ordered"
    else:
        query["steps"] = steps


def _formula_case(query: dict) -> None:
    """A formula question whose parameters go together, as OpenAPI cannot state: at most
    ten series, each math metric with its number and no other with one, the rolling
    metrics per day, ``series_where`` letters and a formula over the asked series. The
    400 for each of those is asserted in test_api_formula.py and test_formula_pure.py."""
    items = []
    for item in _listed(query.get("series", []))[:10]:
        head, _, event_type = item.partition(":")
        metric = head.split("(")[0]
        items.append(f"{metric}(amount_cents):{event_type}" if metric in MATHS
                     else f"{metric}:{event_type}")  # fmt: skip
    items = items or ["count:page_view"]
    query["series"] = items
    letters = "ABCDEFGHIJ"[: len(items)]
    if any(item.split(":")[0] in ROLLING for item in items):
        query["interval"] = "day"
    wheres = [w for w in _listed(query.get("series_where", [])) if w[0] in letters]
    query["series_where"] = wheres
    query["formula"] = " / ".join(letters) + " * 100"


def _runner(credentials: str | None):
    def run(case) -> None:
        _check(case, credentials)

    return run


@pytest.mark.parametrize("with_key", [True, False], ids=["with-a-key", "without"])
def test_api_conforms_with_and_without_credentials(running, with_key: bool) -> None:
    """Each operation, as a Hypothesis test of its own (schemathesis' pytest plugin fails
    under pytest 9.2 with "'Function' object has no attribute '_nodeid'", so its
    strategies are driven directly). Without credentials every protected route answers
    401 before it reads a parameter, so a few cases each show it."""
    app, key = running
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    credentials = key if with_key else None
    for operation in operations:
        if credentials and operation.path == "/v1/live":
            continue  # an endless stream by design: tested over real HTTP elsewhere
        run = given(case=operation.as_strategy())(_runner(credentials))
        run = settings(
            max_examples=25 if credentials else 5,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(run)
        run()

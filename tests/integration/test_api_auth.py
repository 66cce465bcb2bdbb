"""Scopes, revocation, JWTs and rate limits against the real database."""

from __future__ import annotations

import time

import jwt
import pytest
from api_helpers import api_client, core_for, new_key

from eventtide.core.db import make_engine
from eventtide.core.db.apikeys import revoke_key

pytestmark = pytest.mark.integration

SECRET = "test-only-" + "y" * 32
JSON = {"content-type": "application/json"}


@pytest.fixture
def core(kafka_bootstrap: str):
    return core_for(kafka_bootstrap, "events.v1", "events.dlq.v1")


def test_each_scope_reaches_only_its_routes(core, fresh_database_url: str) -> None:
    ingest, read = new_key(fresh_database_url, "ingest"), new_key(fresh_database_url, "read")
    admin = new_key(fresh_database_url, "admin")
    with api_client(core, fresh_database_url) as client:

        def post(key: str | None) -> int:
            headers = JSON | ({"x-api-key": key} if key else {})
            return client.post("/v1/events", content=b"[]", headers=headers).status_code

        assert post(None) == 401
        assert post("et_abc_notakey") == 401
        assert post(read) == 403
        assert post(ingest) == 400  # past auth: the empty batch is the problem
        assert post(admin) == 400
        bearer = client.post(
            "/v1/events", content=b"[]", headers=JSON | {"authorization": f"Bearer {ingest}"}
        )
        assert bearer.status_code == 400
        assert client.get("/v1/events", headers={"x-api-key": ingest}).status_code == 403
        assert client.get("/v1/events", headers={"x-api-key": read}).status_code == 200


def test_a_revoked_key_stops_working(core, fresh_database_url: str) -> None:
    key = new_key(fresh_database_url, "ingest")
    with api_client(core, fresh_database_url, key_cache_s=0.2) as client:
        headers = JSON | {"x-api-key": key}
        assert client.post("/v1/events", content=b"[]", headers=headers).status_code == 400
        engine = make_engine(fresh_database_url)
        with engine.begin() as conn:
            assert revoke_key(conn, key.split("_")[1])
        engine.dispose()
        time.sleep(0.3)
        answer = client.post("/v1/events", content=b"[]", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"


def test_jwt_valid_expired_and_wrongly_signed(core, fresh_database_url: str) -> None:
    now = int(time.time())
    good = jwt.encode({"sub": "ana", "exp": now + 60}, SECRET, algorithm="HS256")
    expired = jwt.encode({"sub": "ana", "exp": now - 60}, SECRET, algorithm="HS256")
    forged = jwt.encode({"sub": "ana", "exp": now + 60}, SECRET + "!", algorithm="HS256")
    with api_client(core, fresh_database_url, jwt_secret=SECRET) as client:

        def get(token: str) -> int:
            headers = {"authorization": f"Bearer {token}"}
            return client.get("/v1/events", headers=headers).status_code

        assert get(good) == 200
        assert get(expired) == 401
        assert get(forged) == 401
        # a token is for reading only
        answer = client.post(
            "/v1/events", content=b"[]", headers=JSON | {"authorization": f"Bearer {good}"}
        )
        assert answer.status_code == 403


def test_rate_limit_answers_429_with_retry_after(core, fresh_database_url: str) -> None:
    key = new_key(fresh_database_url, "ingest", rate=1.0)  # burst 2
    with api_client(core, fresh_database_url) as client:
        headers = JSON | {"x-api-key": key}
        codes = [client.post("/v1/events", content=b"[]", headers=headers) for _ in range(3)]
    assert [c.status_code for c in codes] == [400, 400, 429]
    assert int(codes[2].headers["retry-after"]) >= 1

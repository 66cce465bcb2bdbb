"""The generator's events sent through the API's ``POST /v1/events`` instead of Kafka.

``make run`` drives the pipeline the way applications do, through the API's door, so
the ingestion path (validation, dead letters, Kafka acknowledgement before the 2xx) is
exercised by every local run. The sink has the producer's surface the runner uses
(``send``, ``send_message``, ``poll``, ``flush``, ``stats``, ``errors``), so the runner
does not know which door it writes to.

Events are buffered and posted as JSON arrays: a batch when it is full, or when its
oldest event has waited ``linger_s`` (checked on ``poll``). A 503 (Kafka could not
take the batch) is retried after its Retry-After; any other refusal of the whole request
(401, 403, 413, ...) is final and ends the run with the API's own explanation.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any, Final

import orjson

from eventtide.core.errors import ConfigError
from eventtide.core.events import AnyEvent
from eventtide.core.kafka.client_errors import ClientErrors
from eventtide.core.kafka.codec import WireMessage, encode
from eventtide.core.kafka.delivery import DeliveryStats

RETRIES: Final = 5


class HttpSink:
    """Posts encoded events to an eventtide API in batches."""

    def __init__(
        self, api_url: str, api_key: str, *, batch_events: int = 500, linger_s: float = 0.05
    ) -> None:
        if not api_url.startswith(("http://", "https://")):
            raise ConfigError(
                "EVENTTIDE_PRODUCER_API_URL", f"{api_url!r} is not an http(s) URL of the API"
            )
        self.url = api_url.rstrip("/") + "/v1/events"
        self.stats = DeliveryStats()
        self.errors = ClientErrors()
        self._headers = {"Content-Type": "application/json", "X-API-Key": api_key}
        self._batch_events = batch_events
        self._linger_s = linger_s
        self._values: list[bytes] = []
        self._since = 0.0

    def connect(self, timeout_s: float, *, settle_s: float = 0.0) -> None:
        """Wait for the API's liveness route, or raise ConnectionError naming the URL."""
        del settle_s  # the API's own producer is long connected
        health = self.url.removesuffix("/v1/events") + "/healthz"
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(health, timeout=2):  # noqa: S310 (configured URL)
                    return
            except (urllib.error.URLError, OSError) as error:
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        f"the API at {health} does not answer ({error}); start it or fix "
                        "EVENTTIDE_PRODUCER_API_URL"
                    ) from error
                time.sleep(0.25)

    def send(self, event: AnyEvent) -> None:
        """Queue one event."""
        self.send_message(encode(event))

    def send_message(self, message: WireMessage) -> None:
        """Queue one encoded event; posts when the batch is full."""
        if not self._values:
            self._since = time.monotonic()
        self._values.append(message[2])
        if len(self._values) >= self._batch_events:
            self._post()

    def poll(self, timeout: float = 0.0) -> int:
        """Post a batch that has lingered long enough; otherwise wait up to ``timeout``."""
        if self._values and time.monotonic() - self._since >= self._linger_s:
            self._post()
        elif timeout > 0:
            time.sleep(timeout)
        return 0

    def flush(self, timeout: float = 30.0) -> int:
        """Post what is buffered; returns how many events are left unsent (0 or a batch)."""
        del timeout  # each post has its own timeout and retries
        if self._values:
            self._post()
        return len(self._values)

    def close(self) -> None:
        """Flush (the producer's ``close`` does the same)."""
        self.flush()

    def _post(self) -> None:
        if self.errors.fatal is not None:
            return
        body = b"[" + b",".join(self._values) + b"]"
        started = time.monotonic()
        answer = self._request(body)
        if answer is None:
            return
        self.stats.delivered += int(answer.get("accepted", 0))
        rejected = int(answer.get("rejected", 0))
        if rejected:  # kept by the API as dead letters with their reasons, not lost
            self.stats.errors["dead-lettered by the API"] += rejected
        self.stats.latency.record(time.monotonic() - started)
        self._values.clear()

    def _request(self, body: bytes) -> dict[str, Any] | None:
        """The API's JSON answer, after retrying 503s; None (and ``errors.fatal``) if refused."""
        for _attempt in range(RETRIES):
            request = urllib.request.Request(self.url, data=body, headers=self._headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    answer: dict[str, Any] = orjson.loads(response.read())
                    return answer
            except urllib.error.HTTPError as error:
                detail = error.read().decode(errors="replace")[:300]
                if error.code == 503:
                    time.sleep(float(error.headers.get("Retry-After") or 1))
                    continue
                self.errors.fatal = f"the API refused the batch: {error.code} {detail}"
                return None
            except (urllib.error.URLError, OSError) as error:
                self.errors.fatal = f"the API at {self.url} does not answer: {error}"
                return None
        self.errors.fatal = f"the API answered 503 {RETRIES} times in a row"
        return None

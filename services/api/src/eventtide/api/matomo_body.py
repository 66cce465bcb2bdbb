"""What a Matomo tracker sends to ``matomo.php``, as its actions: the query string's
action (GET), a form's over it (POST), or each of a bulk request's ``requests``.

Apart from the route, so that any body can be checked to decode to actions or to the
problem that says what is wrong with it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from eventtide.api.problems import Problem
from eventtide.core.events.contracts.common import POSITION


def decode_actions(
    query: dict[str, str], body: bytes, content_type: str
) -> tuple[list[dict[str, Any]], bool]:
    """The actions of a request (each its parameters, ``$``-names dropped: the door's
    own), and whether it was a bulk request."""
    bulk = None
    if body.lstrip()[:1] == b"{":
        try:
            bulk = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise Problem(400, "malformed-json", "Malformed JSON", f"not JSON: {error}") from error
    if isinstance(bulk, dict):
        requests = bulk.get("requests")
        if not isinstance(requests, list) or not requests:
            raise Problem(400, "empty-batch", "Empty batch", "send a non-empty `requests` array")
        texts = [r[r.find("?") + 1 :] if isinstance(r, str) else "" for r in requests]
        actions = [dict(parse_qsl(t, keep_blank_values=True)) for t in texts]
    else:
        form = body.decode("utf-8", errors="replace") if "json" not in content_type else ""
        actions = [{**query, **dict(parse_qsl(form, keep_blank_values=True))}]
    kept = [{k: v for k, v in action.items() if not k.startswith("$")} for action in actions]
    return [{**action, POSITION: place} for place, action in enumerate(kept)], bulk is not None

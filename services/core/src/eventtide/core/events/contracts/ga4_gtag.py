"""Google Analytics 4's web protocol: what a Google tag (gtag.js, or Tag Manager's GA4
tag) sends to ``/g/collect``, read as the Measurement Protocol requests it stands for.

A site keeps its Google tag and points it at eventtide as it would at a server-side
tagging server (``server_container_url``). Google publishes no reference for this
protocol; its parameters are known from the tags' traffic, and public references list
them. A request carries one event in its query string, or several in its body, one a
line, each line's parameters over the query's. Each event becomes a Measurement Protocol
request that :mod:`.ga4_protocol` reads on (the same typed events, identity links,
user properties and refusals):

- ``cid`` is the ``client_id``, ``uid`` the ``user_id``, ``tid`` the ``measurement_id``;
- ``en`` is the event's name; ``ep.<name>`` its text parameters, ``epn.<name>`` its
  numbers; ``dl``, ``dt`` and ``dr`` the ``page_location``, ``page_title`` and
  ``page_referrer``; ``sid`` the ``session_id``, ``cu`` the ``currency`` and ``_et`` the
  ``engagement_time_msec``;
- ``pr1``, ``pr2``... are the items, each ``~``-separated fields named by two letters
  (:data:`ITEM_FIELDS`; ``id`` the item_id, ``pr`` the price, ``qt`` the quantity) and
  its own parameters as ``k<n><name>`` and ``v<n><value>`` pairs;
- ``up.<name>`` and ``upn.<name>`` are the user's properties;
- ``ul`` is the ``device``'s language and ``sr`` its screen; the rest (``_p``, ``_s``,
  ``sct``, ``seg``, ``gcs``...) is kept under ``gtag``: the query's in the request, a
  line's own in its event's parameters.

As GA4 does, an event flagged ``_fv=1`` (the visitor's first) or ``_ss=1`` (a session's
first) is preceded by a ``first_visit`` or ``session_start`` event of its page and
session, as GA4's own export holds them. Consecutive events of one client and user make
one request. The tag sends no time of
its own: an event's time is its receipt (judged by the clock rule) plus its place in the
batch in microseconds, so the batch's order survives.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import parse_qsl

from eventtide.core.events.contracts.common import POSITION, number_sent_as_text

PARAMS: Final = {
    "dl": "page_location", "dt": "page_title", "dr": "page_referrer", "sid": "session_id",
    "cu": "currency", "_et": "engagement_time_msec",
}  # fmt: skip
"""Parameters of the event that the protocol names by letters: their GA4 names."""
ITEM_FIELDS: Final = {
    "id": "item_id", "nm": "item_name", "br": "item_brand", "ca": "item_category",
    "c2": "item_category2", "c3": "item_category3", "c4": "item_category4",
    "c5": "item_category5", "va": "item_variant", "pr": "price", "qt": "quantity",
    "cp": "coupon", "ds": "discount", "af": "affiliation", "ln": "item_list_name",
    "li": "item_list_id", "lp": "index", "lo": "location_id", "cn": "creative_name",
    "cs": "creative_slot", "pi": "promotion_id", "pn": "promotion_name",
}  # fmt: skip
"""An item's two-letter fields: their GA4 names."""
ITEM_NUMBERS: Final = frozenset({"price", "quantity", "discount", "index"})
OWN: Final = frozenset({"v", "tid", "cid", "uid", "en", "ul", "sr"})
"""Parameters read into the request's own fields, not kept under ``gtag``."""
MADE: Final = (("_fv", "first_visit"), ("_ss", "session_start"))
"""Flags on an event from which GA4 makes an event of its own, before it: the visitor's
first visit, a session's start."""
MADE_PARAMS: Final = ("page_location", "page_title", "page_referrer", "session_id")
ITEM: Final = re.compile(r"pr(\d{1,3})")
CUSTOM_ITEM_FIELD: Final = re.compile(r"([kv])(\d+)(.*)", re.DOTALL)


def gtag_requests(query: str, body: str) -> list[dict[str, Any]]:
    """The Measurement Protocol requests a ``/g/collect`` request stands for: its query
    string's event, or each line of its body over the query's parameters."""
    shared = dict(parse_qsl(query, keep_blank_values=True))
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    requests: list[dict[str, Any]] = []
    position = 0
    for line in lines or [""]:
        fields = dict(parse_qsl(line, keep_blank_values=True))
        request = _request(shared, fields)
        (event,) = request["events"]
        hit = {**shared, **fields}
        made = [_made(name, event) for flag, name in MADE if hit.get(flag) == "1"]
        request["events"] = [*made, event]
        for each in request["events"]:  # its time's place in the whole batch
            each[POSITION], position = position, position + 1
        last = requests[-1] if requests else None
        if last is not None and _who(last) == _who(request):
            last["events"].extend(request["events"])
            if "user_properties" in request:
                last["user_properties"] = {**last.get("user_properties", {}),
                                           **request["user_properties"]}  # fmt: skip
        else:
            requests.append(request)
    return requests


def _made(name: str, event: dict[str, Any]) -> dict[str, Any]:
    """The event GA4 makes of a flag on the tag's event, with that event's page and
    session."""
    params = event["params"]
    return {"name": name, "params": {k: params[k] for k in MADE_PARAMS if k in params}}


def _who(request: dict[str, Any]) -> tuple[object, object]:
    return request.get("client_id"), request.get("user_id")


def _request(shared: dict[str, str], line: dict[str, str]) -> dict[str, Any]:
    """One event (a line's parameters over the query's) as a Measurement Protocol request
    of that event. The parameters nothing reads are kept: the query's under the request's
    ``gtag``, a line's own under its event's ``gtag`` parameter."""
    hit = {**shared, **line}
    params: dict[str, Any] = {}
    user_properties: dict[str, Any] = {}
    items: dict[int, dict[str, Any]] = {}
    rest: dict[str, str] = {}
    for key, value in hit.items():
        prefix, dot, name = key.partition(".")
        if dot and name and prefix in ("ep", "epn"):
            params[name] = value if prefix == "ep" else number_sent_as_text(value)
        elif dot and name and prefix in ("up", "upn"):
            user_properties[name] = {
                "value": value if prefix == "up" else number_sent_as_text(value)
            }
        elif key in PARAMS:
            params[PARAMS[key]] = number_sent_as_text(value) if key == "_et" else value
        elif (numbered := ITEM.fullmatch(key)) is not None:
            items[int(numbered.group(1))] = item_of(value)
        elif key not in OWN:
            rest[key] = value
    if items:
        params["items"] = [items[number] for number in sorted(items)]
    if own := {key: value for key, value in rest.items() if key in line}:
        params["gtag"] = own
    event: dict[str, Any] = {"params": params}
    if hit.get("en"):
        event["name"] = hit["en"]
    request: dict[str, Any] = {"events": [event]}
    for field, key in (("client_id", "cid"), ("user_id", "uid"), ("measurement_id", "tid")):
        if hit.get(key):
            request[field] = hit[key]
    device = {name: hit[key] for name, key in (("language", "ul"), ("screen_resolution", "sr"))
              if hit.get(key)}  # fmt: skip
    if device:
        request["device"] = device
    if user_properties:
        request["user_properties"] = user_properties
    if shared_rest := {key: value for key, value in rest.items() if key not in line}:
        request["gtag"] = shared_rest
    return request


def item_of(text: str) -> dict[str, Any]:
    """An item's fields (``id<sku>~nm<name>~pr<price>~qt<quantity>~k0<name>~v0<value>``)."""
    item: dict[str, Any] = {}
    own: dict[str, dict[str, str]] = {}
    for part in text.split("~"):
        if (custom := CUSTOM_ITEM_FIELD.fullmatch(part)) is not None:
            kind, number, value = custom.groups()
            own.setdefault(number, {})[kind] = value
            continue
        name = ITEM_FIELDS.get(part[:2])
        if name is not None:
            item[name] = number_sent_as_text(part[2:]) if name in ITEM_NUMBERS else part[2:]
    for pair in own.values():
        if pair.get("k"):
            item[pair["k"]] = pair.get("v")
    return item

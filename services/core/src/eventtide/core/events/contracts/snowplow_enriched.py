"""Snowplow's enriched events, as its pipeline archives them and its warehouses hold
them (``--format snowplow``).

Three shapes of one event model (Snowplow's canonical event, 131 fields), read line by
line by :mod:`.snowplow_lines`:

- **the enriched TSV** the enrich stream writes (and its S3 archive keeps): the 131
  fields in their fixed order (:data:`ENRICHED_FIELDS`), tab-separated, empty for none;
  times as ``2024-03-01 10:00:00.123`` (UTC); ``contexts``, ``derived_contexts`` and
  ``unstruct_event`` as self-describing JSON;
- **a warehouse row as a JSON object** (the atomic events table of BigQuery, Snowflake or
  Databricks exported as JSON lines, or the JSON of Snowplow's analytics SDKs): the
  same field names as keys, times as ISO 8601 (a trailing `` UTC`` allowed) or epoch
  numbers; the event's own data and its entities either in those JSON fields or
  shredded into a column per schema: ``unstruct_event_<vendor>_<name>_<version>``
  (``event_vendor``, ``event_name`` and ``event_version`` name its schema) and
  ``contexts_<vendor>_<name>_<version>`` (a list of entities; their schemas are known
  again for the vendors :data:`VENDORS` lists, since the column's underscores lose the
  vendor's dots; another vendor's is ``unknown``);
- **the same table as CSV** with its header row (a warehouse's CSV export, or the seeds
  of Snowplow's dbt packages), JSON columns as JSON text.

Each row is read back as the tracker-protocol event it was enriched from and mapped as
the collector maps one (:mod:`.snowplow`), so an imported event is the event the live
door would have stored: the same kinds, user (``user_id``, else ``domain_userid``, else
``network_userid``), session (``domain_sessionid``), typed readings and identity link
(a row with both ``user_id`` and ``domain_userid``). What the enrichment knew better is
taken from it: the event time is ``derived_tstamp`` (Snowplow's own: the true time,
else the device's corrected for its clock), the receipt ``collector_tstamp``, the
country ``geo_country`` (the IP lookup's code) before the browser language's region.
The fields not read are kept under ``$snowplow`` by their atomic names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import orjson

from eventtide.core.events.contracts.common import Mapped
from eventtide.core.events.contracts.exports import utc_time, with_line_id, with_link
from eventtide.core.events.contracts.snowplow import UNSTRUCT, from_snowplow, link_event

ENRICHED_FIELDS: Final = (
    "app_id", "platform", "etl_tstamp", "collector_tstamp", "dvce_created_tstamp",
    "event", "event_id", "txn_id", "name_tracker", "v_tracker", "v_collector", "v_etl",
    "user_id", "user_ipaddress", "user_fingerprint", "domain_userid", "domain_sessionidx",
    "network_userid", "geo_country", "geo_region", "geo_city", "geo_zipcode",
    "geo_latitude", "geo_longitude", "geo_region_name", "ip_isp", "ip_organization",
    "ip_domain", "ip_netspeed", "page_url", "page_title", "page_referrer",
    "page_urlscheme", "page_urlhost", "page_urlport", "page_urlpath", "page_urlquery",
    "page_urlfragment", "refr_urlscheme", "refr_urlhost", "refr_urlport", "refr_urlpath",
    "refr_urlquery", "refr_urlfragment", "refr_medium", "refr_source", "refr_term",
    "mkt_medium", "mkt_source", "mkt_term", "mkt_content", "mkt_campaign", "contexts",
    "se_category", "se_action", "se_label", "se_property", "se_value", "unstruct_event",
    "tr_orderid", "tr_affiliation", "tr_total", "tr_tax", "tr_shipping", "tr_city",
    "tr_state", "tr_country", "ti_orderid", "ti_sku", "ti_name", "ti_category",
    "ti_price", "ti_quantity", "pp_xoffset_min", "pp_xoffset_max", "pp_yoffset_min",
    "pp_yoffset_max", "useragent", "br_name", "br_family", "br_version", "br_type",
    "br_renderengine", "br_lang", "br_features_pdf", "br_features_flash",
    "br_features_java", "br_features_director", "br_features_quicktime",
    "br_features_realplayer", "br_features_windowsmedia", "br_features_gears",
    "br_features_silverlight", "br_cookies", "br_colordepth", "br_viewwidth",
    "br_viewheight", "os_name", "os_family", "os_manufacturer", "os_timezone",
    "dvce_type", "dvce_ismobile", "dvce_screenwidth", "dvce_screenheight", "doc_charset",
    "doc_width", "doc_height", "tr_currency", "tr_total_base", "tr_tax_base",
    "tr_shipping_base", "ti_currency", "ti_price_base", "base_currency", "geo_timezone",
    "mkt_clickid", "mkt_network", "etl_tags", "dvce_sent_tstamp", "refr_domain_userid",
    "refr_device_tstamp", "derived_contexts", "domain_sessionid", "derived_tstamp",
    "event_vendor", "event_name", "event_format", "event_version", "event_fingerprint",
    "true_tstamp",
)  # fmt: skip
"""The enriched TSV's columns in their order (Snowplow's canonical event model)."""
KINDS: Final = {"page_view": "pv", "page_ping": "pp", "struct": "se", "unstruct": "ue",
                "transaction": "tr", "transaction_item": "ti"}  # fmt: skip
"""``event`` to the tracker protocol's ``e``."""
RENAMED: Final = {
    "event_id": "eid", "user_id": "uid", "domain_userid": "duid", "network_userid": "nuid",
    "domain_sessionid": "sid", "page_url": "url", "page_title": "page",
    "page_referrer": "refr", "platform": "p", "br_lang": "lang", "useragent": "ua",
    "app_id": "aid",
    "se_category": "se_ca", "se_action": "se_ac", "se_label": "se_la",
    "se_property": "se_pr", "se_value": "se_va",
    "tr_orderid": "tr_id", "tr_affiliation": "tr_af", "tr_total": "tr_tt", "tr_tax": "tr_tx",
    "tr_shipping": "tr_sh", "tr_city": "tr_ci", "tr_state": "tr_st", "tr_country": "tr_co",
    "tr_currency": "tr_cu",
    "ti_orderid": "ti_id", "ti_sku": "ti_sk", "ti_name": "ti_nm", "ti_category": "ti_ca",
    "ti_price": "ti_pr", "ti_quantity": "ti_qu", "ti_currency": "ti_cu",
    "pp_xoffset_min": "pp_mix", "pp_xoffset_max": "pp_max",
    "pp_yoffset_min": "pp_miy", "pp_yoffset_max": "pp_may",
}  # fmt: skip
"""Atomic fields to the tracker-protocol fields they were enriched from."""
TIMES: Final = {"dvce_created_tstamp": "dtm", "dvce_sent_tstamp": "stm"}
CONSUMED: Final = frozenset(
    {"event", "collector_tstamp", "derived_tstamp", "true_tstamp", "unstruct_event",
     "contexts", "derived_contexts", "event_vendor", "event_name", "event_format",
     "event_version", *RENAMED, *TIMES}
)  # fmt: skip
"""Atomic fields the tracker event is made of; the others are kept as they are."""
CONTEXTS: Final = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
VENDORS: Final = (
    "com.snowplowanalytics.snowplow.ecommerce", "com.snowplowanalytics.snowplow",
    "com.snowplowanalytics.mobile", "io.eventtide",
)  # fmt: skip
"""Vendors whose shredded entity columns are read back into schemas (longest first, so
``com_snowplowanalytics_snowplow_ecommerce_product_1`` is the e-commerce plugin's)."""
SHREDDED: Final = re.compile(
    r"^(?P<kind>unstruct_event|contexts|derived_contexts)_(?P<body>.+?)_(?P<major>\d+)"
    r"(?:_(?P<minor>\d+)_(?P<patch>\d+))?$"
)
"""A warehouse's column of one schema: Snowflake's and Databricks' name its major
version (``_1``), BigQuery's the whole one (``_1_0_2``)."""
SHREDDED_PREFIXES: Final = ("unstruct_event_", "contexts_", "derived_contexts_")


def from_snowplow_export(row: Mapping[str, Any], imported_at: datetime) -> list[Mapped]:
    """One enriched event: the events it stands for, and its identity link if any."""
    received = snowplow_time(row.get("collector_tstamp")) or imported_at
    event = tracker_event(row)
    mapped = with_line_id(from_snowplow(event, received_at=received), row, "snowplow")
    return with_link(
        mapped, link_event(event), lambda link: from_snowplow(link, received_at=received)
    )


def tracker_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """The tracker-protocol event a row was enriched from, with the enrichment's
    knowledge (the derived time, the country) and the unread atomic fields beside it."""
    columns = _shredded_columns(row)
    event: dict[str, Any] = {
        name: value
        for name, value in row.items()
        if name not in CONSUMED and name not in columns and value not in (None, "")
    }
    for atomic, field in (RENAMED | TIMES).items():
        value = row.get(atomic)
        if value not in (None, ""):
            event[field] = _millis(value) if atomic in TIMES else value
    occurred = row.get("derived_tstamp") or row.get("true_tstamp")
    if occurred not in (None, "") and (millis := _millis(occurred)) is not None:
        event["ttm"] = millis
    inner = _unstruct(row, columns)
    if inner is None and row.get("event") == "unstruct" and (schema := _row_schema(row, "")):
        inner = {"schema": schema, "data": {}}  # a table without the event's own column
    if inner is not None:
        event["ue_pr"] = orjson.dumps({"schema": UNSTRUCT, "data": inner}).decode()
    kind = str(row.get("event") or "")
    event["e"] = KINDS.get(kind, kind) or ("ue" if inner is not None else "")
    if entities := _entities(row, columns):
        event["co"] = orjson.dumps({"schema": CONTEXTS, "data": entities}).decode()
    return {k: v for k, v in event.items() if v is not None}


def snowplow_time(value: object) -> datetime | None:
    """An enriched or warehouse time (UTC when naive; `` UTC`` suffixed or not)."""
    return utc_time(value.removesuffix(" UTC") if isinstance(value, str) else value)


def _millis(value: object) -> str | None:
    at = snowplow_time(value)
    return None if at is None else str(round(at.timestamp() * 1000))


def _shredded_columns(row: Mapping[str, Any]) -> dict[str, re.Match[str]]:
    """A warehouse row's columns of one schema each, with their names' parts."""
    return {
        name: shredded
        for name in row
        if name.startswith(SHREDDED_PREFIXES) and (shredded := SHREDDED.match(name)) is not None
    }


def _unstruct(
    row: Mapping[str, Any], columns: Mapping[str, re.Match[str]]
) -> dict[str, Any] | None:
    """The self-describing event ({schema, data}): the ``unstruct_event`` field's, else
    the shredded column's with the schema the row's ``event_*`` fields name."""
    whole = _decoded(row.get("unstruct_event"))
    if isinstance(whole, dict):
        inner = whole.get("data")
        return inner if isinstance(inner, dict) else None
    for name, shredded in columns.items():
        data = _decoded(row[name])
        if shredded["kind"] != "unstruct_event" or not isinstance(data, dict):
            continue
        return {"schema": _row_schema(row, _version(shredded)) or _schema(shredded), "data": data}
    return None


def _row_schema(row: Mapping[str, Any], version: str) -> str | None:
    """The event's schema as the row's ``event_vendor``, ``event_name``,
    ``event_format`` and ``event_version`` name it; None without a vendor and name."""
    vendor, name = row.get("event_vendor"), row.get("event_name")
    if not vendor or not name:
        return None
    kind = row.get("event_format") or "jsonschema"
    return f"iglu:{vendor}/{name}/{kind}/{row.get('event_version') or version or '1-0-0'}"


def _entities(row: Mapping[str, Any], columns: Mapping[str, re.Match[str]]) -> list[dict[str, Any]]:
    """The attached entities ({schema, data}) of the ``contexts`` and
    ``derived_contexts`` fields, then of every shredded entity column."""
    entities: list[dict[str, Any]] = []
    for field in ("contexts", "derived_contexts"):
        wrapper = _decoded(row.get(field))
        listed = wrapper.get("data") if isinstance(wrapper, dict) else None
        if isinstance(listed, list):
            entities += [e for e in listed if isinstance(e, dict)]
    for name, shredded in columns.items():
        if shredded["kind"] == "unstruct_event":
            continue
        decoded = _decoded(row[name])
        items = decoded if isinstance(decoded, list) else [decoded]
        schema = _schema(shredded)
        entities += [{"schema": schema, "data": item} for item in items if isinstance(item, dict)]
    return entities


def _schema(shredded: re.Match[str]) -> str:
    """The Iglu URI a shredded column stands for (``iglu:vendor/name/jsonschema/1-0-0``,
    ``1-*-*`` when only the major version is known); a vendor not among :data:`VENDORS`
    cannot be told from the name, so it is ``unknown`` and the name the column's words
    (``iglu:unknown/com_acme_invite_sent/jsonschema/1-*-*``)."""
    body = shredded["body"]
    for vendor in VENDORS:
        prefix = vendor.replace(".", "_") + "_"
        if body.startswith(prefix):
            return f"iglu:{vendor}/{body[len(prefix) :]}/jsonschema/{_version(shredded)}"
    return f"iglu:unknown/{body}/jsonschema/{_version(shredded)}"


def _version(shredded: re.Match[str]) -> str:
    if shredded["minor"] is None:
        return f"{shredded['major']}-*-*"
    return f"{shredded['major']}-{shredded['minor']}-{shredded['patch']}"


def _decoded(value: object) -> object:
    """A JSON field as the TSV (or a warehouse's string column) holds it, decoded; any
    other value as it is; None for text that is not JSON."""
    if not isinstance(value, str):
        return value
    if not value:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None

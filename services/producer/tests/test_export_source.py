"""An export file as the producer reads it: gzip or not, bad lines reported, links once."""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path

import orjson
import pytest

from eventtide.core.cli_options import FileFormat
from eventtide.core.events import AnyEvent, IdentifyEvent
from eventtide.core.events.contracts import EXPORT_READERS
from eventtide.core.events.contracts.snowplow_enriched import ENRICHED_FIELDS
from eventtide.producer.sources import Rejected, from_export

pytestmark = pytest.mark.unit


def _amplitude(number: int) -> dict[str, object]:
    at = f"2024-03-01 10:00:{number:02d}"
    return {"event_type": "Song Played", "user_id": "u-1", "device_id": "d-1",
            "event_time": at, "$insert_id": f"i-{number}"}  # fmt: skip


def test_gzip_bad_lines_and_one_identity_link_per_pair(tmp_path: Path) -> None:
    lines = [orjson.dumps(_amplitude(n)) for n in range(3)]
    lines[1:1] = [b"{not json", b"[1, 2]", b""]
    export = tmp_path / "export.json"  # gzipped without saying so in its name
    export.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))

    items = list(from_export(export, "amplitude"))
    rejected = [i for i in items if isinstance(i, Rejected)]
    events: list[AnyEvent] = [i for i in items if not isinstance(i, Rejected)]  # type: ignore[misc]
    assert [(r.where, r.rejection.kind) for r in rejected] == [
        ("line 2", "malformed_json"), ("line 3", "schema_violation"),
    ]  # fmt: skip
    assert "not list" in rejected[1].rejection.message
    assert [e.event_type for e in events] == ["Song Played", "identify", "Song Played",
                                              "Song Played"], "the d-1 → u-1 link once"  # fmt: skip
    link = events[1]
    assert isinstance(link, IdentifyEvent)
    assert link.properties.anonymous_id == "d-1"

    plain = tmp_path / "export.jsonl"
    plain.write_bytes(b"\n".join(orjson.dumps(_amplitude(n)) for n in range(3)))
    again = [i for i in from_export(plain, "amplitude")]
    assert [e.event_id for e in again] == [e.event_id for e in events], "ids stable per line"


def test_every_format_the_cli_offers_has_a_reader() -> None:
    """The CLI names the formats without importing the readers (registration stays cheap)."""
    assert {f.value for f in FileFormat} == {"eventtide", "auto", *EXPORT_READERS}


def test_a_snowplow_archive_of_tsv_and_json_lines_with_a_bad_line(tmp_path: Path) -> None:
    fields = {"event": "page_view", "event_id": "6f1c2b7e-0d4a-4c3b-9a8e-5d6c7b8a9f01",
              "collector_tstamp": "2024-03-01 10:00:00.000", "domain_userid": "d-1",
              "platform": "web", "page_url": "https://shop.example/p/mug"}  # fmt: skip
    tsv = "\t".join(fields.get(name, "") for name in ENRICHED_FIELDS).encode()
    row = {**fields, "event_id": "6f1c2b7e-0d4a-4c3b-9a8e-5d6c7b8a9f02", "user_id": "u-1"}
    archive = tmp_path / "enriched.tsv.gz"
    archive.write_bytes(gzip.compress(b"\n".join([tsv, tsv[:-40], orjson.dumps(row)])))

    items = list(from_export(archive, "snowplow"))
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [(r.where, r.rejection.rule) for r in rejected] == [("line 2", "enriched_fields")]
    events = [i for i in items if not isinstance(i, Rejected)]
    assert [(e.event_type, e.user_id) for e in events] == [  # type: ignore[union-attr]
        ("page_view", "d-1"),
        ("page_view", "u-1"),
        ("identify", "u-1"),
    ]


def test_a_snowplow_csv_export_skips_its_header_and_reports_a_bad_record(tmp_path: Path) -> None:
    header = b"event,event_id,collector_tstamp,domain_userid,page_url\n"
    good = b"page_view,6f1c2b7e-0d4a-4c3b-9a8e-5d6c7b8a9f03,2024-03-01 10:00:00.000,d-2,/p\n"
    export = tmp_path / "atomic_events.csv"
    export.write_bytes(header + good + b"page_view,oops\n")

    items = list(from_export(export, "snowplow"))
    assert [(i.where, i.rejection.rule) for i in items if isinstance(i, Rejected)] == [
        ("line 3", "enriched_fields")
    ]
    assert [e.user_id for e in items if not isinstance(e, Rejected)] == ["d-2"]  # type: ignore[union-attr]


def test_a_zip_of_gzipped_files_and_a_folder_are_read_file_by_file(tmp_path: Path) -> None:
    """Amplitude's Export API answers a zip of gzipped hourly files; archives are folders."""
    import zipfile

    export = tmp_path / "amplitude-export.zip"
    with zipfile.ZipFile(export, "w") as archive:  # written out of order: read by name
        archive.writestr("123/123_2024-03-01_11#0.json.gz", gzip.compress(_lines(range(2, 4))))
        archive.writestr("123/123_2024-03-01_10#0.json.gz", gzip.compress(_lines(range(2))))
    events = list(from_export(export, "amplitude"))
    assert [getattr(e, "event_id", e) for e in events] == [
        getattr(e, "event_id", e) for e in _read(tmp_path / "one.jsonl", _lines(range(4)))
    ], "the hours in order, the d-1 → u-1 link once"

    folder = tmp_path / "archive"
    (folder / "day2").mkdir(parents=True)
    (folder / "day1.jsonl.gz").write_bytes(gzip.compress(_lines(range(1))))
    (folder / "day2" / "part.jsonl").write_bytes(_lines(range(1, 2)) + b"\n{oops\n")
    items = list(from_export(folder, "amplitude"))
    assert [i.where for i in items if isinstance(i, Rejected)] == ["day2/part.jsonl line 2"]
    assert len([i for i in items if not isinstance(i, Rejected)]) == 3, "two and a link"


def _lines(numbers: range) -> bytes:
    return b"\n".join(orjson.dumps(_amplitude(n)) for n in numbers)


def _read(path: Path, content: bytes) -> list[object]:
    path.write_bytes(content)
    return list(from_export(path, "amplitude"))


def test_each_csv_file_of_a_folder_has_its_own_header(tmp_path: Path) -> None:
    folder = tmp_path / "atomic_events"
    folder.mkdir()
    for part, columns in (("a", "event,event_id,collector_tstamp,domain_userid"),
                          ("b", "domain_userid,event,collector_tstamp,event_id")):  # fmt: skip
        names = columns.split(",")
        values = {"event": "page_view", "event_id": str(uuid.uuid4()), "domain_userid": part,
                  "collector_tstamp": "2024-03-01 10:00:00.000"}  # fmt: skip
        row = ",".join(values[name] for name in names)
        (folder / f"{part}.csv").write_text(f"{columns}\n{row}\n")
    items = list(from_export(folder, "snowplow"))
    assert [getattr(i, "user_id", i) for i in items] == ["a", "b"]

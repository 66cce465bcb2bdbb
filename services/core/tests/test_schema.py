"""The exported JSON Schema covers every event type and is what the CLI prints."""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from eventtide.core.cli import build_app
from eventtide.core.events import EVENT_TYPES
from eventtide.core.events.schema import event_json_schema

pytestmark = pytest.mark.unit


def test_schema_names_every_typed_event_and_admits_custom_names() -> None:
    schema = event_json_schema()
    typed, custom = schema["anyOf"]
    assert set(typed["discriminator"]["mapping"]) == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == 13
    assert custom["properties"]["event_type"]["type"] == "string"
    assert custom["properties"]["properties"]["type"] == "object"


def test_cli_exports_the_schema(tmp_path: object) -> None:
    result = CliRunner().invoke(build_app(), ["schema", "export"])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == orjson.loads(orjson.dumps(event_json_schema()))

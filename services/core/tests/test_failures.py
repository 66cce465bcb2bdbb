"""The CLI root's classification of failures (pure: an exception in, a message out)."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from eventtide.core.db.settings import DbSettings, check_database_url
from eventtide.core.errors import ConfigError
from eventtide.core.failures import RUNTIME, USAGE, explain, setting_name
from eventtide.core.kafka.logs import RepeatFilter
from eventtide.core.settings import CoreSettings

pytestmark = pytest.mark.unit


def test_a_settings_error_names_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENTTIDE_MAX_CLOCK_SKEW_S", "soon")
    with pytest.raises(ValidationError) as raised:
        CoreSettings()
    failure = explain(raised.value)
    assert failure.code == USAGE
    assert "EVENTTIDE_MAX_CLOCK_SKEW_S='soon'" in failure.message


def test_a_secret_setting_is_named_but_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTTIDE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("EVENTTIDE_KAFKA_SASL_PASSWORD", "hunter2")
    with pytest.raises(ValidationError) as raised:
        CoreSettings()
    failure = explain(raised.value)
    assert failure.code == USAGE
    assert "EVENTTIDE_KAFKA_SASL_MECHANISM" in failure.message
    assert "hunter2" not in failure.message


def test_aliases_and_prefixes_give_the_variable_a_user_sets() -> None:
    assert setting_name(DbSettings, ("database_url",)) == "DATABASE_URL"
    assert setting_name(CoreSettings, ("events_topic",)) == "EVENTTIDE_EVENTS_TOPIC"
    assert setting_name(CoreSettings, ()) == ""


@pytest.mark.parametrize(
    "url", ["postgresql://u@h/db", "postgres://h/db", "postgresql+psycopg://h/db", "sqlite:///x"]
)
def test_supported_database_urls_pass(url: str) -> None:
    assert check_database_url(url) == url


@pytest.mark.parametrize("url", ["mysql://h/db", "oracle://h", "eventtide.db", ""])
def test_other_database_urls_are_refused_with_an_example(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql://user:password@host:5432/name"):
        check_database_url(url)


def test_a_config_error_is_a_usage_failure_and_anything_else_a_runtime_one() -> None:
    assert explain(ConfigError("X", "bad")).code == USAGE
    unknown = explain(RuntimeError("boom\nsecond line"))
    assert unknown.code == RUNTIME
    assert "boom" in unknown.message
    assert "second line" not in unknown.message
    assert "--debug" in unknown.message


def test_librdkafka_repeats_pass_once_per_window() -> None:
    only_once = RepeatFilter(window_s=60)

    def record(text: str, at: float) -> logging.LogRecord:
        made = logging.LogRecord("k", logging.ERROR, "", 0, text, None, None)
        made.created = at
        return made

    assert only_once.filter(record("refused", 0.0))
    assert not only_once.filter(record("refused", 30.0))
    assert only_once.filter(record("other", 31.0))
    assert only_once.filter(record("refused", 61.0))

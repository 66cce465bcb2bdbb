"""The pure core imports without the I/O libraries (ARCHITECTURE.md: light packages)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

MODULES = [
    "aggregates",
    "alerts",
    "attribution",
    "config",
    "features",
    "job",
    "model",
    "outputs",
    "sessions",
    "state",
    "watermark",
    "windows",
]


def test_pure_modules_do_not_load_kafka_sqlalchemy_or_psycopg():
    code = (
        "import sys\n"
        + "".join(f"import eventtide.processor.{m}\n" for m in MODULES)
        + "print(sorted(m for m in ('confluent_kafka', 'sqlalchemy', 'psycopg', 'pydantic')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

"""Running a tests/sdk_clients script: an SDK from npm, unmodified, sending to the API."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CLIENTS = Path(__file__).resolve().parent / "sdk_clients"


def run_node_client(script: str, package: str, url: str, key: str) -> dict[str, Any]:
    """``node sdk_clients/<script> <url> <key>``'s last line as JSON; a missing node or
    ``package`` fails the test with how to install it."""
    node = shutil.which("node")
    if node is None or not (CLIENTS / "node_modules" / package).exists():
        pytest.fail(f"node or {package} is missing: run `make sdk-clients` (npm)")
    sent = subprocess.run(
        [node, str(CLIENTS / script), url, key],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stdout + sent.stderr
    result: dict[str, Any] = json.loads(sent.stdout.strip().splitlines()[-1])
    return result

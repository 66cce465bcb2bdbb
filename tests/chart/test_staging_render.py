"""The values terraform/scripts/staging_values.py writes are values the chart accepts.

The script's output goes through ``helm template`` (which checks values.schema.json,
``additionalProperties: false`` everywhere) and the rendered objects carry what the
Terraform outputs said: the IAM or SCRAM listener, External Secrets by ARN, no secret.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.chart.rendering import REPO, containers, render

pytestmark = pytest.mark.integration

BROKERS = "b-1.msk.eu-west-1.amazonaws.com:{port},b-2.msk.eu-west-1.amazonaws.com:{port}"
DB_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1-AbCdEf"
SCRAM_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_x-Q1"


def script() -> ModuleType:
    path = REPO / "terraform" / "scripts" / "staging_values.py"
    spec = importlib.util.spec_from_file_location("staging_values_for_chart", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs(mechanism: str) -> dict[str, Any]:
    port = 9098 if mechanism == "iam" else 9096
    values = {
        "aws_region": "eu-west-1",
        "kafka_bootstrap_brokers_tls": BROKERS.format(port=port),
        "kafka_auth_mechanism": mechanism,
        "kafka_scram_secret_arn": SCRAM_ARN if mechanism == "scram" else None,
        "database_host": "db.eu-west-1.rds.amazonaws.com",
        "database_port": 5432,
        "database_name": "eventtide",
        "database_secret_arn": DB_ARN,
    }
    return {k: {"value": v, "type": "string", "sensitive": False} for k, v in values.items()}


@pytest.mark.parametrize("mechanism", ["iam", "scram"])
def test_generated_values_render_the_chart(mechanism: str, tmp_path: Path) -> None:
    module = script()
    source, target = tmp_path / "outputs.json", tmp_path / "values.yaml"
    source.write_text(json.dumps(outputs(mechanism)))
    assert module.main(["--input", str(source), "--output", str(target)]) == 0
    objects = render("-f", str(target), "--set", "pipeline.enabled=true")
    text = target.read_text()
    assert "password:" not in text
    assert "username:" not in text
    external = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ExternalSecret"}
    assert external["eventtide-database"]["spec"]["data"][0]["remoteRef"]["key"] == DB_ARN
    (pipeline,) = [o for o in objects if o["kind"] == "Pipeline"]
    assert pipeline["spec"]["kafka"]["securityProtocol"] == "SASL_SSL"
    for _, _, container in containers(objects):
        env = {e["name"]: e for e in container["env"]}
        assert env["KAFKA_BOOTSTRAP_SERVERS"]["value"].endswith(
            ":9098" if mechanism == "iam" else ":9096"
        )
        if mechanism == "iam":
            assert env["EVENTTIDE_KAFKA_SASL_MECHANISM"]["value"] == "AWS_MSK_IAM"
            assert env["EVENTTIDE_KAFKA_AWS_REGION"]["value"] == "eu-west-1"
        else:
            assert env["EVENTTIDE_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
                "name": "eventtide-kafka-scram",
                "key": "password",
            }
            assert external["eventtide-kafka-scram"]["spec"]["data"][1]["remoteRef"] == {
                "key": SCRAM_ARN,
                "property": "password",
            }

"""The staging values script: Terraform outputs in, Helm values out, no secrets."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

BROKERS = (
    "b-1.eventtidestaging.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,"
    "b-2.eventtidestaging.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,"
    "b-3.eventtidestaging.abc123.c2.kafka.eu-west-1.amazonaws.com:9098"
)
DB_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf"
SCRAM_SECRET = (
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_eventtide-staging_x-Q1"
)


def output(value: Any, kind: Any = "string", *, sensitive: bool = False) -> dict[str, Any]:
    return {"sensitive": sensitive, "type": kind, "value": value}


def iam_outputs() -> dict[str, Any]:
    return {
        "aws_region": output("eu-west-1"),
        "kafka_bootstrap_brokers_tls": output(BROKERS),
        "kafka_auth_mechanism": output("iam"),
        "kafka_scram_secret_arn": output(None, "dynamic"),
        "kafka_client_policy_arn": output("arn:aws:iam::123456789012:policy/x"),
        "kafka_cluster_arn": output("arn:aws:kafka:eu-west-1:123456789012:cluster/x/y"),
        "database_endpoint": output("eventtide-staging.abc.eu-west-1.rds.amazonaws.com:5432"),
        "database_host": output("eventtide-staging.abc.eu-west-1.rds.amazonaws.com"),
        "database_port": output(5432, "number"),
        "database_name": output("eventtide"),
        "database_secret_arn": output(DB_SECRET),
        "data_subnet_ids": output(["subnet-1", "subnet-2", "subnet-3"], ["list", "string"]),
    }


def scram_outputs() -> dict[str, Any]:
    outputs = iam_outputs()
    outputs["kafka_auth_mechanism"] = output("scram")
    outputs["kafka_scram_secret_arn"] = output(SCRAM_SECRET)
    outputs["kafka_bootstrap_brokers_tls"] = output(BROKERS.replace(":9098", ":9096"))
    outputs["kafka_client_policy_arn"] = output(None, "dynamic")
    return outputs


def test_iam_values(staging_values):
    values = staging_values.build_values(iam_outputs())
    assert values == {
        "kafka": {
            "bootstrapServers": BROKERS,
            "securityProtocol": "SASL_SSL",
            "sasl": {"mechanism": "AWS_MSK_IAM", "awsRegion": "eu-west-1"},
        },
        "database": {"existingSecret": "eventtide-database", "key": "url"},
        "externalSecrets": {
            "enabled": True,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"},
            "database": {
                "remoteKey": DB_SECRET,
                "host": "eventtide-staging.abc.eu-west-1.rds.amazonaws.com",
                "port": 5432,
                "name": "eventtide",
                "sslMode": "require",
            },
        },
    }


def test_scram_values_reference_the_secret(staging_values):
    values = staging_values.build_values(scram_outputs())
    assert values["kafka"]["sasl"] == {
        "mechanism": "SCRAM-SHA-512",
        "credentialsSecretName": "eventtide-kafka-scram",
    }
    assert values["externalSecrets"]["kafkaSasl"] == {"remoteKey": SCRAM_SECRET}
    assert values["kafka"]["bootstrapServers"].endswith(":9096")


def test_no_secret_values_in_the_rendered_file(staging_values):
    for outputs in (iam_outputs(), scram_outputs()):
        text = staging_values.render(staging_values.build_values(outputs)).lower()
        assert "password" not in text
        assert "username" not in text


def test_render_is_yaml_with_a_header(staging_values):
    values = staging_values.build_values(iam_outputs())
    text = staging_values.render(values)
    assert text.startswith("# Helm values for the eventtide chart")
    assert yaml.safe_load(text) == values
    assert text.index("kafka:") < text.index("database:") < text.index("externalSecrets:")


def test_string_port_is_accepted(staging_values):
    outputs = iam_outputs()
    outputs["database_port"] = output("5432")
    assert staging_values.build_values(outputs)["externalSecrets"]["database"]["port"] == 5432


def test_brokers_are_normalized(staging_values):
    outputs = iam_outputs()
    outputs["kafka_bootstrap_brokers_tls"] = output(" a:9098 , b:9098,")
    assert staging_values.build_values(outputs)["kafka"]["bootstrapServers"] == "a:9098,b:9098"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.pop("database_host"), "output 'database_host' is missing"),
        (lambda o: o.pop("kafka_bootstrap_brokers_tls"), "'kafka_bootstrap_brokers_tls'"),
        (lambda o: o.update(database_host=output(None)), "'database_host' is null"),
        (lambda o: o.update(database_name=output("")), "'database_name' is empty"),
        (lambda o: o.update(database_port=output("x")), "'database_port' should be a int"),
        (lambda o: o.update(database_port=output(True, "bool")), "should be a int"),
        (lambda o: o.update(database_port=output(70000, "number")), "not a TCP port"),
        (lambda o: o.update(database_host="plain"), "not in `tofu output -json` form"),
        (
            lambda o: o.update(database_secret_arn=output("s3cr3t", sensitive=True)),
            "marked sensitive",
        ),
        (
            lambda o: o.update(database_secret_arn=output("arn:aws:s3:::bucket")),
            "not a Secrets Manager ARN",
        ),
        (lambda o: o.update(kafka_auth_mechanism=output("plain")), "must be 'iam' or 'scram'"),
        (
            lambda o: o.update(kafka_bootstrap_brokers_tls=output("b-1:9092")),
            "not a SASL TLS listener",
        ),
        (
            lambda o: o.update(kafka_bootstrap_brokers_tls=output("b-1.example.com")),
            "not host:port",
        ),
        (lambda o: o.update(kafka_bootstrap_brokers_tls=output(" , ")), "holds no brokers"),
    ],
)
def test_bad_outputs_fail_clearly(staging_values, change, message):
    outputs = iam_outputs()
    change(outputs)
    with pytest.raises(staging_values.OutputsError, match=message.replace("(", r"\(")):
        staging_values.build_values(outputs)


def test_scram_without_secret_fails(staging_values):
    outputs = scram_outputs()
    outputs["kafka_scram_secret_arn"] = output(None, "dynamic")
    with pytest.raises(staging_values.OutputsError, match="kafka_scram_secret_arn"):
        staging_values.build_values(outputs)


def test_empty_or_foreign_input_fails(staging_values):
    with pytest.raises(staging_values.OutputsError, match="has not been applied"):
        staging_values.build_values({})
    with pytest.raises(staging_values.OutputsError, match="JSON object"):
        staging_values.build_values(["not", "outputs"])
    with pytest.raises(staging_values.OutputsError, match="empty input"):
        staging_values.parse_outputs("  \n")
    with pytest.raises(staging_values.OutputsError, match="not JSON"):
        staging_values.parse_outputs("Error: No outputs found")


def test_main_reads_a_file_and_writes_the_values(staging_values, tmp_path, capsys):
    source = tmp_path / "outputs.json"
    source.write_text(json.dumps(iam_outputs()))
    target = tmp_path / "out" / "staging-values.yaml"
    assert staging_values.main(["--input", str(source), "--output", str(target)]) == 0
    assert yaml.safe_load(target.read_text())["kafka"]["bootstrapServers"] == BROKERS
    assert "wrote" in capsys.readouterr().err


def test_main_reads_stdin_and_writes_stdout(staging_values, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(scram_outputs())))
    assert staging_values.main([]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["kafka"]["sasl"]["mechanism"] == "SCRAM-SHA-512"


def test_main_reports_errors_without_a_traceback(staging_values, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("{}"))
    assert staging_values.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("staging_values: error: no outputs at all")
    assert staging_values.main(["--input", "/nonexistent/outputs.json"]) == 2
    assert "No such file" in capsys.readouterr().err

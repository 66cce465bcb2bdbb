"""The Pipeline's Kafka security reaches every child as variables and Secret references."""

from __future__ import annotations

from typing import Any

import pytest

from eventtide.operator import children, workload
from eventtide.operator.spec import PipelineSpec

pytestmark = pytest.mark.unit

SCRAM = {
    "bootstrapServers": "kafka:9096",
    "securityProtocol": "SASL_SSL",
    "tls": {"caSecretName": "kafka-ca", "caSecretKey": "ca.pem"},
    "sasl": {"mechanism": "SCRAM-SHA-512", "credentialsSecretName": "kafka-login"},
}
IAM = {
    "bootstrapServers": "b-1.msk:9098",
    "securityProtocol": "SASL_SSL",
    "sasl": {"mechanism": "AWS_MSK_IAM", "awsRegion": "eu-west-1"},
}


def every_child(kafka: dict[str, Any]) -> list[dict[str, Any]]:
    body = {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "kafka": kafka,
            "processor": {"enabled": True},
            "ml": {"enabled": True},
            "loadGenerator": {"enabled": True},
        },
    }
    spec = PipelineSpec.from_body(body)
    built = [
        children.consumer_deployment(spec, 1),
        children.processor_deployment(spec, 1),
        children.ml_deployment(spec),
        children.load_generator_deployment(spec),
    ]
    assert all(d is not None for d in built)
    return [d for d in built if d is not None]


def pod(deployment: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = deployment["spec"]["template"]["spec"]
    return spec, spec["containers"][0]


def test_scram_credentials_are_secret_references_in_every_child() -> None:
    for deployment in every_child(SCRAM):
        spec, container = pod(deployment)
        env = {e["name"]: e for e in container["env"]}
        where = deployment["metadata"]["name"]
        assert env["EVENTTIDE_KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL", where
        assert env["EVENTTIDE_KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512", where
        assert env["EVENTTIDE_KAFKA_SASL_USERNAME"]["valueFrom"] == {
            "secretKeyRef": {"name": "kafka-login", "key": "username"}
        }, where
        assert env["EVENTTIDE_KAFKA_SASL_PASSWORD"]["valueFrom"] == {
            "secretKeyRef": {"name": "kafka-login", "key": "password"}
        }, where
        assert "value" not in env["EVENTTIDE_KAFKA_SASL_PASSWORD"], where
        assert env["EVENTTIDE_KAFKA_SSL_CA_LOCATION"]["value"] == "/etc/eventtide/kafka-ca/ca.pem"
        assert {"name": "kafka-ca", "secret": {"secretName": "kafka-ca"}} in spec["volumes"]
        mount = {"name": "kafka-ca", "mountPath": "/etc/eventtide/kafka-ca", "readOnly": True}
        assert mount in container["volumeMounts"], where
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_iam_needs_no_secret_only_the_region() -> None:
    for deployment in every_child(IAM):
        spec, container = pod(deployment)
        env = {e["name"]: e for e in container["env"]}
        assert env["EVENTTIDE_KAFKA_SASL_MECHANISM"]["value"] == "AWS_MSK_IAM"
        assert env["EVENTTIDE_KAFKA_AWS_REGION"]["value"] == "eu-west-1"
        assert not any("valueFrom" in e for n, e in env.items() if n.startswith("EVENTTIDE_KAFKA"))
        assert "EVENTTIDE_KAFKA_SASL_PASSWORD" not in env
        assert [v["name"] for v in spec["volumes"]] == ["tmp"]


def test_plaintext_adds_nothing() -> None:
    kafka = {"bootstrapServers": "kafka:9092", "tls": {"caSecretName": "ignored"}}
    assert workload.kafka_security_env(kafka) == []
    assert workload.kafka_ca_volumes(kafka) == ([], [])


def test_tls_alone_sets_the_protocol_and_the_ca() -> None:
    kafka = {"securityProtocol": "SSL", "tls": {"caSecretName": "ca"}}
    assert workload.kafka_security_env(kafka) == [
        {"name": "EVENTTIDE_KAFKA_SECURITY_PROTOCOL", "value": "SSL"},
        {"name": "EVENTTIDE_KAFKA_SSL_CA_LOCATION", "value": "/etc/eventtide/kafka-ca/ca.crt"},
    ]


def test_service_accounts_carry_the_cloud_identity_annotations() -> None:
    role = {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/eventtide-msk"}
    body = {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"kafka": IAM, "processor": {"enabled": True}, "serviceAccountAnnotations": role},
    }
    accounts = children.service_accounts(PipelineSpec.from_body(body))
    assert [a["metadata"]["annotations"] for a in accounts] == [role, role]
    assert all(a["automountServiceAccountToken"] is False for a in accounts)
    plain = PipelineSpec.from_body({"metadata": {"name": "p"}, "spec": {"kafka": {}}})
    assert "annotations" not in children.service_accounts(plain)[0]["metadata"]

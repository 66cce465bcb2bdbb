"""The API's Service, Ingress and PodDisruptionBudget, and the NetworkPolicies, rendered.

Needs the built helm binary but no API server, hence the integration tier.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.rendering import CHART, helm, render

pytestmark = pytest.mark.integration

KAFKA_PORTS = {9092, 9093, 9094, 9096, 9098}


def by_name(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def egress_ports(policy: dict[str, Any]) -> set[int]:
    return {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}


def test_api_service_pdb_and_ingress_with_tls() -> None:
    objects = render(
        "--set", "ingress.enabled=true",
        "--set", "ingress.host=et.example.com",
        "--set", "ingress.tls.enabled=true",
        "--set", "ingress.tls.secretName=et-tls",
    )  # fmt: skip
    service = by_name(objects, "Service")["rel-eventtide-api"]
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"}
    ]
    pdb = by_name(objects, "PodDisruptionBudget")["rel-eventtide-api"]
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    ingress = by_name(objects, "Ingress")["rel-eventtide-api"]
    assert ingress["spec"]["tls"] == [{"hosts": ["et.example.com"], "secretName": "et-tls"}]
    (path,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path["backend"]["service"] == {"name": "rel-eventtide-api", "port": {"name": "http"}}
    api = by_name(objects, "Deployment")["rel-eventtide-api"]
    (container,) = api["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["api", "serve"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (("ingress.enabled=true", "components.api.enabled=false"), "needs components.api"),
        (("ingress.enabled=true", "ingress.tls.enabled=true"), "ingress.tls.secretName"),
        (("kafka.sasl.mechanism=KERBEROS",), "mechanism"),
        (("kafka.securityProtocol=SASL_SSL", "kafka.sasl.mechanism=PLAIN"), "credentialsSecret"),
    ],
)
def test_incomplete_settings_are_refused(overrides: tuple[str, ...], message: str) -> None:
    args = [a for o in overrides for a in ("--set", o)]
    result = helm("template", "rel", str(CHART), *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_every_component_gets_a_policy_with_only_what_it_needs() -> None:
    policies = by_name(render(), "NetworkPolicy")
    names = {"api", "consumer", "ml", "ml-detect", "ml-behave", "operator", "processor",
             "producer"}  # fmt: skip
    assert set(policies) == {f"rel-eventtide-{n}" for n in names}
    for name in names:
        policy = policies[f"rel-eventtide-{name}"]
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
        # The operator's Pipeline children carry these labels too.
        assert policy["spec"]["podSelector"]["matchLabels"] == {
            "app.kubernetes.io/name": "eventtide",
            "app.kubernetes.io/component": name,
        }
        ports = egress_ports(policy)
        assert {53, 4317} <= ports, name
        assert ports >= KAFKA_PORTS, name
        with_database = {"api", "consumer", "processor", "ml", "ml-detect", "ml-behave"}
        assert (5432 in ports) == (name in with_database), name
        assert (443 in ports) == (name == "operator"), name
    api_ingress = policies["rel-eventtide-api"]["spec"]["ingress"]
    assert api_ingress == [{"ports": [{"port": 8000, "protocol": "TCP"}]}], "from anywhere"
    (scrape,) = policies["rel-eventtide-processor"]["spec"]["ingress"]
    assert scrape["ports"] == [{"port": 9464, "protocol": "TCP"}]
    assert scrape["from"] == [{"namespaceSelector": {}}]


def test_api_ingress_and_kafka_egress_can_be_narrowed() -> None:
    objects = render(
        "--set-json",
        'networkPolicy.apiFrom=[{"namespaceSelector":{"matchLabels":'
        '{"kubernetes.io/metadata.name":"ingress-nginx"}}}]',
        "--set-json",
        'networkPolicy.kafka.to=[{"ipBlock":{"cidr":"10.0.8.0/22"}}]',
    )
    policies = by_name(objects, "NetworkPolicy")
    (api,) = policies["rel-eventtide-api"]["spec"]["ingress"]
    assert api["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress-nginx"
    }
    kafka = [
        rule
        for rule in policies["rel-eventtide-consumer"]["spec"]["egress"]
        if {p["port"] for p in rule["ports"]} == KAFKA_PORTS
    ]
    assert kafka == [
        {
            "ports": [{"port": p, "protocol": "TCP"} for p in sorted(KAFKA_PORTS)],
            "to": [{"ipBlock": {"cidr": "10.0.8.0/22"}}],
        }
    ]


def test_network_policies_can_be_turned_off() -> None:
    assert not by_name(render("--set", "networkPolicy.enabled=false"), "NetworkPolicy")


def test_service_accounts_and_the_pipeline_get_the_irsa_annotation() -> None:
    role = "arn:aws:iam::123456789012:role/eventtide-msk"
    objects = render(
        "--set", f"default.serviceAccountAnnotations.eks\\.amazonaws\\.com/role-arn={role}",
        "--set", "pipeline.enabled=true",
        "--set", "kafka.bootstrapServers=k:9098",
    )  # fmt: skip
    accounts = by_name(objects, "ServiceAccount")
    assert accounts
    for account in accounts.values():
        assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    (pipeline,) = by_name(objects, "Pipeline").values()
    assert pipeline["spec"]["serviceAccountAnnotations"] == {"eks.amazonaws.com/role-arn": role}

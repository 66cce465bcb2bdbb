"""One description of each component and the hardened Deployment built from it. Pure.

Why one builder: the operator makes the consumers, the processor and the ML scorer of
every Pipeline, while the chart renders the same components from its
``components`` map. Both must agree on the probes, the metrics port and its scrape
annotations, the ``/tmp`` volume, the service account and the hardening; this module
is the one description, the chart's ``values.yaml`` mirrors it, and
``tests/chart/test_workload_equal.py`` renders the chart and compares the two.

A component's name is its folder, image, chart key, ``app.kubernetes.io/component``
label and ``OTEL_SERVICE_NAME``, one string for all; the one exception is a second
process of a component's image (``ml-detect`` and ``ml-behave`` run in the ``ml`` image), named by
``Component.image``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

METRICS_PORT: Final = 9464
"""The Prometheus exporter's conventional port, the same in every component."""

HEALTH_PORT: Final = 8080
"""kopf's liveness endpoint (the operator only)."""

API_PORT: Final = 8000
"""The API's HTTP port (``EVENTTIDE_API_PORT``); it serves ``/metrics`` there too."""

KAFKA_CA_DIR: Final = "/etc/eventtide/kafka-ca"
"""Where the Kafka CA Secret is mounted (read-only) when a cluster needs a private CA."""

RUN_AS: Final = 10001
"""The numeric non-root user and group the images create."""

TMP_MOUNT: Final = "/tmp"  # noqa: S108 - an emptyDir of its own, not a shared /tmp
TMP_SIZE_LIMIT: Final = "64Mi"
"""The one writable place under a read-only root filesystem."""

POD_SECURITY_CONTEXT: Final[dict[str, Any]] = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS,
    "runAsGroup": RUN_AS,
    "fsGroup": RUN_AS,
    "seccompProfile": {"type": "RuntimeDefault"},
}

CONTAINER_SECURITY_CONTEXT: Final[dict[str, Any]] = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS,
    "runAsGroup": RUN_AS,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


@dataclass(frozen=True)
class Component:
    """What a component's Deployment needs besides where it runs.

    ``port_name`` is ``metrics`` for the stream services (a Prometheus endpoint doubles as
    the liveness and readiness check: it answers once the process is up), ``http`` for
    the API (``/healthz`` for liveness, ``/readyz`` -- Kafka and the database answer --
    for readiness, ``/metrics`` on the same port) and ``health`` for the operator (kopf's
    own endpoint, not scraped).
    """

    name: str
    args: tuple[str, ...]
    image: str | None = None
    """The image, when not the component's own name (a second process of that image)."""
    port_name: str = "metrics"
    port: int = METRICS_PORT
    probe_path: str = "/metrics"
    readiness_path: str | None = None
    metrics_path: str | None = "/metrics"
    env: tuple[tuple[str, str], ...] = ()
    metrics_port: int | None = None
    """A separate Prometheus port, for a component whose main port is not ``metrics``."""
    strategy: str = "RollingUpdate"
    """``Recreate`` for a process that must never run twice at once (one state document
    or one leader): the old Pod stops before the new one starts."""
    resources: MappingProxyType[str, Any] = field(
        default_factory=lambda: MappingProxyType(
            {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "1", "memory": "256Mi"},
            }
        )
    )

    @property
    def image_name(self) -> str:
        """The image's name in the registry."""
        return self.image or self.name

    @property
    def scraped(self) -> bool:
        """Whether Prometheus scrapes the component: its own metrics path, or a separate
        metrics port (the operator, whose main port is kopf's health port)."""
        return self.metrics_path is not None or self.metrics_port is not None


COMPONENTS: Final = MappingProxyType(
    {
        "consumer": Component(
            "consumer",
            ("consume",),
            env=(("EVENTTIDE_CONSUMER_METRICS_PORT", str(METRICS_PORT)),),
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "1", "memory": "512Mi"},
                }
            ),
        ),
        "producer": Component(
            "producer",
            ("produce",),
            env=(("EVENTTIDE_PRODUCER_METRICS_PORT", str(METRICS_PORT)),),
        ),
        "api": Component(
            "api",
            ("api", "serve"),
            port_name="http",
            port=API_PORT,
            probe_path="/healthz",
            readiness_path="/readyz",
            env=(
                # Every interface of the Pod; the default 127.0.0.1 is for a laptop.
                ("EVENTTIDE_API_HOST", "0.0.0.0"),  # noqa: S104
                ("EVENTTIDE_API_PORT", str(API_PORT)),
            ),
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "100m", "memory": "192Mi"},
                    "limits": {"cpu": "1", "memory": "512Mi"},
                }
            ),
        ),
        "processor": Component(
            "processor",
            ("process",),
            env=(("EVENTTIDE_PROCESSOR_METRICS_PORT", str(METRICS_PORT)),),
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "200m", "memory": "256Mi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                }
            ),
        ),
        "ml": Component(
            "ml",
            ("ml", "score"),
            env=(("EVENTTIDE_ML_METRICS_PORT", str(METRICS_PORT)),),
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "100m", "memory": "256Mi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                }
            ),
        ),
        "ml-detect": Component(
            "ml-detect",
            ("ml", "detect"),
            image="ml",
            strategy="Recreate",
            env=(("EVENTTIDE_ML_DETECT_METRICS_PORT", str(METRICS_PORT)),),
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "50m", "memory": "192Mi"},
                    "limits": {"cpu": "500m", "memory": "512Mi"},
                }
            ),
        ),
        "ml-behave": Component(
            "ml-behave",
            ("ml", "behave"),
            image="ml",
            env=(("EVENTTIDE_ML_BEHAVE_METRICS_PORT", str(METRICS_PORT)),),
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "50m", "memory": "192Mi"},
                    "limits": {"cpu": "500m", "memory": "512Mi"},
                }
            ),
        ),
        "operator": Component(
            "operator",
            ("operator",),
            port_name="health",
            strategy="Recreate",
            port=HEALTH_PORT,
            probe_path="/healthz",
            metrics_port=METRICS_PORT,
            metrics_path=None,
            resources=MappingProxyType(
                {
                    "requests": {"cpu": "50m", "memory": "128Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                }
            ),
        ),
    }
)
"""Every component the operator or the chart runs, by name."""


def ports(component: Component) -> list[dict[str, Any]]:
    """The container's named port, and its separate metrics port if it has one."""
    named = [{"name": component.port_name, "containerPort": component.port, "protocol": "TCP"}]
    if component.metrics_port is not None:
        named.append(
            {"name": "metrics", "containerPort": component.metrics_port, "protocol": "TCP"}
        )
    return named


def liveness_probe(component: Component) -> dict[str, Any]:
    """Restart a process that stopped answering; a slow start is not a failure."""
    return {
        "httpGet": {"path": component.probe_path, "port": component.port_name},
        "initialDelaySeconds": 10,
        "periodSeconds": 20,
    }


def readiness_probe(component: Component) -> dict[str, Any]:
    """Ready once the endpoint answers (the API: once Kafka and the database answer)."""
    return {
        "httpGet": {
            "path": component.readiness_path or component.probe_path,
            "port": component.port_name,
        },
        "periodSeconds": 10,
    }


def pod_annotations(component: Component) -> dict[str, str]:
    """Prometheus scrape annotations for a component with a metrics port."""
    if not component.scraped:
        return {}
    separate = component.metrics_port is not None
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(component.metrics_port if separate else component.port),
        "prometheus.io/path": "/metrics" if separate else str(component.metrics_path),
    }


def component_env(component: Component) -> list[dict[str, Any]]:
    """``OTEL_SERVICE_NAME`` (the component's name) and the component's own variables."""
    return [
        {"name": "OTEL_SERVICE_NAME", "value": component.name},
        *({"name": name, "value": value} for name, value in component.env),
    ]


def service_account(
    name: str, labels: dict[str, str], annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    """A ServiceAccount of its own, with no API token mounted by default.

    ``annotations`` bind a cloud identity (IRSA's ``eks.amazonaws.com/role-arn``); the
    token that identity uses is projected by its own webhook, not the API token.
    """
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": False,
    }


def deployment(
    component: Component,
    *,
    name: str,
    labels: dict[str, str],
    selector: dict[str, str],
    image: str,
    replicas: int,
    args: list[str] | None = None,
    env: list[dict[str, Any]] | None = None,
    env_from: list[dict[str, Any]] | None = None,
    resources: dict[str, Any] | None = None,
    service_account_token: bool = False,
    volumes: list[dict[str, Any]] | None = None,
    volume_mounts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A hardened Deployment of ``component``; its ServiceAccount is named like it.

    ``env`` comes before the component's own variables, as in the chart (Kafka and
    database settings first, then ``OTEL_SERVICE_NAME`` and the component's).
    ``volumes`` and ``volume_mounts`` (the Kafka CA) follow the ``/tmp`` emptyDir.
    """
    container: dict[str, Any] = {
        "name": component.name,
        "image": image,
        "args": list(args if args is not None else component.args),
        **({"envFrom": env_from} if env_from else {}),
        "env": [*(env or []), *component_env(component)],
        "ports": ports(component),
        "livenessProbe": liveness_probe(component),
        "readinessProbe": readiness_probe(component),
        "resources": copy.deepcopy(
            resources if resources is not None else dict(component.resources)
        ),
        "securityContext": copy.deepcopy(CONTAINER_SECURITY_CONTEXT),
        "volumeMounts": [{"name": "tmp", "mountPath": TMP_MOUNT}, *(volume_mounts or [])],
    }
    template_meta: dict[str, Any] = {"labels": labels}
    annotations = pod_annotations(component)
    if annotations:
        template_meta["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 3,
            "strategy": {"type": component.strategy},
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": template_meta,
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": service_account_token,
                    "securityContext": copy.deepcopy(POD_SECURITY_CONTEXT),
                    "containers": [container],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}},
                        *(volumes or []),
                    ],
                },
            },
        },
    }


def kafka_security_env(kafka: dict[str, Any]) -> list[dict[str, Any]]:
    """Core's ``EVENTTIDE_KAFKA_*`` variables for a Pipeline's (or the chart's) ``kafka``.

    Values that are not secret (protocol, mechanism, region, CA path) are written out;
    the SASL username and password are ``secretKeyRef``s to the named Secret, so no
    credential is ever in the Pipeline, the values or a Deployment. With
    ``AWS_MSK_IAM`` there is no Secret at all: the Pod's AWS credentials sign tokens.
    """
    protocol = str(kafka.get("securityProtocol") or "PLAINTEXT")
    if protocol == "PLAINTEXT":
        return []
    env: list[dict[str, Any]] = [{"name": "EVENTTIDE_KAFKA_SECURITY_PROTOCOL", "value": protocol}]
    tls = kafka.get("tls") or {}
    if tls.get("caSecretName"):
        location = f"{KAFKA_CA_DIR}/{tls.get('caSecretKey') or 'ca.crt'}"
        env.append({"name": "EVENTTIDE_KAFKA_SSL_CA_LOCATION", "value": location})
    sasl = kafka.get("sasl") or {}
    mechanism = str(sasl.get("mechanism") or "")
    if not protocol.startswith("SASL_") or not mechanism:
        return env
    env.append({"name": "EVENTTIDE_KAFKA_SASL_MECHANISM", "value": mechanism})
    if mechanism == "AWS_MSK_IAM":
        env.append({"name": "EVENTTIDE_KAFKA_AWS_REGION", "value": str(sasl["awsRegion"])})
        return env
    secret = str(sasl["credentialsSecretName"])
    for variable, key in (
        ("EVENTTIDE_KAFKA_SASL_USERNAME", sasl.get("usernameKey") or "username"),
        ("EVENTTIDE_KAFKA_SASL_PASSWORD", sasl.get("passwordKey") or "password"),
    ):
        env.append({"name": variable, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
    return env


def kafka_ca_volumes(kafka: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The CA Secret's volume and its read-only mount, or nothing without a CA Secret."""
    tls = kafka.get("tls") or {}
    secret = tls.get("caSecretName")
    if not secret or str(kafka.get("securityProtocol") or "PLAINTEXT") == "PLAINTEXT":
        return [], []
    volume = {"name": "kafka-ca", "secret": {"secretName": str(secret)}}
    mount = {"name": "kafka-ca", "mountPath": KAFKA_CA_DIR, "readOnly": True}
    return [volume], [mount]

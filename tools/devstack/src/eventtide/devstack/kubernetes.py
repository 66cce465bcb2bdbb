"""A real Kubernetes control plane for development and tests, built from Go modules.

Why build instead of download: the machines we run on reach package registries only, and
the Go module proxy is one of them. ``tools/k8s/`` holds wrapper modules (with go.sum) that
pin Kubernetes, etcd, helm and kwok; :func:`ensure_built` compiles them once into the cache.

Why these processes: etcd, kube-apiserver, kube-controller-manager and kube-scheduler are
the genuine control plane, so CRD validation, RBAC, admission, garbage collection and
scheduling behave exactly as on a real cluster. There is no kubelet or container runtime;
kwok plays the kubelet for fake Nodes, so Pods get scheduled and reach ``Running`` without
running anything. A given ``KUBECONFIG`` (kind, minikube) is used instead when it answers.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eventtide.devstack.binaries import machine_go
from eventtide.devstack.cache import build_lock, cache_dir, repo_root
from eventtide.devstack.endpoint import Endpoint
from eventtide.devstack.errors import InfraError
from eventtide.devstack.ports import LOOPBACK, free_port, wait_listening
from eventtide.devstack.procs import log, run_step, start_server, stop_pid
from eventtide.devstack.settings import DevstackSettings
from eventtide.devstack.tls import create_ca, issue_server_certificate, openssl

KUBERNETES_VERSION = "v1.34.4"
"""kube-apiserver, kube-controller-manager, kube-scheduler and kubectl (k8s.io/kubernetes)."""
KUBERNETES_STAGING_VERSION = "v0.34.4"
"""The staging modules (k8s.io/api, client-go, ...) released with KUBERNETES_VERSION."""
ETCD_VERSION = "v3.6.16"
"""go.etcd.io/etcd/server/v3; 3.6 is the etcd line Kubernetes 1.34 is tested with."""
HELM_VERSION = "v3.19.5"
"""helm.sh/helm/v3; the 3.19 line is built against the Kubernetes 1.34 client libraries."""
KWOK_VERSION = "v0.7.0"
"""sigs.k8s.io/kwok: simulates the kubelet of fake Nodes."""
MIN_GO_VERSION = (1, 26)
"""etcd v3.6.16's go.mod says ``go 1.26.0``; GOTOOLCHAIN=local forbids fetching a newer Go."""

NODE_COUNT = 2
"""Fake Nodes kwok manages: more than one, so anti-affinity and spreading can be exercised."""
PROJECT_CRDS = (Path("operator") / "manifests" / "pipeline-crd.yaml",)
"""The project's CRDs (from the repository root), created before the controller-manager
starts. Its garbage collector reads which kinds exist when it starts and again only every
30 s, so in a cluster younger than that the Deployments a Pipeline owns outlived its
deletion by up to 30 s (``helm uninstall`` in tests/cluster/test_chart_install.py waited
28 to 38 s for them). A cluster the operator runs on has had the CRD for long."""
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
"""kwok only manages Nodes carrying ``kwok.x-k8s.io/node=fake``; real Nodes are never touched."""
SERVICE_CIDR = "10.96.0.0/12"
POD_CIDR = "10.244.0.1/16"

STARTUP_TIMEOUT = 90.0
"""Seconds for the whole control plane to come up; it takes a few seconds on 2 cores."""

_GO_INSTALL_HINT = (
    "Install Go {minimum} or newer from https://go.dev/dl/ (for example "
    "`tar -C /usr/local -xzf go1.26.*.linux-amd64.tar.gz` and add /usr/local/go/bin to PATH), "
    "or point KUBECONFIG at a running cluster (kind, minikube) — kubectl and helm are still "
    "built from Go modules then."
)


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class BuildGroup:
    """Binaries produced by one ``go`` invocation, so their compilation is shared.

    ``module`` is a wrapper module folder under ``tools/k8s`` (``go build`` there), or None
    for a module installed as released with ``go install pkg@version``.
    """

    name: str
    version: str
    binaries: tuple[str, ...]
    packages: tuple[str, ...]
    ldflags: tuple[str, ...]
    module: str | None


def _version_ldflags(package: str, version: str) -> tuple[str, ...]:
    major, minor = version.lstrip("v").split(".")[:2]
    return (
        f"-X {package}.gitVersion={version}",
        f"-X {package}.gitMajor={major}",
        f"-X {package}.gitMinor={minor}",
        f"-X {package}.gitTreeState=clean",
    )


def _helm_ldflags() -> tuple[str, ...]:
    # Helm's Makefile stamps its own version and the Kubernetes version its client libraries
    # target; without the latter `helm template` would claim Kubernetes v1.20.
    major, minor = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
    return (
        f"-X helm.sh/helm/v3/internal/version.version={HELM_VERSION}",
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
        f"-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor={major}",
        f"-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor={minor}",
        f"-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor={major}",
        f"-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor={minor}",
    )


BUILD_GROUPS: tuple[BuildGroup, ...] = (
    BuildGroup(
        name="kubernetes",
        version=KUBERNETES_VERSION,
        binaries=("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"),
        packages=tuple(
            f"k8s.io/kubernetes/cmd/{name}"
            for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
        ),
        ldflags=_version_ldflags("k8s.io/component-base/version", KUBERNETES_VERSION)
        + _version_ldflags("k8s.io/client-go/pkg/version", KUBERNETES_VERSION),
        module="kubernetes",
    ),
    BuildGroup(
        name="etcd",
        version=ETCD_VERSION,
        binaries=("etcd",),
        packages=(".",),
        ldflags=(),
        module="etcd",
    ),
    BuildGroup(
        name="helm",
        version=HELM_VERSION,
        binaries=("helm",),
        packages=(f"helm.sh/helm/v3/cmd/helm@{HELM_VERSION}",),
        ldflags=_helm_ldflags(),
        module=None,
    ),
    BuildGroup(
        name="kwok",
        version=KWOK_VERSION,
        binaries=("kwok",),
        packages=(f"sigs.k8s.io/kwok/cmd/kwok@{KWOK_VERSION}",),
        ldflags=(),
        module=None,
    ),
)

TOOLS: tuple[str, ...] = tuple(name for group in BUILD_GROUPS for name in group.binaries)
"""Every binary :func:`tool_path` knows."""


def go_environment() -> dict[str, str]:
    """Environment for every ``go`` call.

    GOTOOLCHAIN=local: never download another Go. -mod=mod: a wrapper whose go.sum lacks a
    line still builds. -buildvcs=false: the wrappers live inside our git checkout, whose
    state has nothing to do with the binaries. CGO_ENABLED=0: static binaries like the
    upstream releases, identical with or without a C compiler. GOWORK=off: no go.work
    higher up may change the module graph.
    """
    return {
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod -buildvcs=false",
        "CGO_ENABLED": "0",
        "GOWORK": "off",
    }


def go_command(go: str, group: BuildGroup, out_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The ``go`` command line and extra environment that build ``group`` into ``out_dir``.

    A wrapper module is built with one ``go build -o dir/ pkg...`` so the four Kubernetes
    binaries share one compilation of their common packages; released modules use
    ``go install pkg@version`` with GOBIN, which honours their own go.mod exactly.
    """
    ldflags = " ".join(("-s", "-w", *group.ldflags))
    env = go_environment()
    if group.module is None:
        env["GOBIN"] = str(out_dir)
        return [go, "install", "-v", "-trimpath", "-ldflags", ldflags, *group.packages], env
    return [
        go,
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        f"{out_dir}{os.sep}",
        *group.packages,
    ], env


def wrapper_dir() -> Path:
    """``tools/k8s`` in the checkout: the wrapper modules with their go.mod and go.sum."""
    return repo_root() / "tools" / "k8s"


def build_tag(wrappers: Path) -> str:
    """Cache folder name: the Kubernetes version plus a digest of every pin.

    The digest covers the pinned versions and the wrapper modules' files, so changing a
    version or a go.sum line builds into a fresh folder instead of reusing stale binaries.
    """
    digest = hashlib.sha256()
    for group in BUILD_GROUPS:
        digest.update(f"{group.name}={group.version}:{group.ldflags}:{group.packages}\n".encode())
    digest.update(json.dumps(go_environment(), sort_keys=True).encode())
    for path in sorted(wrappers.glob("*/*")):
        if path.is_file() and (path.name in {"go.mod", "go.sum"} or path.suffix == ".go"):
            digest.update(path.relative_to(wrappers).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{KUBERNETES_VERSION}-{digest.hexdigest()[:12]}"


def parse_go_version(text: str) -> tuple[int, int] | None:
    """``go1.26.8`` (``go env GOVERSION``) -> (1, 26); None when unrecognisable."""
    match = re.match(r"go(\d+)\.(\d+)", text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _find_go() -> str:
    """The ``go`` binary, checked to be new enough; InfraError says how to get one."""
    minimum = ".".join(map(str, MIN_GO_VERSION))
    go = machine_go()
    if go is None:
        raise InfraError(
            "cannot build the Kubernetes tools: `go` is not on PATH. "
            + _GO_INSTALL_HINT.format(minimum=minimum)
        )
    result = subprocess.run(
        [go, "env", "GOVERSION"],
        capture_output=True,
        text=True,
        env={**os.environ, **go_environment()},
        check=False,
    )
    found = parse_go_version(result.stdout)
    if found is None or found < MIN_GO_VERSION:
        raise InfraError(
            f"cannot build the Kubernetes tools: {go} is {result.stdout.strip() or 'unknown'}, "
            f"older than Go {minimum}. " + _GO_INSTALL_HINT.format(minimum=minimum)
        )
    return go


def _build_progress() -> Callable[[str], str | None]:
    """A run_step progress callback for ``go build -v`` output.

    ``-v`` prints each package as it is compiled; a status every so many packages shows
    the cold build (about 3,000 packages for Kubernetes) moving without flooding the log.
    """
    counts = {"packages": 0, "downloads": 0}

    def progress(line: str) -> str | None:
        text = line.strip()
        if text.startswith("go: downloading "):
            counts["downloads"] += 1
            if counts["downloads"] % 25 == 1:
                return f"downloading modules ({counts['downloads']}: {text.split()[2]})"
            return None
        if text and " " not in text and not text.startswith("#"):
            counts["packages"] += 1
            if counts["packages"] % 250 == 0:
                return f"{counts['packages']} packages compiled (now {text})"
        return None

    return progress


def _missing(group: BuildGroup, bin_dir: Path) -> bool:
    return any(not (bin_dir / name).is_file() for name in group.binaries)


def _build_group(go: str, group: BuildGroup, bin_dir: Path, wrappers: Path) -> None:
    """Build one group into a scratch folder, then move the binaries in place.

    The rename is atomic, so an interrupted build never leaves a half-written binary
    that a later run would take for a finished one.
    """
    scratch = bin_dir.parent / f".building-{group.name}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        command, env = go_command(go, group, scratch)
        cwd = wrappers / group.module if group.module else scratch
        if group.name == "kubernetes":
            log("the Kubernetes binaries take about 15 minutes on 2 cores; only the first time")
        run_step(
            f"building {', '.join(group.binaries)} {group.version}",
            command,
            cwd=cwd,
            env=env,
            progress=_build_progress(),
        )
        for name in group.binaries:
            built = scratch / name
            if not built.is_file():
                raise InfraError(f"go reported success but produced no {built}")
            os.replace(built, bin_dir / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def ensure_built() -> Path:
    """Build whatever is missing and return the folder holding every binary in TOOLS.

    Everything lands in ``cache_dir("k8s", <build tag>, "bin")``; binaries already there
    are reused, so only the first run pays for compilation.
    """
    wrappers = wrapper_dir()
    bin_dir = cache_dir("k8s", build_tag(wrappers), "bin")
    if not any(_missing(group, bin_dir) for group in BUILD_GROUPS):
        return bin_dir
    go = _find_go()
    with build_lock(bin_dir.parent):
        for group in BUILD_GROUPS:
            if _missing(group, bin_dir):  # another process may have built it meanwhile
                _build_group(go, group, bin_dir, wrappers)
    return bin_dir


def tool_path(name: str) -> Path:
    """Path of one built binary ("kubectl", "helm", "etcd", ...), building it if needed."""
    if name not in TOOLS:
        raise ValueError(f"unknown Kubernetes tool {name!r}; known: {', '.join(TOOLS)}")
    return ensure_built() / name


# --------------------------------------------------------------------------- external


def external_endpoint() -> Endpoint | None:
    """The cluster ``KUBECONFIG`` names, when set; None when unset.

    A set but unreachable KUBECONFIG is an error rather than a reason to start our own
    control plane: the user asked for that cluster, and silently testing another one
    would hide the problem.
    """
    configured = DevstackSettings().kubeconfig.strip()
    if not configured:
        return None
    if not any(Path(part).expanduser().is_file() for part in configured.split(os.pathsep)):
        raise InfraError(
            f"KUBECONFIG={configured} is set but names no existing file; point it at the "
            "kubeconfig of a running cluster, or unset it to use a local control plane"
        )
    kubectl = tool_path("kubectl")
    env = {**os.environ, "KUBECONFIG": configured}
    try:
        result = subprocess.run(
            [kubectl, "version", "--output=json", "--request-timeout=5s"],
            capture_output=True,
            text=True,
            env=env,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise InfraError(
            f"KUBECONFIG={configured} is set but its API server did not answer within 20s; "
            "start that cluster or unset KUBECONFIG to use a local control plane"
        ) from error
    version = parse_server_version(result.stdout)
    if result.returncode != 0 or version is None:
        raise InfraError(
            f"KUBECONFIG={configured} is set but its API server does not answer "
            f"(`kubectl version` exit {result.returncode}): {result.stderr.strip()[-800:]}\n"
            "Start that cluster, or unset KUBECONFIG to use a local control plane."
        )
    view = subprocess.run(
        [kubectl, "config", "view", "--minify", "--output=json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    details = {"context": "", "server": ""}
    with contextlib.suppress(ValueError, KeyError, IndexError, TypeError):
        config = json.loads(view.stdout)
        details["context"] = str(config.get("current-context", ""))
        details["server"] = str(config["clusters"][0]["cluster"]["server"])
    return Endpoint(
        name="kubernetes", address=configured, version=version, external=True, details=details
    )


def parse_server_version(kubectl_version_json: str) -> str | None:
    """The server's gitVersion from ``kubectl version -o json`` output, if it has one."""
    try:
        data = json.loads(kubectl_version_json)
        return str(data["serverVersion"]["gitVersion"])
    except (ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- our own


@dataclass(frozen=True)
class ControlPlane:
    """Where a local control plane keeps its files and which ports it listens on.

    Pure data: the command builders below turn it into argument lists, so what we run
    can be unit-tested without starting anything.
    """

    workdir: Path
    bin_dir: Path
    etcd_port: int
    etcd_peer_port: int
    apiserver_port: int

    @property
    def server(self) -> str:
        """The API server URL clients use."""
        return f"https://{LOOPBACK}:{self.apiserver_port}"

    @property
    def pki(self) -> Path:
        """Certificates, keys and the token file."""
        return self.workdir / "pki"

    @property
    def logs(self) -> Path:
        """One log file per component."""
        return self.workdir / "logs"

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig handed to users and tests."""
        return self.workdir / "kubeconfig"

    def component_kubeconfig(self, component: str) -> Path:
        """A kubeconfig with the component's own identity, so RBAC applies to it."""
        return self.workdir / "kubeconfigs" / f"{component}.kubeconfig"

    def log_file(self, component: str) -> Path:
        """The component's log file."""
        return self.logs / f"{component}.log"


# Identities in the static token file. The controller-manager and scheduler use the user
# names the bootstrap RBAC policy knows; the scheduler's bootstrap role is enough for it.
# The controller-manager runs its controllers under its own identity (see
# controller_manager_command), which needs more than its bootstrap role: it is a master,
# like admin and kwok.
IDENTITIES: dict[str, tuple[str, str]] = {
    "admin": ("kubernetes-admin", "system:masters"),
    "kube-controller-manager": ("system:kube-controller-manager", "system:masters"),
    "kube-scheduler": ("system:kube-scheduler", ""),
    "kwok": ("kwok-controller", "system:masters"),
}


def render_token_file(tokens: dict[str, str]) -> str:
    """The kube-apiserver ``--token-auth-file``: ``token,user,uid[,"groups"]`` per line."""
    lines = []
    for identity, token in tokens.items():
        user, groups = IDENTITIES[identity]
        line = f"{token},{user},{user}"
        if groups:
            line += f',"{groups}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


def render_kubeconfig(*, server: str, ca_pem: bytes, user: str, token: str) -> str:
    """A one-cluster, one-user kubeconfig with the CA inlined, so the file is self-contained."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "eventtide-dev",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {
                "name": "eventtide-dev",
                "context": {"cluster": "eventtide-dev", "user": user, "namespace": "default"},
            }
        ],
        "current-context": "eventtide-dev",
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def etcd_command(plane: ControlPlane) -> list[str]:
    """etcd on loopback, fsync off: the data is thrown away with the workdir anyway."""
    client = f"http://{LOOPBACK}:{plane.etcd_port}"
    peer = f"http://{LOOPBACK}:{plane.etcd_peer_port}"
    return [
        str(plane.bin_dir / "etcd"),
        "--name=default",
        f"--data-dir={plane.workdir / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=default={peer}",
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def apiserver_command(plane: ControlPlane) -> list[str]:
    """kube-apiserver with RBAC, token authentication and a service-account signing key."""
    pki = plane.pki
    return [
        str(plane.bin_dir / "kube-apiserver"),
        f"--etcd-servers=http://{LOOPBACK}:{plane.etcd_port}",
        f"--bind-address={LOOPBACK}",
        f"--advertise-address={LOOPBACK}",
        f"--secure-port={plane.apiserver_port}",
        f"--cert-dir={pki}",
        f"--tls-cert-file={pki / 'apiserver.crt'}",
        f"--tls-private-key-file={pki / 'apiserver.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        f"--token-auth-file={pki / 'tokens.csv'}",
        "--authorization-mode=Node,RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}",
        f"--service-account-signing-key-file={pki / 'sa.key'}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--allow-privileged=true",
        # The "kubernetes" Service cannot have a loopback endpoint; without this the
        # reconciler logs a validation error every few seconds.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ]


def controller_manager_command(plane: ControlPlane) -> list[str]:
    """kube-controller-manager: creates ServiceAccounts and tokens, runs Deployments & co."""
    pki = plane.pki
    return [
        str(plane.bin_dir / "kube-controller-manager"),
        f"--kubeconfig={plane.component_kubeconfig('kube-controller-manager')}",
        "--leader-elect=false",
        "--secure-port=0",
        f"--service-account-private-key-file={pki / 'sa.key'}",
        f"--root-ca-file={pki / 'ca.crt'}",
        f"--cluster-signing-cert-file={pki / 'ca.crt'}",
        f"--cluster-signing-key-file={pki / 'ca.key'}",
        # kubeadm gives every controller its own ServiceAccount; minting those ~40 tokens one
        # after the other adds 6 s to every start, so here all controllers share the
        # controller-manager's identity, which is therefore a member of system:masters.
        "--use-service-account-credentials=false",
        # New Nodes carry a not-ready taint until the node-lifecycle controller sees them
        # Ready; checking every second instead of every 5 s takes 4 s off every start.
        "--node-monitor-period=1s",
        "--profiling=false",
    ]


def scheduler_command(plane: ControlPlane) -> list[str]:
    """kube-scheduler: binds Pods to the fake Nodes."""
    return [
        str(plane.bin_dir / "kube-scheduler"),
        f"--kubeconfig={plane.component_kubeconfig('kube-scheduler')}",
        "--leader-elect=false",
        "--secure-port=0",
        "--profiling=false",
    ]


def kwok_command(plane: ControlPlane) -> list[str]:
    """kwok with its built-in default stages (Nodes Ready, Pods Running, deletion honoured)."""
    return [
        str(plane.bin_dir / "kwok"),
        f"--kubeconfig={plane.component_kubeconfig('kwok')}",
        f"--config={plane.workdir / 'kwok' / 'kwok.yaml'}",
        "--manage-all-nodes=false",
        f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
        f"--cidr={POD_CIDR}",
        "--node-ip=10.240.0.1",
        "--node-lease-duration-seconds=40",
    ]


KWOK_CONFIG = """\
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  enableProfilingHandler: false
"""
"""An explicit, stage-less kwok config: kwok then uses its default stages, and never
reads a developer's ``~/.kwok/kwok.yaml`` (HOME is pointed at the workdir too)."""


def fake_node(name: str) -> dict[str, Any]:
    """A Node object kwok will manage: generous capacity and no taints, so ordinary
    workloads (our chart's Pods) schedule on it without tolerations."""
    resources = {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {KWOK_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
        "spec": {},
        "status": {
            "allocatable": resources,
            "capacity": resources,
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "fake",
                "kubeProxyVersion": "fake",
            },
        },
    }


STOP_ORDER: tuple[str, ...] = (
    "kwok",
    "kube-scheduler",
    "kube-controller-manager",
    "kube-apiserver",
    "etcd",
)
"""Clients first, storage last, so nothing logs errors about a vanished server."""


def write_credentials(plane: ControlPlane) -> dict[str, str]:
    """Create the CA, serving cert, service-account key pair, tokens and kubeconfigs.

    Returns the token of each identity.
    """
    pki = plane.pki
    create_ca(pki, "eventtide-devstack-ca")
    issue_server_certificate(
        pki,
        "apiserver",
        common_name="kube-apiserver",
        subject_alt_names=(
            f"IP:{LOOPBACK},DNS:localhost,IP:10.96.0.1,DNS:kubernetes,"
            "DNS:kubernetes.default,DNS:kubernetes.default.svc,"
            "DNS:kubernetes.default.svc.cluster.local"
        ),
    )
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key", cwd=pki)
    openssl("ec", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)

    tokens = {identity: secrets.token_hex(16) for identity in IDENTITIES}
    (pki / "tokens.csv").write_text(render_token_file(tokens))
    ca_pem = (pki / "ca.crt").read_bytes()
    for identity, token in tokens.items():
        user = IDENTITIES[identity][0]
        target = plane.kubeconfig if identity == "admin" else plane.component_kubeconfig(identity)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            render_kubeconfig(server=plane.server, ca_pem=ca_pem, user=user, token=token)
        )
        target.chmod(0o600)
    return tokens


class _Api:
    """Just enough of a Kubernetes client for startup checks, with no extra dependency."""

    def __init__(self, server: str, ca_file: Path, token: str) -> None:
        self._server = server
        self._token = token
        self._tls = ssl.create_default_context(cafile=str(ca_file))

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """(status, decoded JSON body or text); status 0 when the server is unreachable."""
        request = urllib.request.Request(  # noqa: S310 - the URL is our own https server
            self._server + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5, context=self._tls) as response:  # noqa: S310
                return int(response.status), _decode(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), _decode(error.read())
        except (urllib.error.URLError, OSError):
            return 0, None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a component's log, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.rstrip().splitlines()[-lines:])


class _Starting:
    """The processes started so far, checked on every poll so a crash is reported at once
    with the crashed component's log instead of surfacing later as a vague timeout."""

    def __init__(self, plane: ControlPlane, *, tied_to_parent: bool) -> None:
        self.plane = plane
        self.tied_to_parent = tied_to_parent
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def launch(self, name: str, command: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.procs[name] = start_server(
            command,
            log_file=self.plane.log_file(name),
            cwd=self.plane.workdir,
            env=env,
            tied_to_parent=self.tied_to_parent,
        )

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None:
                raise InfraError(
                    f"{name} exited with code {code} while the Kubernetes control plane was "
                    f"starting; last lines of {self.plane.log_file(name)}:\n"
                    f"{log_tail(self.plane.log_file(name))}"
                )

    def wait_for(
        self, what: str, component: str, ready: Callable[[], bool], deadline: float
    ) -> None:
        while True:
            self.check_alive()
            if ready():
                return
            if time.monotonic() > deadline:
                raise InfraError(
                    f"timed out waiting for {what} while starting the Kubernetes control "
                    f"plane; last lines of {self.plane.log_file(component)}:\n"
                    f"{log_tail(self.plane.log_file(component))}"
                )
            time.sleep(0.1)

    def stop_all(self) -> None:
        for name in STOP_ORDER:
            proc = self.procs.get(name)
            if proc is not None:
                stop_pid(proc.pid, grace_seconds=5.0)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=1)

    def pids(self) -> tuple[int, ...]:
        return tuple(self.procs[name].pid for name in STOP_ORDER)


def _condition_true(found: Any, kind: str) -> bool:
    """Whether an object read from the API has condition ``kind`` True (a new object
    may have no status or a null list of conditions yet)."""
    status = found.get("status") if isinstance(found, dict) else None
    conditions = (status or {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _node_ready(node: Any) -> bool:
    ready = _condition_true(node, "Ready")
    # The node-lifecycle controller taints a Node not-ready until it has seen it Ready;
    # Pods created before the taint is lifted would wait for the next scheduling retry.
    taints = node.get("spec", {}).get("taints", []) if isinstance(node, dict) else []
    return ready and not any(t.get("key", "").startswith("node.kubernetes.io/") for t in taints)


CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def _create_crds(api: _Api, starting: _Starting, deadline: float) -> None:
    """Create :data:`PROJECT_CRDS` and wait until the API serves their kinds."""
    for relative in PROJECT_CRDS:
        crd = yaml.safe_load((repo_root() / relative).read_text())
        status, body = api.call("POST", CRDS_PATH, crd)
        if status not in (201, 409):
            raise InfraError(f"cannot create the CRD in {relative}: HTTP {status} {body}")
        name = crd["metadata"]["name"]

        def established(name: str = name) -> bool:
            return _condition_true(api.call("GET", f"{CRDS_PATH}/{name}")[1], "Established")

        starting.wait_for(
            f"the CRD {name} to be established", "kube-apiserver", established, deadline
        )


def start(workdir: Path, *, tied_to_parent: bool) -> Endpoint:
    """Start etcd, the control plane and kwok on free loopback ports under ``workdir``.

    Returns once the API server is ready, every fake Node is Ready and untainted, and
    the ``default`` ServiceAccount exists, so Pods can be created and reach Running at
    once. The project's CRDs (:data:`PROJECT_CRDS`) exist before the controller-manager
    starts. ``workdir/kubeconfig`` is the admin kubeconfig. On failure everything started
    is stopped and the InfraError carries the failing component's log tail.
    """
    started = time.monotonic()
    bin_dir = ensure_built()
    workdir.mkdir(parents=True, exist_ok=True)
    plane = ControlPlane(
        workdir=workdir,
        bin_dir=bin_dir,
        etcd_port=free_port(),
        etcd_peer_port=free_port(),
        apiserver_port=free_port(),
    )
    plane.logs.mkdir(parents=True, exist_ok=True)
    tokens = write_credentials(plane)
    kwok_home = workdir / "kwok"
    kwok_home.mkdir(parents=True, exist_ok=True)
    (kwok_home / "kwok.yaml").write_text(KWOK_CONFIG)

    starting = _Starting(plane, tied_to_parent=tied_to_parent)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        starting.launch("etcd", etcd_command(plane))
        starting.wait_for(
            "etcd to listen",
            "etcd",
            lambda: wait_listening(LOOPBACK, plane.etcd_port, 0.2),
            deadline,
        )
        starting.launch("kube-apiserver", apiserver_command(plane))
        # The scheduler and kwok retry until the API server answers; starting them now
        # overlaps their own initialisation with the API server's.
        starting.launch("kube-scheduler", scheduler_command(plane))
        starting.launch("kwok", kwok_command(plane), env={"HOME": str(kwok_home)})

        api = _Api(plane.server, plane.pki / "ca.crt", tokens["admin"])
        starting.wait_for(
            "the API server's /readyz",
            "kube-apiserver",
            lambda: api.call("GET", "/readyz")[0] == 200,
            deadline,
        )
        _create_crds(api, starting, deadline)
        starting.launch("kube-controller-manager", controller_manager_command(plane))
        node_names = [f"kwok-node-{index}" for index in range(NODE_COUNT)]
        for name in node_names:
            status, body = api.call("POST", "/api/v1/nodes", fake_node(name))
            if status not in (201, 409):
                raise InfraError(f"cannot create the fake Node {name}: HTTP {status} {body}")

        def nodes_ready() -> bool:
            return all(_node_ready(api.call("GET", f"/api/v1/nodes/{n}")[1]) for n in node_names)

        starting.wait_for("kwok to make the fake Nodes Ready", "kwok", nodes_ready, deadline)
        starting.wait_for(
            "the default ServiceAccount",
            "kube-controller-manager",
            lambda: api.call("GET", "/api/v1/namespaces/default/serviceaccounts/default")[0] == 200,
            deadline,
        )
        starting.check_alive()
    except BaseException:
        starting.stop_all()
        raise

    elapsed = time.monotonic() - started
    log(f"Kubernetes {KUBERNETES_VERSION} control plane ready at {plane.server} in {elapsed:.1f}s")
    return Endpoint(
        name="kubernetes",
        address=str(plane.kubeconfig),
        version=KUBERNETES_VERSION,
        pids=starting.pids(),
        workdir=str(workdir),
        details={
            "server": plane.server,
            "etcd": f"http://{LOOPBACK}:{plane.etcd_port}",
            "nodes": ",".join(node_names),
            "logs": str(plane.logs),
            "bin": str(bin_dir),
            "startup_seconds": f"{elapsed:.1f}",
        },
    )

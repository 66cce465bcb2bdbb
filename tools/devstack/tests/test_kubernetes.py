"""Pure parts of eventtide.devstack.kubernetes: build commands, pins, rendered files."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from eventtide.devstack import binaries
from eventtide.devstack import kubernetes as k8s
from eventtide.devstack.errors import InfraError

pytestmark = pytest.mark.unit


def plane(tmp_path: Path) -> k8s.ControlPlane:
    return k8s.ControlPlane(
        workdir=tmp_path,
        bin_dir=tmp_path / "bin",
        etcd_port=23790,
        etcd_peer_port=23800,
        apiserver_port=64430,
    )


def group(name: str) -> k8s.BuildGroup:
    return next(g for g in k8s.BUILD_GROUPS if g.name == name)


def test_kubernetes_binaries_build_in_one_go_build_with_the_version_stamped(
    tmp_path: Path,
) -> None:
    command, env = k8s.go_command("go", group("kubernetes"), tmp_path / "out")

    assert command[:2] == ["go", "build"]
    assert "-trimpath" in command
    assert command[command.index("-o") + 1] == f"{tmp_path / 'out'}/"
    assert command[-4:] == [
        "k8s.io/kubernetes/cmd/kube-apiserver",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        "k8s.io/kubernetes/cmd/kube-scheduler",
        "k8s.io/kubernetes/cmd/kubectl",
    ]
    ldflags = command[command.index("-ldflags") + 1]
    assert ldflags.startswith("-s -w ")
    assert "-X k8s.io/component-base/version.gitVersion=v1.34.4" in ldflags
    assert "-X k8s.io/component-base/version.gitMajor=1" in ldflags
    assert "-X k8s.io/component-base/version.gitMinor=34" in ldflags
    assert env["GOTOOLCHAIN"] == "local"
    assert "-mod=mod" in env["GOFLAGS"]
    assert "GOBIN" not in env


def test_released_tools_are_go_installed_at_their_pinned_versions(tmp_path: Path) -> None:
    command, env = k8s.go_command("go", group("helm"), tmp_path)
    assert command[:2] == ["go", "install"]
    assert command[-1] == f"helm.sh/helm/v3/cmd/helm@{k8s.HELM_VERSION}"
    assert env["GOBIN"] == str(tmp_path)
    ldflags = command[command.index("-ldflags") + 1]
    assert f"internal/version.version={k8s.HELM_VERSION}" in ldflags
    assert "chartutil.k8sVersionMinor=34" in ldflags

    command, _ = k8s.go_command("go", group("kwok"), tmp_path)
    assert command[-1] == f"sigs.k8s.io/kwok/cmd/kwok@{k8s.KWOK_VERSION}"


def test_every_tool_is_built_by_exactly_one_group() -> None:
    assert sorted(k8s.TOOLS) == sorted(
        [
            "etcd",
            "helm",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kubectl",
            "kwok",
        ]
    )
    assert len(set(k8s.TOOLS)) == len(k8s.TOOLS)


def test_unknown_tool_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Kubernetes tool"):
        k8s.tool_path("docker")


def test_build_tag_follows_the_wrapper_modules(tmp_path: Path) -> None:
    (tmp_path / "etcd").mkdir()
    (tmp_path / "etcd" / "go.mod").write_text("module x\n")
    first = k8s.build_tag(tmp_path)
    assert first.startswith("v1.34.4-")
    assert k8s.build_tag(tmp_path) == first
    (tmp_path / "etcd" / "go.sum").write_text("x v1 h1:abc\n")
    assert k8s.build_tag(tmp_path) != first


def test_committed_wrappers_pin_the_same_versions_as_the_python_constants() -> None:
    wrappers = Path(__file__).resolve().parents[2] / "k8s"
    kube = (wrappers / "kubernetes" / "go.mod").read_text()
    assert f"k8s.io/kubernetes {k8s.KUBERNETES_VERSION}" in kube
    staging = [line for line in kube.splitlines() if line.startswith("replace k8s.io/")]
    assert len(staging) == 31
    assert all(line.endswith(k8s.KUBERNETES_STAGING_VERSION) for line in staging)
    etcd = (wrappers / "etcd" / "go.mod").read_text()
    assert f"go.etcd.io/etcd/server/v3 {k8s.ETCD_VERSION}" in etcd


@pytest.mark.parametrize(
    ("text", "expected"),
    [("go1.26.8\n", (1, 26)), ("go1.24", (1, 24)), ("devel +abc", None), ("", None)],
)
def test_parse_go_version(text: str, expected: tuple[int, int] | None) -> None:
    assert k8s.parse_go_version(text) == expected


def test_kubeconfig_is_self_contained() -> None:
    text = k8s.render_kubeconfig(
        server="https://127.0.0.1:6443", ca_pem=b"PEM", user="kubernetes-admin", token="t0k"
    )
    config = yaml.safe_load(text)
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(cluster["certificate-authority-data"]) == b"PEM"
    assert config["users"] == [{"name": "kubernetes-admin", "user": {"token": "t0k"}}]
    context = config["contexts"][0]
    assert config["current-context"] == context["name"]
    assert context["context"]["user"] == "kubernetes-admin"


def test_token_file_gives_components_their_rbac_identities() -> None:
    text = k8s.render_token_file({identity: f"tok-{identity}" for identity in k8s.IDENTITIES})
    lines = dict(line.split(",", 1) for line in text.splitlines())
    assert lines["tok-admin"] == 'kubernetes-admin,kubernetes-admin,"system:masters"'
    assert lines["tok-kube-scheduler"] == "system:kube-scheduler,system:kube-scheduler"
    assert lines["tok-kube-controller-manager"].startswith("system:kube-controller-manager,")


def test_commands_wire_components_together(tmp_path: Path) -> None:
    p = plane(tmp_path)
    etcd = k8s.etcd_command(p)
    assert etcd[0] == str(tmp_path / "bin" / "etcd")
    assert "--listen-client-urls=http://127.0.0.1:23790" in etcd

    apiserver = k8s.apiserver_command(p)
    assert "--etcd-servers=http://127.0.0.1:23790" in apiserver
    assert "--secure-port=64430" in apiserver
    assert "--bind-address=127.0.0.1" in apiserver
    assert f"--service-account-signing-key-file={p.pki / 'sa.key'}" in apiserver
    assert "--authorization-mode=Node,RBAC" in apiserver

    cm = k8s.controller_manager_command(p)
    assert f"--service-account-private-key-file={p.pki / 'sa.key'}" in cm
    assert f"--kubeconfig={p.component_kubeconfig('kube-controller-manager')}" in cm

    kwok = k8s.kwok_command(p)
    assert "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake" in kwok
    assert p.server == "https://127.0.0.1:64430"


def test_fake_nodes_are_managed_by_kwok_and_untainted() -> None:
    node = k8s.fake_node("kwok-node-0")
    assert node["metadata"]["annotations"][k8s.KWOK_NODE_ANNOTATION] == "fake"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "kwok-node-0"
    assert "taints" not in node["spec"]
    assert node["status"]["allocatable"]["pods"] == "110"


def test_stop_order_puts_clients_before_storage() -> None:
    assert k8s.STOP_ORDER[0] == "kwok"
    assert k8s.STOP_ORDER[-2:] == ("kube-apiserver", "etcd")


def test_external_endpoint_is_none_without_kubeconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert k8s.external_endpoint() is None


def test_server_version_parsing() -> None:
    assert k8s.parse_server_version('{"serverVersion": {"gitVersion": "v1.34.4"}}') == "v1.34.4"
    assert k8s.parse_server_version('{"clientVersion": {}}') is None
    assert k8s.parse_server_version("not json") is None


def test_missing_go_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(binaries, "GO_FALLBACKS", ())
    with pytest.raises(InfraError, match=r"`go` is not on PATH.*https://go\.dev/dl/"):
        k8s._find_go()


def test_too_old_go_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\necho go1.22.5\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfraError, match=r"go1\.22\.5, older than Go 1\.26"):
        k8s._find_go()


def test_kubeconfig_naming_no_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    with pytest.raises(InfraError, match="names no existing file"):
        k8s.external_endpoint()

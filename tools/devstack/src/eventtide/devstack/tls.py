"""Certificates for local servers: a throwaway CA and the server certificates it signs.

The Kubernetes control plane and the Kafka broker's TLS listeners both need them. EC
P-256 keys are used throughout: generating one takes milliseconds, where an RSA key
would add about a second to every start. Keys are written unencrypted (PKCS#8), as
both servers read them, into the server's own temporary folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Final

from eventtide.devstack.errors import InfraError

_EC_KEY: Final = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
_DAYS: Final = "3650"


def openssl(*args: str, cwd: Path) -> None:
    """Run one ``openssl`` command in ``cwd``; an InfraError with its stderr on failure."""
    if shutil.which("openssl") is None:
        raise InfraError(
            "cannot create local certificates: `openssl` is not on PATH (apt-get install openssl)"
        )
    result = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise InfraError(f"openssl {args[0]} failed: {result.stderr.strip()[-800:]}")


def create_ca(folder: Path, common_name: str) -> Path:
    """A self-signed CA as ``ca.crt``/``ca.key`` in ``folder``; returns the certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl(
        "req", "-x509", *_EC_KEY, "-keyout", "ca.key", "-out", "ca.crt", "-days", _DAYS,
        "-subj", f"/CN={common_name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        cwd=folder,
    )  # fmt: skip
    return folder / "ca.crt"


def issue_server_certificate(
    folder: Path, name: str, *, common_name: str, subject_alt_names: str
) -> tuple[Path, Path]:
    """``<name>.crt`` and ``<name>.key`` signed by the CA in ``folder`` (see :func:`create_ca`).

    ``subject_alt_names`` is OpenSSL's syntax, e.g. ``IP:127.0.0.1,DNS:localhost``:
    clients verify the address they dialled against it.
    """
    (folder / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName={subject_alt_names}\n"
    )
    openssl(
        "req", "-new", *_EC_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr",
        "-subj", f"/CN={common_name}",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", _DAYS, "-extfile", f"{name}.ext", "-out", f"{name}.crt",
        cwd=folder,
    )  # fmt: skip
    return folder / f"{name}.crt", folder / f"{name}.key"

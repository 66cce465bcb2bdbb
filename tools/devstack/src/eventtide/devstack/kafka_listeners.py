"""The local broker's secured listeners: TLS, and SCRAM-SHA-512 logins over TLS.

They exist so the services' TLS and SASL settings are tested against a real broker,
the way managed clusters (Amazon MSK among them) expose Kafka: a private CA signs the
broker's certificate and clients log in with SCRAM over TLS. Tests and the dev stack
keep using the plain listener; these two sit next to it on their own loopback ports.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from eventtide.devstack.ports import LOOPBACK, free_port
from eventtide.devstack.tls import create_ca, issue_server_certificate

SCRAM_MECHANISM: Final = "SCRAM-SHA-512"
SCRAM_USERNAME: Final = "eventtide"
TLS_LISTENER: Final = "TLS"
SCRAM_LISTENER: Final = "SCRAM"


@dataclass(frozen=True)
class SecureListeners:
    """Ports, the CA clients must trust, the broker's key store and the SCRAM login.

    The password lives in a file of the broker's temporary folder (mode 0600) rather
    than in the endpoint's details, which ``dev infra status`` shows.
    """

    tls_port: int
    scram_port: int
    ca_file: Path
    keystore: Path
    password_file: Path

    @property
    def password(self) -> str:
        """The SCRAM password of :data:`SCRAM_USERNAME`."""
        return self.password_file.read_text().strip()


def prepare(folder: Path, taken: set[int]) -> SecureListeners:
    """Certificates, key store and a fresh SCRAM password in ``folder``; two free ports."""
    ca_file = create_ca(folder, "eventtide-devstack-kafka-ca")
    cert, key = issue_server_certificate(
        folder, "broker", common_name="eventtide-kafka", subject_alt_names=f"IP:{LOOPBACK}"
    )
    keystore = folder / "broker.pem"
    keystore.write_text(key.read_text() + cert.read_text())  # Kafka's PEM key store form
    keystore.chmod(0o600)
    password_file = folder / "scram.password"
    password_file.write_text(secrets.token_hex(16))
    password_file.chmod(0o600)
    ports: list[int] = []
    while len(ports) < 2:
        port = free_port()
        if port not in taken and port not in ports:
            ports.append(port)
    return SecureListeners(ports[0], ports[1], ca_file, keystore, password_file)


def broker_properties(secure: SecureListeners) -> dict[str, str]:
    """What ``server.properties`` gains; ``listeners`` are advertised as they are bound."""
    scram = SCRAM_LISTENER.lower()
    return {
        "listeners": f"{TLS_LISTENER}://{LOOPBACK}:{secure.tls_port},"
        f"{SCRAM_LISTENER}://{LOOPBACK}:{secure.scram_port}",
        "listener.security.protocol.map": f"{TLS_LISTENER}:SSL,{SCRAM_LISTENER}:SASL_SSL",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(secure.keystore),
        f"listener.name.{scram}.sasl.enabled.mechanisms": SCRAM_MECHANISM,
        f"listener.name.{scram}.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
    }


def format_arguments(secure: SecureListeners) -> list[str]:
    """``kafka-storage format`` arguments that create the SCRAM user with the cluster."""
    return ["--add-scram", f"{SCRAM_MECHANISM}=[name={SCRAM_USERNAME},password={secure.password}]"]


def endpoint_details(secure: SecureListeners) -> dict[str, str]:
    """What tests need to connect: addresses, CA, mechanism, user and password file."""
    return {
        "tls_address": f"{LOOPBACK}:{secure.tls_port}",
        "scram_address": f"{LOOPBACK}:{secure.scram_port}",
        "ca_file": str(secure.ca_file),
        "scram_mechanism": SCRAM_MECHANISM,
        "scram_username": SCRAM_USERNAME,
        "scram_password_file": str(secure.password_file),
    }


@dataclass(frozen=True)
class SecuredKafka:
    """How a client reaches the local broker's secured listeners (from endpoint details)."""

    tls_bootstrap: str
    scram_bootstrap: str
    ca_file: Path
    mechanism: str
    username: str
    password: str

    @classmethod
    def from_details(cls, details: dict[str, str]) -> SecuredKafka | None:
        """None for a broker without them (an external cluster)."""
        if "scram_address" not in details:
            return None
        return cls(
            tls_bootstrap=details["tls_address"],
            scram_bootstrap=details["scram_address"],
            ca_file=Path(details["ca_file"]),
            mechanism=details["scram_mechanism"],
            username=details["scram_username"],
            password=Path(details["scram_password_file"]).read_text().strip(),
        )

    def tls_env(self) -> dict[str, str]:
        """The services' environment for the TLS listener."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.tls_bootstrap,
            "EVENTTIDE_KAFKA_SECURITY_PROTOCOL": "SSL",
            "EVENTTIDE_KAFKA_SSL_CA_LOCATION": str(self.ca_file),
        }

    def scram_env(self) -> dict[str, str]:
        """The services' environment for SCRAM logins over TLS."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.scram_bootstrap,
            "EVENTTIDE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "EVENTTIDE_KAFKA_SSL_CA_LOCATION": str(self.ca_file),
            "EVENTTIDE_KAFKA_SASL_MECHANISM": self.mechanism,
            "EVENTTIDE_KAFKA_SASL_USERNAME": self.username,
            "EVENTTIDE_KAFKA_SASL_PASSWORD": self.password,
        }

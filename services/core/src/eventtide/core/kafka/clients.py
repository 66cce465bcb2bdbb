"""One factory for every Kafka client a service makes: producers, consumers, admin clients.

Each client needs the same three things: the bootstrap servers, the tuning of its kind,
and the TLS/SASL keys of :mod:`eventtide.core.kafka.security`. Building them in one
place means a cluster that needs a login is configured once for every client, and no
service can forget the security keys on one of them. The ``*_config`` functions are
pure (plain dictionaries, testable without a broker); the ``make_*`` functions import
the Kafka client only when called, so importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventtide.core.kafka.config import ProducerTuning, producer_config
from eventtide.core.kafka.consumer_config import ConsumerTuning, consumer_config
from eventtide.core.kafka.security import kafka_security
from eventtide.core.settings import CoreSettings, core_settings

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

    from eventtide.core.kafka.consumer import GroupConsumer
    from eventtide.core.kafka.producer import EventProducer


def producer_client_config(
    tuning: ProducerTuning,
    settings: CoreSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
) -> dict[str, Any]:
    """An idempotent producer's configuration with the security keys applied."""
    core = settings or core_settings()
    servers = bootstrap_servers or core.kafka_bootstrap_servers
    return producer_config(servers, tuning) | kafka_security(core)


def consumer_client_config(
    tuning: ConsumerTuning, settings: CoreSettings | None = None
) -> dict[str, Any]:
    """A group member's configuration (offsets managed by the caller), security applied."""
    core = settings or core_settings()
    return consumer_config(core.kafka_bootstrap_servers, tuning) | kafka_security(core)


def admin_client_config(
    settings: CoreSettings | None = None, *, bootstrap_servers: str | None = None
) -> dict[str, Any]:
    """An admin client's configuration; ``bootstrap_servers`` overrides the settings'
    (the operator reaches each Pipeline's own cluster with its own security keys)."""
    core = settings or core_settings()
    return {"bootstrap.servers": bootstrap_servers or core.kafka_bootstrap_servers} | (
        kafka_security(core)
    )


def admin_security(settings: CoreSettings | None = None) -> dict[str, Any]:
    """Only the security keys, for a pool of admin clients keyed by bootstrap servers."""
    return kafka_security(settings or core_settings())


def make_producer(
    topic: str,
    tuning: ProducerTuning,
    settings: CoreSettings | None = None,
    *,
    bootstrap_servers: str | None = None,
) -> EventProducer:
    """An :class:`EventProducer` for ``topic``."""
    from eventtide.core.kafka.producer import EventProducer

    config = producer_client_config(tuning, settings, bootstrap_servers=bootstrap_servers)
    return EventProducer(config, topic)


def make_consumer(tuning: ConsumerTuning, settings: CoreSettings | None = None) -> GroupConsumer:
    """A :class:`GroupConsumer`: the one way services read from Kafka."""
    from eventtide.core.kafka.consumer import GroupConsumer

    return GroupConsumer(consumer_client_config(tuning, settings))


def make_admin(
    settings: CoreSettings | None = None, *, bootstrap_servers: str | None = None
) -> AdminClient:
    """An admin client (topics, group offsets)."""
    from confluent_kafka.admin import AdminClient

    from eventtide.core.kafka.logs import with_logger
    from eventtide.core.kafka.msk_iam import serve_token

    config = with_logger(admin_client_config(settings, bootstrap_servers=bootstrap_servers))
    admin = AdminClient(config)
    serve_token(admin, config)
    return admin

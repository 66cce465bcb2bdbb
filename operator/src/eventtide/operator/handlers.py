"""kopf handlers for Pipeline: thin; the work is in reconcile, scaler and the pure modules.

Structure (children) is reconciled on create, update and resume; a daemon per Pipeline
then runs the scaling round every ``pollIntervalSeconds``, re-applying the children
when the generation moves or one of them went missing (level-based).
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from eventtide.core.kafka.clients import admin_security
from eventtide.core.kafka.group_lag import AdminPool
from eventtide.core.settings import core_settings
from eventtide.operator.crd import GROUP, PLURAL, VERSION
from eventtide.operator.kube import Kube, KubeError, connect
from eventtide.operator.plain import plain
from eventtide.operator.policy import PolicyState
from eventtide.operator.reconcile import ChildrenResult, ensure_children
from eventtide.operator.scaler import run_processor_round, run_round
from eventtide.operator.spec import PipelineSpec

ERROR_BACKOFF_S = 5.0


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """Service account in a Pod, else $KUBECONFIG read now (the client reads it at import)."""
    info: kopf.ConnectionInfo | None = kopf.login_with_service_account(**kwargs)
    return info or kopf.login_with_kubeconfig(**kwargs)


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """API client, one Admin client pool for all Pipelines, and watch timeouts.

    The pool's clients use the operator's own Kafka TLS/SASL settings (``EVENTTIDE_KAFKA_*``).
    """
    settings.watching.server_timeout = 60
    settings.watching.client_timeout = 90
    settings.posting.level = logging.INFO
    settings.persistence.finalizer = "eventtide.io/operator"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="eventtide.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix="eventtide.io")
    memo["kube"] = connect()
    memo["admins"] = AdminPool(admin_security(core_settings()))


def _reconcile(body: Any, memo: Any) -> ChildrenResult:
    owner = plain(body)
    spec = PipelineSpec.from_body(owner)
    kube: Kube = memo["kube"]
    admins: AdminPool = memo["admins"]
    return ensure_children(kube, admins, spec, owner)


@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
@kopf.on.resume(GROUP, VERSION, PLURAL)
def reconcile(
    body: kopf.Body, memo: Any, logger: logging.Logger | logging.LoggerAdapter[Any], **_: Any
) -> None:
    """Create or update the children."""
    result = _reconcile(body, memo)
    logger.info("children: %s", result.message)


@kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=10)
def scale(
    stopped: kopf.DaemonStopped,
    body: kopf.Body,
    memo: Any,
    logger: logging.Logger | logging.LoggerAdapter[Any],
    **_: Any,
) -> None:
    """The per-Pipeline scaling loop (consumer, then processor); its policy states live as
    long as the daemon."""
    state = PolicyState()
    processor_state = PolicyState()
    applied_generation: int | None = None
    children = ChildrenResult(False, "not reconciled yet", "AdminAPI")
    while not stopped:
        owner = plain(body)
        spec = PipelineSpec.from_body(owner)
        interval = spec.poll_interval_s
        try:
            generation = int(owner["metadata"].get("generation", 0))
            if generation != applied_generation or not children.ready:
                children = _reconcile(body, memo)
                applied_generation = generation
            outcome, state = run_round(memo["kube"], memo["admins"], spec, owner, state, children)
            if not outcome.consumer_found:
                children = ChildrenResult(False, "consumer Deployment missing", children.topic_mode)
            if outcome.applied:
                logger.info("scaled: %s", outcome.decision.message)
            if outcome.decision.rule == "lagUnavailable":
                logger.warning("%s", outcome.decision.message)
            processor, processor_state = run_processor_round(
                memo["kube"], memo["admins"], spec, owner, processor_state
            )
            if not processor.consumer_found:
                children = ChildrenResult(
                    False, "processor Deployment missing", children.topic_mode
                )
            if processor.applied:
                logger.info("processor scaled: %s", processor.decision.message)
        except KubeError as error:
            logger.warning("Kubernetes API: %s", error)
            interval = max(interval, ERROR_BACKOFF_S)
        except Exception:
            logger.exception("scaling round failed; replicas unchanged")
            interval = max(interval, ERROR_BACKOFF_S)
        stopped.wait(interval)

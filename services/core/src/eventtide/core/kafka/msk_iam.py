"""Amazon MSK's IAM authentication as librdkafka's SASL/OAUTHBEARER token callback.

Why a callback and no password: MSK's IAM listener (port 9098) takes a short-lived token
signed with the pod's AWS credentials (IRSA, EKS Pod Identity or the instance role), so
nothing secret is stored anywhere. AWS's maintained signer
(``aws-msk-iam-sasl-signer-python``) builds and signs the token; librdkafka calls
:func:`oauth_callback`'s result whenever its token is about to expire (tokens live
15 minutes). The signer and botocore load only when the first token is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TokenCallback = Callable[[str | None], tuple[str, float]]
"""librdkafka's ``oauth_cb``: config string in, (token, expiry as epoch seconds) out."""


def oauth_callback(region: str) -> TokenCallback:
    """An ``oauth_cb`` signing MSK tokens for ``region`` with the default AWS credentials."""
    if not region:
        raise ValueError("MSK IAM authentication needs the cluster's AWS region")

    def token(_config: str | None) -> tuple[str, float]:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider  # type: ignore[import-untyped]

        signed, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
        return signed, expiry_ms / 1000.0

    return token


def serve_token(client: Any, config: dict[str, Any]) -> None:
    """Let a client that never polls (an admin client) fetch its first token now.

    librdkafka queues the token request when the client is created and serves it only
    from ``poll``; producers and consumers poll anyway, admin clients do not.
    """
    if "oauth_cb" in config:
        client.poll(0)

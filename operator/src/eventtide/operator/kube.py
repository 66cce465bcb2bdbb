"""A small JSON-in, JSON-out layer over the Kubernetes API client.

Why not the generated typed API classes: they return models, pick the JSON-patch
content type for dictionaries by default, and differ between client versions; the
operator only needs get/create/patch of a few kinds as plain dictionaries, which is
what the pure builders produce and the tests assert on. Authentication (in-cluster
service account, kubeconfig, exec plugins) is still the official client's.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config

from eventtide.operator.settings import OperatorSettings

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
REQUEST_TIMEOUT_S = 10


class KubeError(Exception):
    """The API server refused a request."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


def connect() -> Kube:
    """In-cluster credentials when running in a Pod, else ``$KUBECONFIG``/~/.kube/config."""
    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    except config.ConfigException:
        # Explicitly: the client reads $KUBECONFIG once at import, not at each call.
        config.load_kube_config(config_file=OperatorSettings().kubeconfig or None)  # type: ignore[no-untyped-call]
    return Kube(client.ApiClient())


class Kube:
    """get/create/patch/delete on API paths, with dictionaries."""

    def __init__(self, api: Any) -> None:
        self._api = api

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        query: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """The decoded response; None for 404 on GET and DELETE."""
        serialized = self._api.param_serialize(
            method=method,
            resource_path=path,
            query_params=list((query or {}).items()),
            header_params={"Content-Type": content_type, "Accept": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
        )
        verb, url, headers, payload, _ = serialized
        response = self._api.rest_client.request(
            verb, url, headers=headers, body=payload, _request_timeout=REQUEST_TIMEOUT_S
        )
        data = response.read() if hasattr(response, "read") else response.data
        if response.status == 404 and method in ("GET", "DELETE"):
            return None
        if response.status >= 400:
            raise KubeError(response.status, data.decode(errors="replace")[:500])
        decoded: dict[str, Any] = json.loads(data) if data else {}
        return decoded

    def get(self, path: str) -> dict[str, Any] | None:
        """The object at ``path``, or None."""
        return self.request("GET", path)

    def create(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``collection``."""
        created = self.request("POST", collection, body)
        assert created is not None
        return created

    def patch(
        self, path: str, body: dict[str, Any], content_type: str = MERGE_PATCH
    ) -> dict[str, Any]:
        """PATCH ``path``."""
        patched = self.request("PATCH", path, body, content_type=content_type)
        assert patched is not None
        return patched


def deployments(namespace: str) -> str:
    """Collection path of Deployments in ``namespace``."""
    return f"/apis/apps/v1/namespaces/{namespace}/deployments"


def config_maps(namespace: str) -> str:
    """Collection path of ConfigMaps in ``namespace``."""
    return f"/api/v1/namespaces/{namespace}/configmaps"


def service_accounts(namespace: str) -> str:
    """Collection path of ServiceAccounts in ``namespace``."""
    return f"/api/v1/namespaces/{namespace}/serviceaccounts"


def custom(group: str, version: str, namespace: str, plural: str) -> str:
    """Collection path of a custom resource in ``namespace``."""
    return f"/apis/{group}/{version}/namespaces/{namespace}/{plural}"

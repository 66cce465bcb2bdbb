"""The chart's CRD is a copy of the operator's one source; they must never drift apart."""

from __future__ import annotations

import pytest
import yaml

from tests.chart.rendering import CHART, CHART_CRD, OPERATOR_CRD

pytestmark = pytest.mark.unit


def test_chart_crd_is_byte_identical_to_the_operator_source() -> None:
    assert CHART_CRD.read_bytes() == OPERATOR_CRD.read_bytes(), (
        "charts/eventtide/crds/pipeline-crd.yaml differs from operator/manifests/"
        "pipeline-crd.yaml: run charts/eventtide/sync-crd"
    )


def test_crds_folder_holds_only_the_pipeline_crd() -> None:
    names = sorted(path.name for path in (CHART / "crds").iterdir())
    assert names == ["pipeline-crd.yaml"]
    crd = yaml.safe_load(CHART_CRD.read_text())
    assert crd["kind"] == "CustomResourceDefinition"
    assert crd["metadata"]["name"] == "pipelines.eventtide.io"

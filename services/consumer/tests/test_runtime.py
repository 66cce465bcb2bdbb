"""The interpreter settings the consumer process applies at start."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from eventtide.consumer.runtime import GC_YOUNG_THRESHOLD, SWITCH_INTERVAL_S, tune_interpreter

pytestmark = pytest.mark.unit


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("restored")
def test_start_up_objects_are_frozen_and_the_young_generation_collected_less_often() -> None:
    _, middle, old = gc.get_threshold()
    tune_interpreter()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, middle, old)
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)

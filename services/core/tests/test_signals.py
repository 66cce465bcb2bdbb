"""The shared stop flag: one stop request, and an optional hard exit on the second."""

from __future__ import annotations

import os
import signal

import pytest

from eventtide.core.signals import StopFlag, stop_on_signals

pytestmark = pytest.mark.unit


def test_first_stop_records_the_signal() -> None:
    flag = StopFlag()
    assert not flag.stopped
    assert flag.seconds_since() == 0.0
    flag.stop(signal.SIGINT)
    assert flag.stopped
    assert flag.signal_name == "SIGINT"
    assert flag.seconds_since() >= 0.0


def test_second_stop_is_ignored_unless_asked_to_exit() -> None:
    patient = StopFlag()
    patient.stop(signal.SIGTERM)
    patient.stop(signal.SIGINT)
    assert patient.signal_name == "SIGTERM"

    impatient = StopFlag(second_signal_exits=True)
    impatient.stop(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        impatient.stop(signal.SIGTERM)


def test_handlers_are_installed_for_the_block_and_restored_after() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals() as flag:
        os.kill(os.getpid(), signal.SIGTERM)
        assert flag.stopped
        assert flag.signal_name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) == before

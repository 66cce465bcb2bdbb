"""Model artefacts as skops bytes: never pickle, never load what was not vouched for.

An artefact comes back only if (1) its SHA-256 matches the digest recorded when it was
saved, so a flipped byte or a swapped blob is refused, and (2) every type in it is one
skops trusts by default or one listed in :data:`TRUSTED_TYPES` (the scikit-learn
internals our models are made of), so even an artefact written with a matching digest
cannot make the loader build an arbitrary object.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import skops.io as sio

TRUSTED_TYPES: Final = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
    "numpy.dtype",
)
"""Types skops does not trust by default that our models need (checked with
``skops.io.get_untrusted_types`` on both churn candidates and the isolation forest; the
sigmoid calibrator stays so that boosters registered before temperature scaling load).
``numpy.dtype`` is the dtype ``SimpleImputer`` records at fit (the linear churn model
imputes): a description of an array's element type, rebuilt by ``numpy.dtype`` from
arguments skops checks like any other node, so it cannot run code (skops-dev/skops#224
proposes trusting it by default)."""


class ArtefactRefusedError(Exception):
    """The artefact is not the one registered, or holds types nobody vouched for."""


def digest(blob: bytes) -> str:
    """SHA-256 of an artefact, hex."""
    return hashlib.sha256(blob).hexdigest()


def dump(estimator: Any) -> tuple[bytes, str]:
    """A fitted scikit-learn estimator as skops bytes, with their digest."""
    blob = sio.dumps(estimator)
    return blob, digest(blob)


def load(blob: bytes, expected_sha256: str) -> Any:
    """The estimator back, or :class:`ArtefactRefusedError` saying why not."""
    actual = digest(blob)
    if actual != expected_sha256:
        raise ArtefactRefusedError(
            f"artefact digest {actual[:12]}... does not match the registered "
            f"{expected_sha256[:12]}...: it was changed after registration"
        )
    try:
        untrusted = sio.get_untrusted_types(data=blob)
    except Exception as error:  # a corrupt archive fails inside skops/zipfile in many ways
        raise ArtefactRefusedError(f"artefact is not a readable skops file: {error}") from error
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ArtefactRefusedError(f"artefact holds untrusted types: {', '.join(unknown)}")
    return sio.loads(blob, trusted=list(TRUSTED_TYPES))

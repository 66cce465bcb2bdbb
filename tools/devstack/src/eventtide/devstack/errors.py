"""Errors that tell the user what is missing and how to get it."""

from __future__ import annotations


class InfraError(RuntimeError):
    """A piece of local infrastructure could not be built or started.

    The message always says what failed and what to do about it; tests surface it
    verbatim instead of skipping.
    """

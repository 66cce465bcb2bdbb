"""Properties of account events: signup, login and logout."""

from __future__ import annotations

from typing import Literal

from eventtide.core.events.properties.base import TypedProperties
from eventtide.core.events.properties.common import STRICT_PROPERTIES

AuthMethod = Literal["email", "google", "apple", "facebook", "sso"]


class SignupProperties(TypedProperties):
    """A new account was created.

    ``method`` is optional from schema version 2 on (null: the client did not say):
    Segment's "Signed Up" and "Signed In" rarely carry it.
    """

    model_config = STRICT_PROPERTIES

    method: AuthMethod | None = None
    referral_code: str | None = None


class LoginProperties(TypedProperties):
    """A login was attempted; failed logins matter for fraud signals."""

    model_config = STRICT_PROPERTIES

    method: AuthMethod | None = None
    success: bool = True


class LogoutProperties(TypedProperties):
    """A session ended explicitly or by timeout."""

    model_config = STRICT_PROPERTIES

    reason: Literal["user", "timeout"] = "user"

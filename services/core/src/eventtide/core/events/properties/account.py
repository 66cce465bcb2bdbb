"""Properties of account events: signup, login and logout."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from eventtide.core.events.properties.common import STRICT_PROPERTIES

AuthMethod = Literal["email", "google", "apple", "facebook", "sso"]


class SignupProperties(BaseModel):
    """A new account was created."""

    model_config = STRICT_PROPERTIES

    method: AuthMethod
    referral_code: str | None = None


class LoginProperties(BaseModel):
    """A login was attempted; failed logins matter for fraud signals."""

    model_config = STRICT_PROPERTIES

    method: AuthMethod
    success: bool = True


class LogoutProperties(BaseModel):
    """A session ended explicitly or by timeout."""

    model_config = STRICT_PROPERTIES

    reason: Literal["user", "timeout"] = "user"

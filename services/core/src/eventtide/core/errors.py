"""The one error a command raises for a setting it cannot use.

A wrong setting is the user's to fix, not a crash: the CLI root answers it with exit
code 2 and a message naming the setting and a valid value, never a traceback. Raised
where a value is checked (settings validators, the engine factory), answered in one
place (:mod:`eventtide.core.failures`).
"""

from __future__ import annotations


class ConfigError(ValueError):
    """``setting`` cannot be used as given; the message says what would work."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting

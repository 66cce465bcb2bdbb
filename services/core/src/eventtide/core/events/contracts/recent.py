"""What a door or an import remembers having linked lately: the identity pairs whose
identify it already sent, so a signed-in user's every event does not send another."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)


class Recent(Generic[Key]):
    """The last ``size`` keys seen, the least recently seen forgotten first."""

    def __init__(self, size: int) -> None:
        self._keys: OrderedDict[Key, None] = OrderedDict()
        self._size = size

    def first(self, key: Key) -> bool:
        """True the first time ``key`` is seen (again, once it was forgotten)."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return True

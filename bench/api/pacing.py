"""PURE: when a paced load-test user starts its next request (a Poisson process).

Apart from the Locust file because importing Locust patches the whole process with
gevent; the schedule is plain arithmetic and is unit-tested on its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CATCH_UP_S = 1.0
"""How far behind its schedule a user may fall before the missed starts are dropped:
a slow answer is followed at once by the starts it delayed, up to this much."""


@dataclass
class PoissonPacer:
    """Request starts at the times of a Poisson process of ``rate`` per second.

    Independent clients' requests arrive so; a fixed pacing would let the server's
    answers synchronise the users (see the Locust file). The schedule begins at
    :meth:`begin`, the user's own start: a schedule begun at 0 sees the user a whole
    second behind, and every user would open with a second's worth of requests back
    to back, a full-load burst inside a half-load run.
    """

    rate: float
    rng: random.Random = field(default_factory=random.Random)
    next_start: float | None = None

    def begin(self, now: float) -> None:
        """Start the schedule at ``now``."""
        self.next_start = now

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until the next request starts (0: at once)."""
        if self.next_start is None:
            self.begin(now)
        assert self.next_start is not None
        self.next_start = max(self.next_start, now - CATCH_UP_S) + self.rng.expovariate(self.rate)
        return max(0.0, self.next_start - now)

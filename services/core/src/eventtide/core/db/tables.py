"""The Core table handles, taken from the models once for every query module.

Why Core tables and not the ORM classes: the write path and the read queries build
multi-row INSERT ... ON CONFLICT and aggregate SELECTs, which are Core constructs; the
handles were taken from ``Base.metadata`` in five modules before, now only here.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Table

from eventtide.core.db.models import (
    Base,
    ConsumerOffset,
    DeadLetter,
    IdentityLink,
    PersonDistinctId,
    User,
    UserEvent,
    UserStats,
)

USERS: Final[Table] = Base.metadata.tables[User.__tablename__]
EVENTS: Final[Table] = Base.metadata.tables[UserEvent.__tablename__]
STATS: Final[Table] = Base.metadata.tables[UserStats.__tablename__]
DEAD: Final[Table] = Base.metadata.tables[DeadLetter.__tablename__]
OFFSETS: Final[Table] = Base.metadata.tables[ConsumerOffset.__tablename__]
LINKS: Final[Table] = Base.metadata.tables[IdentityLink.__tablename__]
PERSONS: Final[Table] = Base.metadata.tables[PersonDistinctId.__tablename__]

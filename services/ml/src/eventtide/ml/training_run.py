"""What every ``eventtide ml train ...`` verb does around its training: open the
database named by ``DATABASE_URL``, train, close it, and say why when it could not."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine

R = TypeVar("R")


def run_training(train: Callable[[Engine], R]) -> R | None:
    """``train``'s result, or None after printing the reason (bad data, or a production
    artefact that cannot be loaded to compare with)."""
    from eventtide.core.db import make_engine
    from eventtide.core.db.settings import DbSettings
    from eventtide.ml.artefacts import ArtefactRefusedError

    engine = make_engine(DbSettings().database_url)
    try:
        return train(engine)
    except ValueError as error:
        print(f"cannot train: {error}", file=sys.stderr)
    except ArtefactRefusedError as error:
        print(f"cannot compare with the production model: {error}", file=sys.stderr)
    finally:
        engine.dispose()
    return None


def decision_line(promote: bool, reason: str) -> str:
    """The last line every training verb prints."""
    return f"{'promoted' if promote else 'not promoted'}: {reason}"

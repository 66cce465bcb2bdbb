"""PURE: trend formulas, PostHog's ``A / B * 100`` over the series of one question,
worked out bucket by bucket and group by group.

A formula is read by Python's own parser (:mod:`ast`) and kept only when it is made of
numbers, the letters of the asked series, ``+``, ``-``, ``*``, ``/``, signs and
parentheses; the tree is then walked here, never handed to Python to run. As PostHog
works one out, a series without a value in a bucket or group counts 0 there, and a
division by zero is 0 (its ``A/0`` is 0), as is a result past a double's range.
"""

from __future__ import annotations

import ast
import math
import operator
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from eventtide.core.db.queries.trends import TrendPoint

LETTERS: Final = string.ascii_uppercase
MAX_LENGTH: Final = 200
"""Long enough for any formula of ten series; short enough that the parser's nesting
limit (200 parentheses) is never the message a user sees."""

_BINARY: Final[dict[type[ast.operator], Callable[[float, float], float]]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_SIGNS: Final[dict[type[ast.unaryop], Callable[[float], float]]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


class FormulaError(ValueError):
    """A formula that is not numbers, series letters, + - * / and parentheses."""


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula that parsed, and the series letters it reads."""

    text: str
    tree: ast.expr
    letters: frozenset[str]


def parse(text: str, series: int) -> Formula:
    """The formula over ``series`` series (letters ``A`` onwards), or a
    :class:`FormulaError` that names what is wrong."""
    if not text.strip():
        raise FormulaError("formula is empty: write one such as B / A * 100")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is {len(text)} characters long; at most {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip().upper(), mode="eval").body  # PostHog reads a as A
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise FormulaError(
            f"formula={text!r} does not parse ({getattr(error, 'msg', error)}): use series "
            "letters, numbers, + - * / and parentheses, such as (A - B) / A * 100"
        ) from error
    letters = frozenset(_check(tree, tuple(LETTERS[:series])))
    return Formula(text, tree, letters)


def _check(node: ast.expr, known: tuple[str, ...]) -> list[str]:
    """The letters ``node`` reads, after checking it holds nothing else."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _check(node.left, known) + _check(node.right, known)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _SIGNS:
        return _check(node.operand, known)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if not math.isfinite(_number(node)):  # 1e999; whole numbers of 200 digits fit
            raise FormulaError("a number of the formula is past a double's range (1.8e308)")
        return []
    if isinstance(node, ast.Name) and node.id in known:
        return [node.id]
    if isinstance(node, ast.Name) and node.id in tuple(LETTERS):
        raise FormulaError(
            f"formula reads series {node.id}, but {len(known)} series were asked "
            f"({', '.join(known)}): add a series= for each letter"
        )
    piece = ast.unparse(node)
    raise FormulaError(
        f"formula may hold series letters, numbers, + - * / and parentheses; not {piece!r}"
    )


def evaluate(formula: Formula, values: Mapping[str, float]) -> float:
    """The formula's value for the series' ``values`` (a missing letter is 0)."""
    result = _value(formula.tree, values)
    return result if math.isfinite(result) else 0.0


def _value(node: ast.expr, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left, values), _value(node.right, values)
        if isinstance(node.op, ast.Div) and right == 0:
            return 0.0
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        return _SIGNS[type(node.op)](_value(node.operand, values))
    if isinstance(node, ast.Constant):
        return _number(node)
    assert isinstance(node, ast.Name)  # _check let nothing else through
    return float(values.get(node.id, 0.0))


def _number(node: ast.Constant) -> float:
    value = node.value
    assert isinstance(value, int | float)  # _check let nothing else through
    return float(value)


def combine(formula: Formula, series: Mapping[str, Sequence[TrendPoint]]) -> list[TrendPoint]:
    """The formula in every (bucket, group) one of the series has a value for, ordered by
    bucket then group (in byte order)."""
    cells: dict[tuple[datetime, str | None], dict[str, float]] = {}
    for letter, points in series.items():
        for point in points:
            cells.setdefault((point.bucket, point.group), {})[letter] = point.value
    ordered = sorted(cells.items(), key=lambda item: (item[0][0], (item[0][1] or "").encode()))
    return [TrendPoint(bucket, group, evaluate(formula, got)) for (bucket, group), got in ordered]

"""Simple arithmetic over metric names: what a calibration target or a validation pattern measures.

An expression is numbers, names and + - * / with parentheses, e.g. `denied_flights /
denied_trains` or `listings_court / population * 365 / days`. A name is a summary key (a
metric, `population`, `days`) or `totals.<counter>` (an event counter of the run). Nothing
else parses: no calls, no attributes but `totals.`, no other operators. Division by zero
gives NaN (the quantity is undefined in that run), never an exception.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else math.nan,
}


def parse(text: str) -> ast.expr:
    """The expression's tree; ValueError (one line) if it is not a simple arithmetic expression."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"{text!r} is not an expression of metric names, numbers, + - * / and ( )") from None
    for node in ast.walk(tree):
        allowed = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Attribute, ast.Constant, ast.USub, ast.UAdd)
        ok = isinstance(node, (*allowed, *_BINARY))
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, int | float)):
            ok = False
        if isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.value.id == "totals"):
            ok = False
        if not ok:
            raise ValueError(f"{text!r}: only metric names, totals.<counter>, numbers, + - * / and ( ) are allowed")
    return tree


def names(text: str) -> list[str]:
    """The names an expression reads, in order of appearance, `totals.x` as one name."""
    found: list[str] = []
    tree = parse(text)
    attributes = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = f"totals.{node.attr}"
        elif isinstance(node, ast.Name) and id(node) not in attributes:
            name = node.id
        else:
            continue
        if name not in found:
            found.append(name)
    return found


def evaluate(text: str, lookup: Callable[[str], float]) -> float:
    """The expression's value, each name read through `lookup` (NaN propagates)."""

    def value(node: ast.expr) -> float:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)  # parse() admits no other constants
            return float(node.value)
        if isinstance(node, ast.Name):
            return float(lookup(node.id))
        if isinstance(node, ast.Attribute):
            return float(lookup(f"totals.{node.attr}"))
        if isinstance(node, ast.UnaryOp):
            inner = value(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        assert isinstance(node, ast.BinOp)
        return _BINARY[type(node.op)](value(node.left), value(node.right))

    return value(parse(text))

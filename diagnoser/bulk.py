"""Bulk lines: which request, access and SQL lines no rule step can match.

A production log is mostly Render request logs, Gunicorn access lines and Django
SQL lines. `diagnoser.scan` finds them in a block without a Python step per
line; this module says, from the rules, which of them may be counted without
being read one by one: every condition a rule step has on such a kind becomes
a bound on the one numeric field of the shape (`responseTimeMS` over 5000, a
status of 504, a query of a second or more: those lines are read alone). A
condition that cannot be put so (on another field, or one every line meets)
takes the kind out of the bulk altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from diagnoser.events import Kind
from diagnoser.rules import Compare, Rule, Where
from diagnoser.timeline import SLOW_QUERY_SECONDS
from diagnoser.vocabulary import MatchType

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Shape:
    """One bulk line shape: its event kind and how its one numeric field is written."""

    kind: Kind
    field: str  # the numeric field the rules may test
    decimals: int  # digits after the point in that field (0: an integer)


REQUEST = Shape(Kind.REQUEST_LOG, "duration_ms", 0)
ACCESS = Shape(Kind.ACCESS, "status", 0)
SQL = Shape(Kind.SQL_QUERY, "duration", 3)
SHAPES = (REQUEST, ACCESS, SQL)

# Timeline series that count lines of these kinds by value (see timeline.series_of).
_SLOW_QUERY = Compare(gte=SLOW_QUERY_SECONDS)


def counts_every_line(rule: Rule, kind: Kind) -> bool:
    """A count rule whose step takes every event of `kind` (`excessive-logging`)."""
    step = rule.match.steps[0]
    return (
        rule.match.type is MatchType.COUNT
        and kind in step.event
        and not step.where
        and not step.any
    )


def bulk_group(rule: Rule, instance: str) -> Hashable | None:
    """The group a bulk line falls in for `rule` (bulk lines name no worker)."""
    scope = rule.match.group_by
    if scope == "worker":
        return None
    return instance if scope == "instance" else ""


class LineTexts(Protocol):
    """Where a bulk line's bytes are: a scanned block."""

    def text(self, index: int) -> bytes: ...


@dataclass(slots=True)
class BulkLine:
    """A bulk line held in a count window, read as an event only if the rule fires."""

    source: str
    line: int
    ts: float | None
    texts: LineTexts
    index: int  # of the line in `texts`


@dataclass(slots=True)
class BulkRun:
    """Consecutive lines of one bulk kind (others may stand between them)."""

    times: list[float]  # in line order; NaN: no time
    line: Callable[[int], BulkLine]  # the i-th of them, for count rules


class Disabled(Exception):
    """A rule condition the bulk patterns cannot express: the kind takes the full path."""


# -- rule conditions turned into the values a bulk line may carry ---------------------


def _conditions(rules: Iterable[Rule], kind: Kind) -> list[Where]:
    """Every `where` a rule tests events of `kind` with, in a step or an alternative."""
    out: list[Where] = []
    for rule in rules:
        match = rule.match
        if any(kind in absent.event for absent in match.absent):
            raise Disabled(f"{rule.id} looks for the absence of {kind}")
        for step in match.steps:
            if kind in step.event and counts_every_line(rule, kind):
                continue  # the engine counts these lines itself (Engine.bulk)
            if kind in step.event:
                out.append(step.where)
            for alt in step.any:
                if kind in alt.event:
                    out.append(alt.where)
    return out


_FIELDS_OF: dict[Kind, frozenset[str]] = {
    Kind.REQUEST_LOG: frozenset(
        {"platform", "duration_ms", "bytes", "client", "request_id", "level"}
    ),
    Kind.ACCESS: frozenset({"client", "method", "path", "status", "gunicorn_500", "level"}),
    Kind.SQL_QUERY: frozenset({"duration", "sql", "alias", "level"}),
}


@dataclass(slots=True)
class _Accepts:
    """What one condition accepts of the shape's field: values above, or equal to."""

    above: float | None = None  # the largest value it does not accept
    equal: tuple[float, ...] = ()
    never: bool = False


def _accepts(shape: Shape, where: Where) -> _Accepts:
    """What `where` accepts, as far as the shape's one numeric field decides it."""
    if not where:
        raise Disabled(f"a step takes every {shape.kind} line")
    found = _Accepts()
    tested = False
    for key, expected in where.items():
        if key != shape.field:
            if key in _FIELDS_OF[shape.kind] or expected is False:
                raise Disabled(f"a condition on {key} of {shape.kind}")
            return _Accepts(never=True)  # a field these lines never carry
        tested = True
        if isinstance(expected, Compare):
            if expected.contains or expected.excludes or expected.regex:
                raise Disabled(f"a text condition on {key}")
            if expected.lt is not None or expected.lte is not None:
                raise Disabled(f"an upper bound on {key}")
            if expected.gt is not None:
                found.above = expected.gt
            elif expected.gte is not None:
                found.above = expected.gte - 10.0**-shape.decimals
            else:
                raise Disabled(f"an empty comparison on {key}")
        elif isinstance(expected, int | float) and not isinstance(expected, bool):
            found.equal = (float(expected),)
        elif isinstance(expected, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in expected
        ):
            found.equal = tuple(float(v) for v in expected)
        else:
            raise Disabled(f"a condition on {key} = {expected!r}")
    if not tested:
        raise Disabled(f"a step takes every {shape.kind} line")
    return found


@dataclass(frozen=True, slots=True)
class Quiet:
    """The values of a shape's field that no rule step accepts: at most `bound`
    (None: any), and none of `excluded`."""

    bound: float | None = None
    excluded: tuple[float, ...] = ()

    def admits(self, values: Ints) -> Bools:
        """Which whole-number values a bulk line may carry."""
        ok = np.ones(len(values), dtype=bool)
        if self.bound is not None:
            ok &= values <= self.bound
        for value in self.excluded:
            ok &= values != value
        return ok

    def admits_fixed(self, scaled: Ints, decimals: int) -> Bools:
        """Which values, written with `decimals` digits and given times 10**decimals."""
        ok = np.ones(len(scaled), dtype=bool)
        if self.bound is not None:
            ok &= scaled <= round(self.bound * 10**decimals)
        for value in self.excluded:
            ok &= scaled != round(value * 10**decimals)
        return ok


def quiet_values(shape: Shape, rules: list[Rule]) -> Quiet:
    """What a bulk line of `shape` may carry in its field; `Disabled` when nothing can
    be said (a condition on another field, or one every line meets)."""
    wheres = _conditions(rules, shape.kind)
    if shape.kind is Kind.SQL_QUERY:
        wheres.append({"duration": _SLOW_QUERY})  # the timeline's slow-query series
    bound: float | None = None
    excluded: list[float] = []
    for where in wheres:
        accepts = _accepts(shape, where)
        if accepts.never:
            continue
        if accepts.above is not None:
            bound = accepts.above if bound is None else min(bound, accepts.above)
        excluded.extend(accepts.equal)
    return Quiet(bound, tuple(excluded))


@dataclass(slots=True)
class BulkKinds:
    """For one set of rules: what each bulk kind may carry, and the kinds left out."""

    quiet: dict[Kind, Quiet]
    disabled: dict[Kind, str]  # the kinds every line of which is read alone, and why


def compile_quiet(rules: list[Rule]) -> BulkKinds:
    """The bulk kinds for `rules`: every condition a rule has on them is in `quiet`."""
    quiet: dict[Kind, Quiet] = {}
    disabled: dict[Kind, str] = {}
    for shape in SHAPES:
        try:
            quiet[shape.kind] = quiet_values(shape, rules)
        except Disabled as why:
            disabled[shape.kind] = str(why)
    return BulkKinds(quiet, disabled)

"""Matching: whether an event meets a rule's conditions, and whether lines fall in a span.

Shared by the engine, which applies them one event at a time or to whole runs
of bulk lines, and by the analysis, which asks whether the input showed an
event meeting a rule's differential conditions.
"""

from __future__ import annotations

import math
from typing import Protocol

from diagnoser.events import Event, Kind
from diagnoser.rules import Absent, Compare, Step, Where

CLOCK_SLOP = 2.0  # seconds: lines of one second may arrive slightly out of order


class Timed(Protocol):
    """An event or a bulk line: what has a time."""

    @property
    def ts(self) -> float | None: ...


def within(first: Timed, later: Timed, span: float) -> bool:
    """Whether `later` comes within `span` seconds after `first`, or at most CLOCK_SLOP
    before it; a line without a time is within any span."""
    if first.ts is None or later.ts is None:
        return True
    return -CLOCK_SLOP <= later.ts - first.ts <= span


def where_ok(where: Where, event: Event) -> bool:
    """Whether `event` meets every condition of `where`."""
    for key, expected in where.items():
        actual = event.level if key == "level" else event.fields.get(key)
        if isinstance(expected, Compare):
            if not expected.test(actual):
                return False
        elif isinstance(expected, list):
            if actual not in expected and str(actual) not in {str(v) for v in expected}:
                return False
        elif expected is False:
            if actual:
                return False
        elif actual != expected and str(actual) != str(expected):
            return False
    return True


Matcher = dict[Kind, tuple[Where, ...]]


def matcher(step: Step | Absent) -> Matcher:
    """The step's conditions by event kind: one dict lookup rejects most events."""
    table: dict[Kind, list[Where]] = {}
    for kind in step.event:
        table.setdefault(kind, []).append(step.where)
    if isinstance(step, Step):
        for alt in step.any:
            for kind in alt.event:
                table.setdefault(kind, []).append(alt.where)
    return {k: tuple(v) for k, v in table.items()}


def matches(table: Matcher, event: Event) -> bool:
    """Whether `event` meets one of the conditions `table` holds for its kind."""
    wheres = table.get(event.kind)
    if wheres is None:
        return False
    for where in wheres:  # noqa: SIM110 - no generator per event on the hot path
        if not where or where_ok(where, event):
            return True
    return False


def inside(times: list[float], first: float | None, span: float) -> int:
    """How many leading `times` are within `span` of `first` (as `within` decides;
    a line without a time, NaN, is within)."""
    if first is None:
        return len(times)
    low, high = first - CLOCK_SLOP, first + span
    for index, ts in enumerate(times):
        if ts < low or ts > high:  # False for NaN
            return index
    return len(times)


def ordered(times: list[float]) -> bool:
    """All have a time, in order."""
    previous = -math.inf
    for ts in times:
        if not ts >= previous:  # NaN fails too
            return False
        previous = ts
    return True

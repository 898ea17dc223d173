"""Bulk lines: the request, access and SQL lines that make up most of a log, counted in C.

A production log is mostly Render request logs, Gunicorn access lines and Django
SQL lines. Each shape here is one strict byte pattern; a block of lines is split
by one C-level scan into runs of such lines and the rare lines between them.
Rare lines go through the full per-line pipeline; a run is aggregated (counts,
timestamps, durations) without building an event per line.

A line is bulk only when the per-line pipeline would make of it exactly one
event of the shape's kind whose only use is to be counted: the shape patterns
exclude brackets, escapes and timestamps inside the free text, and every rule
condition on the kind is compiled into the pattern (`responseTimeMS` over 5000
is not bulk), so a line a rule could match always takes the full path.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass

from diagnoser.engine import counts_every_line
from diagnoser.events import Kind
from diagnoser.rules import Compare, Rule, Where

# Free text inside a bulk line: no brackets (Gunicorn's `[pid] [LEVEL]` core),
# no escape sequences, no carriage returns, no quotes inside quoted values.
_TEXT = rb'[^"\\\n\r\x1b\[\]]*'
_BARE = rb'[^\s"\\\[\]\x1b]+'
# `render logs -o text`: the UTC time, two spaces, the message.
_PREFIX = rb"(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  )?"


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
_SLOW_QUERY = Compare(gte=1.0)


class Disabled(Exception):
    """A rule condition the bulk patterns cannot express: the kind takes the full path."""


# -- numbers as patterns --------------------------------------------------------


def _le_digits(bound: str) -> str:
    """A pattern for digit strings of len(bound) that are <= bound."""
    if not bound:
        return ""
    first, rest = int(bound[0]), bound[1:]
    parts = []
    if first > 0:
        parts.append(f"[0-{first - 1}]" + (rf"\d{{{len(rest)}}}" if rest else ""))
    tail = _le_digits(rest)
    parts.append(f"{first}" + (f"(?:{tail})" if rest else ""))
    return "|".join(parts)


def int_le(bound: int) -> str:
    """A pattern for a whole number (no leading zeros, as logs write them) <= bound."""
    if bound < 0:
        return "(?!)"
    text = str(bound)
    parts = []
    if len(text) > 1:
        parts.append(rf"[1-9]\d{{0,{len(text) - 2}}}" if len(text) > 2 else r"[1-9]")
        parts.append("0")
        first, rest = int(text[0]), text[1:]
        if first > 1:
            parts.append(f"[1-{first - 1}]" + rf"\d{{{len(rest)}}}")
        parts.append(f"{first}(?:{_le_digits(rest)})")
    else:
        parts.append(f"[0-{text}]")
    return "(?:" + "|".join(parts) + ")"


def number_le(bound: float, decimals: int) -> str:
    """A pattern for a number written with `decimals` digits after the point, <= bound."""
    scaled = int(bound * 10**decimals + 1e-9) if bound >= 0 else -1
    if decimals == 0:
        return int_le(scaled)
    whole, frac = divmod(scaled, 10**decimals)
    frac_text = f"{frac:0{decimals}d}"
    below = rf"{int_le(whole - 1)}\.\d{{{decimals}}}" if whole > 0 else "(?!)"
    same = rf"{whole}\.(?:{_le_digits(frac_text)})"
    return f"(?:{below}|{same})"


# -- rule conditions compiled into the patterns -----------------------------------


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


def _value_pattern(shape: Shape, rules: list[Rule]) -> str:
    """The pattern the shape's field must match for a line to be bulk."""
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
    number = r"\d+" if shape.decimals == 0 else rf"\d+\.\d{{{shape.decimals}}}"
    if bound is not None:
        number = number_le(bound, shape.decimals)
    if excluded:
        avoid = "|".join(
            str(int(v)) if shape.decimals == 0 else f"{v:.{shape.decimals}f}" for v in excluded
        )
        number = rf"(?!(?:{avoid})(?!\d)){number}"
    return number


@dataclass(slots=True)
class BulkPatterns:
    """The compiled patterns for one set of rules."""

    rare: re.Pattern[bytes]  # a newline followed by a line that is not bulk
    kinds: frozenset[Kind]  # the bulk kinds in use
    disabled: dict[Kind, str]  # the others, and why


def compile_patterns(rules: list[Rule]) -> BulkPatterns:
    """Bulk patterns for `rules`: every condition a rule has on a bulk kind is in them."""
    disabled: dict[Kind, str] = {}
    bodies: dict[Kind, bytes] = {}
    for shape in SHAPES:
        try:
            v = _value_pattern(shape, rules).encode()
        except Disabled as why:
            disabled[shape.kind] = str(why)
            continue
        if shape is REQUEST:
            body = (
                rb'clientIP="'
                + _TEXT
                + rb'" requestID="'
                + _TEXT
                + rb'" responseTimeMS=('
                + v
                + rb') responseBytes=\d+ userAgent="'
                + _TEXT
                + rb'"'
            )
        elif shape is ACCESS:
            body = (
                _BARE
                + rb" "
                + _BARE
                + rb" "
                + _BARE
                + rb" \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] \""
                + _TEXT
                + rb'" ('
                + v
                + rb') (?:\d+|-) "'
                + _TEXT
                + rb'" "'
                + _TEXT
                + rb'"'
            )
        else:
            # `; args=` must appear once: the SQL text may not contain it
            body = (
                rb"\(("
                + v
                + rb")\) (?:(?!; args=)[^\n\r\x1b\[\]])*?; args="
                + rb"(?:(?!; args=|; alias=)[^\n\r\x1b\[\]])*(?:; alias=\w+)?"
            )
        bodies[shape.kind] = body
    if bodies:
        any_bulk = _PREFIX + rb"(?:" + rb"|".join(bodies.values()) + rb")"
        # at each newline: the line after it is not bulk (`feed_block` puts a newline first)
        rare = re.compile(rb"\n(?!(?:" + any_bulk + rb")\n)")
    else:
        rare = re.compile(rb"\n")
    return BulkPatterns(rare=rare, kinds=frozenset(bodies), disabled=disabled)


# -- what a run of bulk lines holds (each line is already known to be one of the shapes)

REQUEST_MARK = b'clientIP="'  # once in a request line, never in the other shapes
ACCESS_MARK = b'] "'  # once in an access line (after its time), never in the others
DURATIONS = re.compile(rb"responseTimeMS=(\d+)")
REQUEST_TIMES = re.compile(rb'\n(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  )?clientIP="')
ACCESS_TIMES = re.compile(rb'\[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "')
SQL_LINES = re.compile(rb"\n((?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  )?\(\d[^\n]*)")
PREFIX_STAMP = re.compile(rb"\n(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  ")


# -- timestamps of bulk lines -------------------------------------------------------

_MONTHS = {
    m.encode(): i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_minutes: dict[bytes, float | None] = {}  # the minute part of a stamp -> epoch seconds
_CACHE_LIMIT = 100_000


def _minute(
    key: bytes, year: int, month: int, day: int, hour: int, minute: int, zone: int
) -> float | None:

    try:
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
            return None
        value = float(calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0)) - zone)
    except (ValueError, OverflowError):
        value = None
    if len(_minutes) >= _CACHE_LIMIT:
        _minutes.clear()
    _minutes[key] = value
    return value


def prefix_times(stamps: list[bytes]) -> list[float | None]:
    """Epoch seconds of `render logs -o text` stamps (`2025-07-30 11:10:08`, UTC); b"" is None."""
    out: list[float | None] = []
    append = out.append
    last_key = b""
    last_base: float | None = None
    for stamp in stamps:
        if not stamp:
            append(None)
            continue
        key = stamp[:16]
        if key != last_key:
            last_key = key
            last_base = _minutes.get(key, -1.0)
            if last_base == -1.0:
                last_base = _minute(
                    key,
                    int(key[:4]),
                    int(key[5:7]),
                    int(key[8:10]),
                    int(key[11:13]),
                    int(key[14:16]),
                    0,
                )
        append(None if last_base is None else last_base + int(stamp[17:19]))
    return out


def access_times(stamps: list[bytes]) -> list[float | None]:
    """Epoch seconds of Gunicorn access-log times (`30/Jul/2025:11:10:08 +0000`)."""
    out: list[float | None] = []
    append = out.append
    last_key = b""
    last_base: float | None = None
    for stamp in stamps:
        key = stamp[:17] + stamp[20:]
        if key != last_key:
            last_key = key
            last_base = _minutes.get(key, -1.0)
            if last_base == -1.0:
                zone = int(stamp[22:24]) * 3600 + int(stamp[24:26]) * 60
                if stamp[21:22] == b"-":
                    zone = -zone
                month = _MONTHS.get(stamp[3:6], 0)
                last_base = _minute(
                    key,
                    int(stamp[7:11]),
                    month,
                    int(stamp[:2]),
                    int(stamp[12:14]),
                    int(stamp[15:17]),
                    zone,
                )
        append(None if last_base is None else last_base + int(stamp[18:20]))
    return out

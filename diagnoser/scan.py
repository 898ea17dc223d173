"""The block scan: every line of a block classified at once, with numpy.

A block of whole lines becomes arrays with one entry per line: its kind (a bulk
shape, or rare), its time and its duration. Nothing here runs once per line in
Python: newlines, brackets, quotes and spaces are indexed by vectorised
comparisons, and each line's shape is checked at fixed offsets from its start
or from its first bracket or quote. A line passes as bulk only when the
per-line pipeline would read it as exactly one event of that shape, with the
same time, that no rule step could match (`bulk.Quiet`); anything else is rare
and is read alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from diagnoser.bulk import Quiet
from diagnoser.events import Kind

RARE, REQUEST, ACCESS, SQL = 0, 1, 2, 3
KIND_OF = {REQUEST: Kind.REQUEST_LOG, ACCESS: Kind.ACCESS, SQL: Kind.SQL_QUERY}
CODE_OF = {kind: code for code, kind in KIND_OF.items()}

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_PAD = 64  # newlines after the block: gathers at fixed offsets past a short line stay in it
_PREFIX = 21  # `2025-07-30 11:10:08  `
_HOST = 48  # the longest client address of an access line read in bulk
_COLUMNS = np.arange(_HOST)
_CLIENT = np.frombuffer(b'clientIP="', np.uint8)
_RESPONSE = np.frombuffer(b"responseTimeMS=", np.uint8)
_MONTHS = {
    (m[0] << 16) | (m[1] << 8) | m[2]: i
    for i, m in enumerate(
        (
            b"Jan",
            b"Feb",
            b"Mar",
            b"Apr",
            b"May",
            b"Jun",
            b"Jul",
            b"Aug",
            b"Sep",
            b"Oct",
            b"Nov",
            b"Dec",
        ),
        1,
    )
}
_MONTH_KEYS = np.array(sorted(_MONTHS), dtype=np.int64)
_MONTH_NUMBERS = np.array([_MONTHS[k] for k in sorted(_MONTHS)], dtype=np.int64)


@dataclass(slots=True)
class BlockLines:
    """One block's lines: line i is `text(i)`; `starts` and `ends` count one newline
    put before the block (so `ends` are the newlines' places in the scanned array)."""

    block: bytes  # the lines as read
    starts: Ints
    ends: Ints
    kind: npt.NDArray[np.int8]
    ts: Floats  # NaN: the line has no time of its own
    duration_ms: Ints  # request lines; 0 elsewhere

    def text(self, index: int) -> bytes:
        # offsets count the newline put before the block's first line
        return self.block[int(self.starts[index]) - 1 : int(self.ends[index]) - 1]


_buffers: list[npt.NDArray[np.uint8]] = []


def _buffer(size: int) -> npt.NDArray[np.uint8]:
    """A reusable array of at least `size` bytes: blocks are copied, never allocated anew."""
    if not _buffers or len(_buffers[0]) < size:
        _buffers[:] = [np.empty(max(size, 1 << 21), dtype=np.uint8)]
    return _buffers[0][:size]


def _digits(a: npt.NDArray[np.uint8], at: Ints) -> tuple[Ints, Bools]:
    d = a[at].astype(np.int64) - 48
    return d, (d >= 0) & (d <= 9)


def _number(a: npt.NDArray[np.uint8], at: Ints, width: int) -> tuple[Ints, Bools]:
    """The fixed-width decimal numbers at `at`, and whether each was all digits."""
    value = np.zeros(len(at), dtype=np.int64)
    ok = np.ones(len(at), dtype=bool)
    for k in range(width):
        d, good = _digits(a, at + k)
        value = value * 10 + d
        ok &= good
    return value, ok


def _epoch(year: Ints, month: Ints, day: Ints, hour: Ints, minute: Ints, second: Ints) -> Floats:
    """Seconds since 1970 (UTC) of civil dates, vectorised (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    seconds: Floats = (days * 86400 + hour * 3600 + minute * 60 + second).astype(np.float64)
    return seconds


def _iso_times(a: npt.NDArray[np.uint8], at: Ints) -> tuple[Floats, Bools]:
    """`YYYY-MM-DD HH:MM:SS` at `at`: epoch seconds, and whether each is well formed."""
    year, ok = _number(a, at, 4)
    month, ok2 = _number(a, at + 5, 2)
    day, ok3 = _number(a, at + 8, 2)
    hour, ok4 = _number(a, at + 11, 2)
    minute, ok5 = _number(a, at + 14, 2)
    second, ok6 = _number(a, at + 17, 2)
    ok &= ok2 & ok3 & ok4 & ok5 & ok6
    ok &= (a[at + 4] == 45) & (a[at + 7] == 45) & (a[at + 10] == 32)
    ok &= (a[at + 13] == 58) & (a[at + 16] == 58)
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 60)
    return _epoch(year, month, day, hour, minute, second), ok


def _access_times(a: npt.NDArray[np.uint8], at: Ints) -> tuple[Floats, Bools]:
    """`[30/Jul/2025:11:10:08 +0000]` with its `[` at `at`."""
    day, ok = _number(a, at + 1, 2)
    key = (a[at + 4].astype(np.int64) << 16) | (a[at + 5].astype(np.int64) << 8) | a[at + 6]
    slot = np.clip(np.searchsorted(_MONTH_KEYS, key), 0, len(_MONTH_KEYS) - 1)
    ok &= _MONTH_KEYS[slot] == key
    month = _MONTH_NUMBERS[slot]
    year, ok2 = _number(a, at + 8, 4)
    hour, ok3 = _number(a, at + 13, 2)
    minute, ok4 = _number(a, at + 16, 2)
    second, ok5 = _number(a, at + 19, 2)
    zh, ok6 = _number(a, at + 23, 2)
    zm, ok7 = _number(a, at + 25, 2)
    ok &= ok2 & ok3 & ok4 & ok5 & ok6 & ok7
    ok &= (a[at + 3] == 47) & (a[at + 7] == 47) & (a[at + 12] == 58) & (a[at + 15] == 58)
    ok &= (a[at + 18] == 58) & (a[at + 21] == 32) & ((a[at + 22] == 43) | (a[at + 22] == 45))
    ok &= (day >= 1) & (day <= 31) & (hour <= 23) & (minute <= 59) & (second <= 60)
    zone = (zh * 3600 + zm * 60) * np.where(a[at + 22] == 45, -1, 1)
    return _epoch(year, month, day, hour, minute, second) - zone, ok


def _per_line(positions: Ints, starts: Ints, ends: Ints) -> tuple[Ints, Ints]:
    """For sorted byte positions: how many fall in each line, and the index of the
    first one (meaningful where the count is not zero)."""
    first = np.searchsorted(positions, starts)
    counts = np.searchsorted(positions, ends) - first
    return counts, first


def classify(data: bytes, quiet_by_kind: dict[Kind, Quiet]) -> BlockLines:
    """Classify the lines of `data` (whole lines, ending with a newline)."""
    size = len(data) + 1  # the padding holds no lines
    a = _buffer(size + _PAD)
    a[0] = 10
    a[1:size] = np.frombuffer(data, np.uint8)
    a[size:] = 10
    block = data
    newlines = np.flatnonzero(a[:size] == 10)
    starts = newlines[:-1] + 1
    ends = newlines[1:]
    lines = len(starts)
    kind = np.zeros(lines, dtype=np.int8)
    ts = np.full(lines, np.nan)
    duration = np.zeros(lines, dtype=np.int64)
    if not lines:
        return BlockLines(block, starts, ends, kind, ts, duration)
    view = a[:size]
    quiet = {CODE_OF[kind]: q for kind, q in quiet_by_kind.items()}
    # what no bulk line may hold: brackets (but an access line's time), escapes, CRs,
    # backslashes, NULs and bytes past ASCII (the line by line path reads a line
    # mostly undecodable or NUL as binary, and the scan does not decode); and the
    # quotes whose places the shapes fix
    brackets = np.flatnonzero(view == 91)
    closing = np.flatnonzero(view == 93)
    quotes = np.flatnonzero(view == 34)
    n_open, first_open = _per_line(brackets, starts, ends)
    n_close, _ = _per_line(closing, starts, ends)
    n_quotes, first_quote = _per_line(quotes, starts, ends)
    clean = np.ones(lines, dtype=bool)
    for byte in (b"\x1b", b"\r", b"\\", b"\x00"):
        if byte in data:  # a C scan first: most blocks have none
            found = np.flatnonzero(view == byte[0])
            clean &= _per_line(found, starts, ends)[0] == 0
    if not data.isascii():
        clean &= _per_line(np.flatnonzero(view >= 0x80), starts, ends)[0] == 0

    length = ends - starts
    stamp, stamped = _iso_times(a, starts)
    stamped &= (length > _PREFIX) & (a[starts + 19] == 32) & (a[starts + 20] == 32)
    body = starts + _PREFIX * stamped
    # a line without the stamp may hold a time of its own: only one without a colon
    # is bulk (an access line's time is its own anyway)
    if stamped.all():
        timeless = stamped
    else:
        n_colons, _ = _per_line(np.flatnonzero(view == 58), starts, ends)
        timeless = stamped | (n_colons == 0)

    # Render request logs: clientIP="…" requestID="…" responseTimeMS=N responseBytes=N userAgent="…"
    if REQUEST in quiet:
        candidate = clean & (n_open == 0) & (n_close == 0) & (n_quotes == 6)
        for k, byte in enumerate(_CLIENT):
            candidate &= a[body + k] == byte
        index = np.flatnonzero(candidate & timeless)
        if len(index):
            q = first_quote[index]
            fourth = quotes[np.minimum(q + 3, len(quotes) - 1)]
            at = fourth + 2
            ok = (a[fourth + 1] == 32) & (quotes[np.minimum(q, len(quotes) - 1)] == body[index] + 9)
            for k, byte in enumerate(_RESPONSE):
                ok &= a[at + k] == byte
            value = np.zeros(len(index), dtype=np.int64)
            digits = np.zeros(len(index), dtype=np.int64)
            going = ok.copy()
            for k in range(7):
                d, good = _digits(a, at + 15 + k)
                going &= good
                value = np.where(going, value * 10 + d, value)
                digits += going
            end = at + 15 + digits
            ok &= (digits >= 1) & (digits <= 6) & (a[end] == 32)
            ok &= quiet[REQUEST].admits(value)
            chosen = index[ok]
            kind[chosen] = REQUEST
            duration[chosen] = value[ok]
            ts[chosen] = np.where(stamped[chosen], stamp[chosen], np.nan)

    # Gunicorn access lines: h l u [dd/Mon/yyyy:HH:MM:SS ±zzzz] "request" status size "ref" "ua"
    if ACCESS in quiet:
        candidate = clean & (n_open == 1) & (n_close == 1) & (n_quotes == 6)
        index = np.flatnonzero(candidate)
        if len(index):
            opened = brackets[first_open[index]]
            when, ok = _access_times(a, opened)
            ok &= (a[opened + 27] == 93) & (a[opened + 28] == 32) & (a[opened + 29] == 34)
            ok &= a[opened - 1] == 32
            q = first_quote[index]
            ok &= quotes[np.minimum(q, len(quotes) - 1)] == opened + 29
            second = quotes[np.minimum(q + 1, len(quotes) - 1)]
            status, good = _number(a, second + 2, 3)
            ok &= good & (a[second + 1] == 32) & (a[second + 5] == 32)
            ok &= quiet[ACCESS].admits(status)
            # `host - - [`: Gunicorn's `%(l)s` is always `-`; a user name (`%(u)s`)
            # other than `-` is read alone; the host holds no space
            host = body[index]
            ok &= (a[opened - 5] == 32) & (a[opened - 4] == 45) & (a[opened - 3] == 32)
            ok &= (a[opened - 2] == 45) & (a[opened - 1] == 32)
            width = opened - 5 - host
            ok &= (width >= 1) & (width <= _HOST)
            chars = a[host[:, None] + _COLUMNS]
            blank = ((chars == 32) | (chars == 9)) & (width[:, None] > _COLUMNS)
            ok &= ~blank.any(axis=1)
            chosen = index[ok]
            kind[chosen] = ACCESS
            ts[chosen] = when[ok]

    # Django SQL lines: (0.003) SELECT …; args=…[; alias=…]
    if SQL in quiet:
        candidate = clean & (n_open == 0) & (n_close == 0) & timeless
        candidate &= (a[body] == 40) & (a[body + 2] == 46) & (a[body + 6] == 41)
        candidate &= a[body + 7] == 32
        index = np.flatnonzero(candidate)
        if len(index):
            whole, ok = _number(a, body[index] + 1, 1)
            frac, good = _number(a, body[index] + 3, 3)
            ok &= good & quiet[SQL].admits_fixed(whole * 1000 + frac, 3)
            # `; args=` once
            semis = np.flatnonzero(view == 59)
            semis = semis[semis + 7 <= size]
            follows = np.ones(len(semis), dtype=bool)
            for k, code in enumerate(b" args="):
                follows &= view[np.minimum(semis + 1 + k, size - 1)] == code
            semis = semis[follows]
            n_args, _ = _per_line(semis, starts, ends)
            ok &= n_args[index] == 1
            chosen = index[ok]
            kind[chosen] = SQL
            ts[chosen] = np.where(stamped[chosen], stamp[chosen], np.nan)
    return BlockLines(block, starts, ends, kind, ts, duration)

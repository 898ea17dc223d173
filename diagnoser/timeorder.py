"""Inputs in time order: line times, a time window, and a k-way merge over inputs.

Used only when it is asked for (`--since`/`--until`) or needed (several inputs of
one instance, such as hourly exports): each block's line times are read with
vectorised comparisons for the common stamps at a line's start (Render's and
Python logging's `2025-07-30 11:10:08`, Gunicorn's `[2025-07-30 11:10:08 -0300]`),
and with `timestamps.find_timestamp` for the others. A line without a time of
its own takes the time of the last stamped line before it in its input (the
first stamped line, for the lines that open an input), so it keeps its place.
"""

from __future__ import annotations

import heapq
import math
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from diagnoser import scan
from diagnoser.envelopes import unwrap
from diagnoser.sources import STDIN, InputError, ReadState, read_blocks
from diagnoser.timestamps import find_timestamp

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

_PAD = 64
_HEAD = 200  # characters of a line searched for a stamp by the slow path
_SNIFF_LINES = 200  # lines read to tell an input's instance


def line_times(data: bytes) -> tuple[Ints, Ints, Floats]:
    """For a block of whole lines: each line's start and end (offsets in `data`, end
    excluding the newline) and its own time (NaN: none)."""
    a = np.full(len(data) + 1 + _PAD, 10, dtype=np.uint8)
    a[1 : len(data) + 1] = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(a[: len(data) + 1] == 10)
    starts = newlines[:-1] + 1
    ends = newlines[1:]
    ts = np.full(len(starts), np.nan)
    if not len(starts):
        return starts - 1, ends - 1, ts
    length = ends - starts
    # `2025-07-30 11:10:08` then a space, a tab or the end: no zone, read as UTC
    stamp, ok = scan._iso_times(a, starts)
    after = a[starts + 19]
    ok &= (length >= 19) & ((after == 32) | (after == 9) | (after == 10))
    ts[ok] = stamp[ok]
    # Gunicorn's `[2025-07-30 11:10:08 -0300]`
    bracket = np.flatnonzero(~ok & (a[starts] == 91) & (length >= 27))
    if len(bracket):
        at = starts[bracket] + 1
        stamp, good = scan._iso_times(a, at)
        sign = a[at + 20]
        good &= (a[at + 19] == 32) & ((sign == 43) | (sign == 45)) & (a[at + 25] == 93)
        zh, ok_h = scan._number(a, at + 21, 2)
        zm, ok_m = scan._number(a, at + 23, 2)
        good &= ok_h & ok_m
        zone = (zh * 3600 + zm * 60) * np.where(sign == 45, -1, 1)
        ts[bracket[good]] = (stamp - zone)[good]
    for index in np.flatnonzero(np.isnan(ts)).tolist():
        head = data[int(starts[index]) - 1 : int(ends[index]) - 1][:_HEAD]
        found = find_timestamp(head.decode("utf-8", "replace"))
        if found is not None and math.isfinite(found):
            ts[index] = found
    return starts - 1, ends - 1, ts


def fill_times(ts: Floats, carry: float | None) -> tuple[Floats, float | None]:
    """Each line's own time, or the last one before it (`carry`: the last of the
    previous block); lines before any take the first that follows. Returns the
    filled times and the carry for the next block."""
    filled = ts.copy()
    known = ~np.isnan(ts)
    if not known.any():
        filled[:] = np.nan if carry is None else carry
        return filled, carry
    index = np.where(known, np.arange(len(ts)), -1)
    np.maximum.accumulate(index, out=index)
    before = index < 0
    filled = ts[np.maximum(index, 0)]
    first = ts[int(np.argmax(known))]
    filled[before] = first if carry is None else carry
    return filled, float(filled[-1])


@dataclass(slots=True)
class Window:
    """`--since`/`--until`: epoch seconds, either end open."""

    since: float | None = None
    until: float | None = None

    def inside(self, filled: Floats) -> npt.NDArray[np.bool_]:
        keep = np.ones(len(filled), dtype=bool)
        known = ~np.isnan(filled)
        if self.since is not None:
            keep &= ~known | (filled >= self.since)
        if self.until is not None:
            keep &= ~known | (filled <= self.until)
        return keep


@dataclass(slots=True)
class Segment:
    """Consecutive whole lines of one input, to be read in this order."""

    path: str
    data: bytes
    first: int  # number of its first line
    outside: int = 0  # lines of the input before it left out by the window


def _edge_time(data: bytes, last: bool) -> float | None:
    """The time of the first (or last) stamped line among a block's first (or last)
    lines; None when none of them has one."""
    lines = data.split(b"\n", _EDGE)[:_EDGE] if not last else data.rsplit(b"\n", _EDGE + 1)[1:]
    for raw in reversed(lines) if last else lines:
        if raw:
            _, _, ts = line_times(raw + b"\n")
            if not math.isnan(ts[0]):
                return float(ts[0])
    return None


_EDGE = 20  # lines looked at for a block's first and last time


@dataclass(slots=True)
class _Stream:
    """One input, a block at a time. A block is taken whole when its edges show it
    all comes before the other inputs (or all inside or outside the window); only a
    block that overlaps has its lines timed one by one."""

    path: str
    order: int
    blocks: Iterator[tuple[bytes, int]]
    window: Window | None
    data: bytes = b""
    first: int = 1
    count: int = 0  # lines in the block
    head: float = -math.inf  # the block's first and last times, as far as its edges tell
    tail: float = -math.inf
    cursor: int = 0  # lines of the block already given out
    carry: float | None = None  # the last time known so far
    before: float | None = None  # the last time of the blocks before this one
    starts: Ints | None = None  # per line, once timed
    ends: Ints | None = None
    times: Floats | None = None

    def load(self) -> bool:
        """The next block; False at the end of the input."""
        for data, first in self.blocks:
            self.data, self.first, self.count, self.cursor = data, first, data.count(b"\n"), 0
            self.starts = self.ends = self.times = None
            head, tail = _edge_time(data, last=False), _edge_time(data, last=True)
            self.before = self.carry
            self.head = head if head is not None else (self.carry or -math.inf)
            self.tail = tail if tail is not None else self.head
            if tail is not None:
                self.carry = tail
            return True
        return False

    @property
    def now(self) -> float:
        if self.times is None or self.cursor == 0:
            return self.head
        value = float(self.times[self.cursor])
        return -math.inf if math.isnan(value) else value

    def whole_block(self, limit: float, first_wins: bool) -> list[Segment] | None:
        """The rest of the block at once, when its edges allow; else None."""
        if self.times is not None or self.cursor:
            return None
        if not (self.tail < limit or (first_wins and self.tail <= limit)):
            return None
        window = self.window
        if window is None:
            return [self._whole()]
        if self.head == -math.inf:
            return None  # no time known at its edges: its lines are timed one by one
        since = window.since if window.since is not None else -math.inf
        until = window.until if window.until is not None else math.inf
        if self.head >= since and self.tail <= until:
            return [self._whole()]
        if self.tail < since or self.head > until:
            self.cursor = self.count
            return [Segment(self.path, b"", self.first + self.count, self.count)]
        return None

    def _whole(self) -> Segment:
        self.cursor = self.count
        return Segment(self.path, self.data, self.first)

    def timed(self) -> Floats:
        """Each line's time (its own, or the last before it): computed once a block."""
        if self.times is None:
            self.starts, self.ends, own = line_times(self.data)
            self.times, _ = fill_times(own, self.before)
        return self.times

    def take(self, count: int) -> list[Segment]:
        """The next `count` lines, as segments of the lines inside the window."""
        times = self.timed()
        lo, hi = self.cursor, self.cursor + count
        self.cursor = hi
        keep = self.window.inside(times[lo:hi]) if self.window else np.ones(hi - lo, bool)
        if keep.all():
            return [self._segment(lo, hi, 0)]
        out: list[Segment] = []
        edges = np.flatnonzero(np.diff(np.concatenate(([False], keep, [False])).astype(np.int8)))
        previous = lo
        for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            out.append(self._segment(lo + start, lo + stop, lo + start - previous))
            previous = lo + stop
        if hi > previous:
            out.append(Segment(self.path, b"", self.first + hi, hi - previous))
        return out

    def _segment(self, lo: int, hi: int, outside: int) -> Segment:
        assert self.starts is not None and self.ends is not None
        data = self.data[int(self.starts[lo]) : int(self.ends[hi - 1]) + 1]
        return Segment(self.path, data, self.first + lo, outside)


def instance_of(path: str) -> str:
    """The instance an input's first lines name ("" for none or several)."""
    names: set[str] = set()
    try:
        for data, _ in read_blocks(path):
            for raw in data.split(b"\n")[:_SNIFF_LINES]:
                _, _, instance, _ = unwrap(raw.decode("utf-8", "replace"))
                if instance:
                    names.add(instance)
            break
    except (OSError, InputError):
        return ""
    return names.pop() if len(names) == 1 else ""


def merged(
    paths: list[str], states: dict[str, ReadState], window: Window | None
) -> Iterator[Segment]:
    """The lines of `paths`, in time order across inputs, as segments of whole lines
    (`states` record how each input was read). Holds one block per input at most."""
    streams = [
        _Stream(path, order, read_blocks(path, states[path]), window)
        for order, path in enumerate(paths)
    ]
    loaded = [stream for stream in streams if _load(stream, states)]
    # at equal times, the input that starts first goes first (rotated files, hourly exports)
    loaded.sort(key=lambda stream: (stream.head, stream.order))
    streams = loaded
    for rank, stream in enumerate(streams):
        stream.order = rank
    heap = [(stream.now, stream.order) for stream in streams]
    heapq.heapify(heap)
    while heap:
        _, order = heapq.heappop(heap)
        stream = streams[order]
        limit, other = heap[0] if heap else (math.inf, len(streams))
        first_wins = order < other
        whole = stream.whole_block(limit, first_wins)
        if whole is not None:
            yield from whole
        else:
            times = stream.timed()[stream.cursor :]
            times = np.where(np.isnan(times), -math.inf, times)
            # its lines up to the next input's time (at the same time, the input named first)
            stop = times > limit if first_wins else times >= limit
            count = int(np.argmax(stop)) if stop.any() else len(times)
            yield from stream.take(max(count, 1))
        if stream.cursor >= stream.count and not _load(stream, states):
            continue
        heapq.heappush(heap, (stream.now, stream.order))


def _load(stream: _Stream, states: dict[str, ReadState]) -> bool:
    """The stream's next block; an input that cannot be opened is marked failed."""
    try:
        return stream.load()
    except InputError as exc:
        state = states[stream.path]
        state.failed, state.problem = True, str(exc)
        return False


def by_instance(paths: list[str]) -> list[list[str]]:
    """The inputs in groups that share a timeline, in the order first named: the
    regular files whose first lines name the same instance form one group, and so
    do those that name none and are one log by their names (`log_name`: rotations,
    dated and hourly exports of one file); standard input, FIFOs and devices are
    read once, so each stands alone."""
    if len(paths) == 1:
        return [list(paths)]
    groups: dict[str, list[str]] = {}
    order: list[list[str]] = []
    for path in paths:
        if path == STDIN or file_size(path) is None:
            order.append([path])
            continue
        instance = instance_of(path)
        key = f"instance {instance}" if instance else f"file {log_name(path)}"
        if key not in groups:
            groups[key] = []
            order.append(groups[key])
        groups[key].append(path)
    return order


_COMPRESSED = re.compile(r"\.(?:gz|bz2|xz|zst|zstd)$", re.IGNORECASE)
# a date, with a time or an hour after it: `2025-07-30`, `20250730`, `2025-07-30T14`,
# `2025-07-30_14-00-00Z`, `2025073014`
_STAMP = re.compile(
    r"(?<!\d)(?:\d{4}-\d{2}-\d{2}|\d{8})"
    r"(?:[T_ -]?\d{2}(?:[:-]?\d{2}(?:[:-]?\d{2}(?:\.\d+)?)?)?)?Z?(?!\d)"
)
_ROTATION = re.compile(r"\.\d{1,4}$")  # error.log.1, error.log.12


def log_name(path: str) -> str:
    """The log a file is part of, by its name: its directory and its file name without
    compression suffixes, rotation numbers and dates (`error.log.2.gz` and
    `error.log` are one log; `web.2025-07-30T14.log` and `web.2025-07-30T15.log`
    too; `a/error.log` and `b/error.log` are two)."""
    directory, name = os.path.split(os.path.abspath(path))
    while True:
        bare = _ROTATION.sub("", _COMPRESSED.sub("", name))
        if bare == name:
            break
        name = bare
    return os.path.join(directory, _STAMP.sub("*", name))


def file_size(path: str) -> int | None:
    """The size on disk of a regular file, compressed or not; None for anything else
    (standard input, a FIFO, a device, a missing file), which is read once."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


class WindowError(ValueError):
    """A --since/--until that is not a time."""


_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h|d|w)")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str, now: float | None = None) -> float:
    """ISO 8601 (UTC when it names no offset), or a span before `now` (`30m`, `2h`)."""
    value = text.strip()
    m = _RELATIVE.fullmatch(value)
    if m is not None:
        base = time.time() if now is None else now
        return base - float(m.group(1)) * _UNITS[m.group(2)]
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise WindowError(
            f"{text!r} is not a time: give ISO 8601 (2025-07-30T11:00:00, "
            "2025-07-30 11:00-03:00) or a span before now (30m, 2h, 1d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_window(since: str | None, until: str | None) -> Window | None:
    """The window of --since/--until, or None when neither is given."""
    if since is None and until is None:
        return None
    window = Window(
        parse_time(since) if since is not None else None,
        parse_time(until) if until is not None else None,
    )
    if window.since is not None and window.until is not None and window.since > window.until:
        raise WindowError("--since is after --until: the window holds no time")
    return window

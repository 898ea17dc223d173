"""Request latencies aggregated: a histogram of durations, exact in the usual range.

Millisecond durations take few distinct values (a day of requests rarely has
more than a few thousand), so counts per value give exact percentiles in
bounded memory. Past `MAX_VALUES` distinct values they are rounded to three
significant digits (a relative error of at most 0.5%), which bounds the size
whatever the input. Two histograms merge by adding their counts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

MAX_VALUES = 65_536


def _round3(value: int) -> int:
    """`value` to three significant digits."""
    if value < 1000:
        return value
    scale: int = 10 ** (len(str(value)) - 3)
    return (value + scale // 2) // scale * scale


class LatencyHistogram:
    """Counts per duration (ms); percentiles as the sorted list of every value gives them."""

    __slots__ = ("_counts", "_sorted", "count", "rounded")

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._sorted: list[tuple[int, int]] | None = None  # until the next value comes
        self.count = 0
        self.rounded = False  # values were rounded to three significant digits

    def add(self, value: int, times: int = 1) -> None:
        self._sorted = None
        self._counts[_round3(value) if self.rounded else value] += times
        self.count += times
        if len(self._counts) > MAX_VALUES:
            self._coarsen()

    def add_counts(self, counts: Mapping[int, int]) -> None:
        """Add many values at once: `{duration: how many}`."""
        self._sorted = None
        if self.rounded:
            for value, times in counts.items():
                self._counts[_round3(value)] += times
        else:
            self._counts.update(counts)
        self.count += sum(counts.values())
        if len(self._counts) > MAX_VALUES:
            self._coarsen()

    def merge(self, other: LatencyHistogram) -> None:
        if other.rounded and not self.rounded:
            self._coarsen()
        self.add_counts(other._counts)

    def _coarsen(self) -> None:
        coarse: Counter[int] = Counter()
        for value, times in self._counts.items():
            coarse[_round3(value)] += times
        self._counts = coarse
        self._sorted = None
        self.rounded = True

    def __bool__(self) -> bool:
        return self.count > 0

    def percentile(self, q: float) -> int | None:
        """The value at rank ceil(q * count) (1-based), or None when empty."""
        if not self.count:
            return None
        rank = min(self.count, max(1, math.ceil(q * self.count)))
        seen = 0
        for value, times in self.values():
            seen += times
            if seen >= rank:
                return value
        return max(self._counts)

    def max(self) -> int | None:
        return max(self._counts) if self._counts else None

    def values(self) -> list[tuple[int, int]]:
        """(duration, how many), shortest first."""
        if self._sorted is None:
            self._sorted = sorted(self._counts.items())
        return self._sorted

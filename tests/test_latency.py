"""The request-duration histogram: exact percentiles, bounded size, merged by adding."""

from __future__ import annotations

import math
import random

import pytest

from diagnoser.latency import MAX_VALUES, LatencyHistogram


def _nearest_rank(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@pytest.mark.parametrize("q", [0.0, 0.5, 0.95, 0.99, 1.0])
def test_percentiles_are_those_of_the_sorted_values(q: float) -> None:
    rng = random.Random(7)
    values = [int(rng.lognormvariate(4, 1.2)) for _ in range(5000)]
    histogram = LatencyHistogram()
    for value in values[:2500]:
        histogram.add(value)
    histogram.add_counts({v: values[2500:].count(v) for v in set(values[2500:])})
    assert histogram.count == len(values)
    assert histogram.percentile(q) == _nearest_rank(values, q)
    assert histogram.max() == max(values)


def test_past_the_bound_values_are_rounded_to_three_digits() -> None:
    histogram = LatencyHistogram()
    values = list(range(1000, 1000 + MAX_VALUES + 10))
    histogram.add_counts(dict.fromkeys(values, 1))
    assert histogram.rounded
    assert len(histogram.values()) <= MAX_VALUES
    for q in (0.5, 0.9, 0.99):
        exact = _nearest_rank(values, q)
        found = histogram.percentile(q)
        assert found is not None and abs(found - exact) / exact <= 0.005


def test_merging_adds_the_counts() -> None:
    left, right, both = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for value in (5, 7, 7, 120):
        left.add(value)
        both.add(value)
    for value in (7, 3000, 3000):
        right.add(value)
        both.add(value)
    left.merge(right)
    assert left.values() == both.values()
    assert left.count == both.count == 7


def test_an_empty_histogram_has_no_percentile() -> None:
    assert LatencyHistogram().percentile(0.5) is None
    assert not LatencyHistogram()

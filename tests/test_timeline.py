"""The timeline: telling events per UTC minute, and the sparkline chart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import parse_lines

from diagnoser.events import Event, Kind
from diagnoser.report.model import TimelineOut
from diagnoser.timeline import (
    BLOCKS,
    MAX_MINUTES,
    Timeline,
    bucket,
    chart_lines,
    chart_width,
    series_of,
    sparkline,
)

T0 = datetime(2025, 7, 30, 14, 10, tzinfo=UTC).timestamp()


def event(kind: Kind, minute: float | None = 0, **fields: str | int | float) -> Event:
    """An event `minute` minutes after T0 (None: no timestamp)."""
    ts = None if minute is None else T0 + minute * 60
    return Event(kind, 1, "line", "test.log", ts=ts, fields=dict(fields))


def timeline_of(*events: Event, max_minutes: int = MAX_MINUTES) -> TimelineOut | None:
    timeline = Timeline(max_minutes)
    for item in events:
        timeline.observe(item)
    return timeline.result()


@pytest.mark.parametrize(
    ("item", "series"),
    [
        (event(Kind.WORKER_TIMEOUT), "timeouts"),
        (event(Kind.WORKER_SIGNALED, signal="SIGKILL"), "kills"),
        (event(Kind.WORKER_SIGNALED, signal="SIGTERM"), None),
        (event(Kind.KERNEL_OOM, stage="killed"), "kills"),
        (event(Kind.KERNEL_OOM), "kills"),
        (event(Kind.KERNEL_OOM, stage="selected"), None),
        (event(Kind.KERNEL_OOM, stage="summary"), None),
        (event(Kind.KERNEL_OOM, stage="reaped"), None),
        (event(Kind.PLATFORM_OOM), "kills"),
        (event(Kind.MEMORY_KILL), "kills"),
        (event(Kind.WORKER_BOOT), "boots"),
        (event(Kind.SQL_QUERY, duration=1.0), "slow_queries"),
        (event(Kind.SQL_QUERY, duration=0.999), None),
        (event(Kind.SQL_QUERY), None),
        (event(Kind.DB_STATEMENT_TIMEOUT), "slow_queries"),
        (event(Kind.WORKER_ABORT), "errors"),
        (event(Kind.REQUEST_ERROR), "errors"),
        (event(Kind.WORKER_EXCEPTION), "errors"),
        (event(Kind.PROXY_ERROR), "errors"),
        (event(Kind.ACCESS), None),
        (event(Kind.MEMORY_PRESSURE), None),
    ],
)
def test_series_of_each_kind(item: Event, series: str | None) -> None:
    result = timeline_of(item)
    if series is None:
        assert series_of(item) is None
        assert result is None
    else:
        assert result is not None
        assert result.series == {series: [1]}


def test_contiguous_buckets_with_zeros_from_first_to_last_minute() -> None:
    result = timeline_of(
        event(Kind.WORKER_BOOT, 0),
        event(Kind.WORKER_TIMEOUT, 2.5),
        event(Kind.WORKER_TIMEOUT, 2.9),
        event(Kind.WORKER_SIGNALED, 3.1, signal="SIGKILL"),
        event(Kind.WORKER_BOOT, 5),
    )
    assert result is not None
    assert result.start == "2025-07-30T14:10:00Z"
    assert result.minutes == 6
    assert result.series == {
        "timeouts": [0, 0, 2, 0, 0, 0],
        "kills": [0, 0, 0, 1, 0, 0],
        "boots": [1, 0, 0, 0, 0, 1],
    }


def test_quiet_events_stretch_the_span_but_add_no_series() -> None:
    result = timeline_of(
        event(Kind.ACCESS, 0), event(Kind.WORKER_TIMEOUT, 2), event(Kind.ACCESS, 4)
    )
    assert result is not None
    assert result.start == "2025-07-30T14:10:00Z"
    assert result.series == {"timeouts": [0, 0, 1, 0, 0]}


def test_out_of_order_events_land_in_their_minute() -> None:
    result = timeline_of(event(Kind.WORKER_TIMEOUT, 3), event(Kind.WORKER_TIMEOUT, 1))
    assert result is not None
    assert result.start == "2025-07-30T14:11:00Z"
    assert result.series == {"timeouts": [1, 0, 1]}


def test_events_without_timestamp_are_ignored() -> None:
    assert timeline_of(event(Kind.WORKER_TIMEOUT, None), event(Kind.WORKER_BOOT, None)) is None
    result = timeline_of(event(Kind.WORKER_TIMEOUT, None), event(Kind.WORKER_BOOT, 0))
    assert result is not None
    assert result.series == {"boots": [1]}


def test_nothing_counted_gives_none() -> None:
    assert Timeline().result() is None
    assert timeline_of(event(Kind.ACCESS, 0), event(Kind.ACCESS, 10)) is None


def test_a_long_log_keeps_its_last_minutes() -> None:
    result = timeline_of(
        event(Kind.WORKER_BOOT, 0),  # falls out of the window
        event(Kind.WORKER_TIMEOUT, 1),
        event(Kind.WORKER_TIMEOUT, 5),
        event(Kind.WORKER_TIMEOUT, 6),
        max_minutes=5,
    )
    assert result is not None
    assert result.start == "2025-07-30T14:12:00Z"
    assert result.minutes == 5
    assert result.series == {"timeouts": [0, 0, 0, 1, 1]}


def test_default_cap_is_a_day() -> None:
    result = timeline_of(event(Kind.WORKER_TIMEOUT, 0), event(Kind.WORKER_TIMEOUT, 3 * 24 * 60))
    assert result is not None
    assert result.minutes == 24 * 60
    assert result.series == {"timeouts": [0] * (24 * 60 - 1) + [1]}


def test_memory_stays_bounded() -> None:
    timeline = Timeline(max_minutes=10)
    for minute in range(1000):
        timeline.observe(event(Kind.WORKER_TIMEOUT, minute))
        assert len(timeline._counts) <= 20
    result = timeline.result()
    assert result is not None
    assert result.minutes == 10
    assert result.series == {"timeouts": [1] * 10}


def test_timeline_from_parsed_gunicorn_lines() -> None:
    log = [
        "[2025-07-30 11:10:08 -0300] [85] [INFO] Booting worker with pid: 96",
        "[2025-07-30 11:12:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
        "[2025-07-30 11:12:09 -0300] [85] [ERROR] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?",
        "[2025-07-30 11:12:10 -0300] [85] [INFO] Booting worker with pid: 97",
    ]
    timeline = Timeline()
    for item in parse_lines(log)[1]:
        timeline.observe(item)
    result = timeline.result()
    assert result is not None
    assert result.start == "2025-07-30T14:10:00Z"  # 11:10 -0300 in UTC
    assert result.series == {"timeouts": [0, 0, 1], "kills": [0, 0, 1], "boots": [1, 0, 1]}


def test_sparkline_scales_to_the_largest_value() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]) == " ▁▂▃▄▅▆▇█"
    assert sparkline([0, 16, 0, 16]) == " █ █"
    assert sparkline([1, 100]) == "▁█"  # one event is never invisible
    assert sparkline([0, 0]) == "  "
    assert sparkline([]) == ""
    assert set(sparkline(list(range(1000)))) <= set(BLOCKS)


def test_sparkline_sums_long_series_into_at_most_width_columns() -> None:
    assert bucket([1, 2, 3, 4, 5], 2) == [6, 9]
    assert bucket([1, 2, 3], 5) == [1, 2, 3]
    values = [0] * 1440
    values[-1] = 3
    line = sparkline(values, 60)
    assert len(line) == 60
    assert line == " " * 59 + "█"
    assert len(sparkline(list(range(200)), 60)) <= 60
    assert len(sparkline([1] * 61, 60)) <= 60
    assert len(sparkline([1] * 10, 3)) <= 3
    with pytest.raises(ValueError, match="width"):
        sparkline([1], 0)


def test_chart_lines_label_sparkline_total_and_axis() -> None:
    timeline = TimelineOut(
        start="2025-07-30T14:10:00Z",
        minutes=45,
        series={"timeouts": [1] + [0] * 43 + [3], "slow_queries": [0] * 20 + [2] + [0] * 24},
    )
    lines = chart_lines(timeline)
    assert lines[0].startswith("timeouts     │▃")
    assert lines[0].endswith("█│ 4")
    assert lines[1].startswith("slow queries │")
    assert lines[1].endswith("│ 2")
    assert "2025-07-30 14:10" in lines[2] and lines[2].endswith("14:55 UTC")
    assert chart_lines(timeline, "pt-BR")[1].startswith("consultas lentas │")


def test_chart_fits_a_narrow_width() -> None:
    timeline = TimelineOut(start="2025-07-30T23:50:00Z", minutes=600, series={"kills": [1] * 600})
    columns = chart_width(timeline, "en", 40)
    lines = chart_lines(timeline, "en", columns)
    assert all(len(line) <= 40 for line in lines[:-1])
    assert "2025-07-31 09:50 UTC" in lines[-1]  # the end on another day shows its date

"""Timeline: telling events counted per UTC minute, and the compact chart of them.

`Timeline.observe` sees every event, so it does one dict lookup and at most one
counter increment. Only the last `MAX_MINUTES` minutes (a day) before the latest
timestamp are kept: a longer log charts its final day, and memory stays bounded
whatever the input size. The chart (`sparkline`, `chart_lines`) is shared by the
text and markdown reports.
"""

from __future__ import annotations

from datetime import UTC, datetime

from diagnoser.events import Event, Kind
from diagnoser.i18n import N_, tr
from diagnoser.report.model import TimelineOut

MAX_MINUTES = 24 * 60
CHART_WIDTH = 60
BLOCKS = "▁▂▃▄▅▆▇█"

# Series, in chart order. The index is the slot in each minute's counts.
SERIES = ("timeouts", "kills", "boots", "slow_queries", "errors")
SERIES_LABELS = {
    "timeouts": N_("timeouts"),
    "kills": N_("kills"),
    "boots": N_("boots"),
    "slow_queries": N_("slow queries"),
    "errors": N_("errors"),
}
TIMEOUTS, KILLS, BOOTS, SLOW_QUERIES, ERRORS = range(len(SERIES))
SLOW_QUERY_SECONDS = 1.0

# Kinds that count whatever their fields say.
_ALWAYS: dict[Kind, int] = {
    Kind.WORKER_TIMEOUT: TIMEOUTS,
    Kind.PLATFORM_OOM: KILLS,
    Kind.MEMORY_KILL: KILLS,
    Kind.WORKER_BOOT: BOOTS,
    Kind.DB_STATEMENT_TIMEOUT: SLOW_QUERIES,
    Kind.WORKER_ABORT: ERRORS,
    Kind.REQUEST_ERROR: ERRORS,
    Kind.WORKER_EXCEPTION: ERRORS,
    Kind.PROXY_ERROR: ERRORS,
}


def series_of(event: Event) -> int | None:
    """The series `event` counts in (an index into `SERIES`), or None."""
    kind = event.kind
    found = _ALWAYS.get(kind)
    if found is not None:
        return found
    if kind is Kind.WORKER_SIGNALED:
        return KILLS if event.fields.get("signal") == "SIGKILL" else None
    if kind is Kind.KERNEL_OOM:
        # one kill is logged in several lines (selected, killed, summary, reaped): count one
        stage = event.fields.get("stage")
        return KILLS if stage is None or stage == "killed" else None
    if kind is Kind.SQL_QUERY:
        duration = event.fields.get("duration")
        if isinstance(duration, int | float) and duration >= SLOW_QUERY_SECONDS:
            return SLOW_QUERIES
    return None


class Timeline:
    """Counts of telling events per UTC minute, over the log's last day at most."""

    def __init__(self, max_minutes: int = MAX_MINUTES) -> None:
        self.max_minutes = max_minutes
        self._counts: dict[int, list[int]] = {}  # epoch minute -> count per series
        self._first: int | None = None  # earliest and latest minute of any timestamped event
        self._last: int | None = None

    def observe(self, event: Event) -> None:
        """Count `event` in its minute when it has a timestamp (called for every event)."""
        ts = event.ts
        if ts is None:
            return
        minute = int(ts // 60)
        last = self._stretch(minute)
        index = series_of(event)
        if index is None or minute <= last - self.max_minutes:
            return
        counts = self._counts.get(minute)
        if counts is None:
            if len(self._counts) >= 2 * self.max_minutes:
                self._prune()
            counts = self._counts[minute] = [0] * len(SERIES)
        counts[index] += 1

    def observe_span(self, first: float, last: float) -> None:
        """Lines read in bulk, from `first` to `last`: they count in no series but
        stretch the chart to their minutes, as each of them would."""
        self._stretch(int(first // 60))
        self._stretch(int(last // 60))

    def absorb(self, other: Timeline) -> None:
        """Add another timeline's counts (another partition of the same run)."""
        if other._first is None or other._last is None:
            return
        self._stretch(other._first)
        self._stretch(other._last)
        for minute, counts in other._counts.items():
            mine = self._counts.get(minute)
            if mine is None:
                self._counts[minute] = list(counts)
            else:
                for index, count in enumerate(counts):
                    mine[index] += count
        if len(self._counts) >= 2 * self.max_minutes:
            self._prune()

    def _stretch(self, minute: int) -> int:
        """Widen the span to `minute`; the latest minute seen."""
        if self._first is None or minute < self._first:
            self._first = minute
        if self._last is None or minute > self._last:
            self._last = minute
        return self._last

    def _prune(self) -> None:
        """Forget minutes that fell out of the window (amortized: runs once per window)."""
        assert self._last is not None
        oldest = self._last - self.max_minutes + 1
        for minute in [m for m in self._counts if m < oldest]:
            del self._counts[minute]

    def result(self) -> TimelineOut | None:
        """The chart data: contiguous minutes from the first to the last seen (the last
        `max_minutes` of them when longer), only the series that have events; None when
        no event was counted in that window."""
        if self._first is None or self._last is None:
            return None
        start = max(self._first, self._last - self.max_minutes + 1)
        minutes = self._last - start + 1
        columns: list[list[int]] = [[0] * minutes for _ in SERIES]
        for minute, counts in self._counts.items():
            if minute < start:
                continue
            offset = minute - start
            for index, count in enumerate(counts):
                columns[index][offset] += count
        series = {name: values for name, values in zip(SERIES, columns, strict=True) if any(values)}
        if not series:
            return None
        return TimelineOut(start=_iso_minute(start), minutes=minutes, series=series)


def _iso_minute(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bucket(values: list[int], width: int) -> list[int]:
    """`values` summed into at most `width` equal groups of consecutive items."""
    if width < 1:
        raise ValueError("width must be at least 1")
    if len(values) <= width:
        return list(values)
    size = -(-len(values) // width)  # ceiling division
    return [sum(values[i : i + size]) for i in range(0, len(values), size)]


def sparkline(values: list[int], width: int = CHART_WIDTH) -> str:
    """One character per column: a block scaled to the largest column, a space for zero.

    Longer inputs are summed into at most `width` columns first. Any non-zero column
    shows at least the lowest block, so a single event is never invisible.
    """
    columns = bucket(values, width)
    top = max(columns, default=0)
    if top <= 0:
        return " " * len(columns)
    last = len(BLOCKS) - 1
    return "".join(
        BLOCKS[min(last, max(0, -(-value * len(BLOCKS) // top) - 1))] if value > 0 else " "
        for value in columns
    )


def series_label(name: str, lang: str = "en") -> str:
    """The translated name of series `name` (the name itself when unknown)."""
    label = SERIES_LABELS.get(name)
    return name if label is None else tr(lang, label)


def chart_lines(timeline: TimelineOut, lang: str = "en", width: int = CHART_WIDTH) -> list[str]:
    """The chart as plain lines: `label │sparkline│ total` per series, then a time axis.

    The axis puts the first bucket's start under the left edge and the last bucket's
    end under the right edge, in UTC.
    """
    labels = {name: series_label(name, lang) for name in timeline.series}
    pad = max((len(label) for label in labels.values()), default=0)
    lines: list[str] = []
    columns = 0
    for name, values in timeline.series.items():
        spark = sparkline(values, width)
        columns = max(columns, len(spark))
        lines.append(f"{labels[name]:<{pad}} │{spark}│ {sum(values)}")
    lines.append(" " * (pad + 2) + _axis(timeline, columns))
    return lines


def chart_width(timeline: TimelineOut, lang: str, line_width: int) -> int:
    """The most sparkline columns (up to `CHART_WIDTH`) whose chart lines fit `line_width`."""
    pad = max((len(series_label(name, lang)) for name in timeline.series), default=0)
    total = max((len(str(sum(values))) for values in timeline.series.values()), default=1)
    return max(1, min(CHART_WIDTH, line_width - pad - total - 4))


def _axis(timeline: TimelineOut, columns: int) -> str:
    try:
        start = datetime.strptime(timeline.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:  # a start written some other way: show it as given
        return timeline.start
    end = datetime.fromtimestamp(start.timestamp() + 60 * timeline.minutes, UTC)
    left = start.strftime("%Y-%m-%d %H:%M")
    right = end.strftime("%H:%M" if end.date() == start.date() else "%Y-%m-%d %H:%M") + " UTC"
    gap = columns - len(left) - len(right) + 1  # the right label may overhang the last `│`
    if gap < 2:
        return f"{left} – {right}"
    return left + " " * gap + right

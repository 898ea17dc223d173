"""Request statistics: how long requests take, from router, proxy and access lines.

Kept apart from the rules because percentiles are not a pattern: findings quote
them (`{p95_ms}`, `{suggested_timeout}`, `{slow_paths}`) when they explain slow
requests and propose a timeout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from diagnoser.events import Event, Kind
from diagnoser.latency import LatencyHistogram

_MEMORY_KINDS = frozenset(
    {Kind.MEMORY_SAMPLE, Kind.PLATFORM_OOM, Kind.KERNEL_OOM, Kind.MEMORY_KILL}
)

DEFAULT_TIMEOUT_S = 30  # Gunicorn's default `timeout`


@dataclass(slots=True)
class RequestStats:
    durations_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    # the same durations per instance (or input, for lines that name no instance)
    by_instance: dict[str, LatencyHistogram] = field(default_factory=dict)
    slowest_by_path: dict[str, int] = field(default_factory=dict)
    count: int = 0
    configured_timeout: float | None = None
    memory_limit_mb: float | None = None  # the instance's memory (quota or plan)
    memory_used_mb: float | None = None  # the highest total seen
    process_rss_mb: float | None = None  # the largest single process the kernel killed

    def observe(self, event: Event) -> None:
        """Take request durations, memory figures, and the timeout of a config dump."""
        fields = event.fields
        if event.kind in _MEMORY_KINDS:
            self._memory(fields)
            return
        if event.kind is Kind.CONFIG_DUMP:
            timeout = event.fields.get("timeout")
            if isinstance(timeout, int | float) and timeout > 0:
                self.configured_timeout = float(timeout)
            return
        duration = event.fields.get("duration_ms")
        if not isinstance(duration, int | float):
            return
        self.count += 1
        self.durations_ms.add(int(duration))
        self._instance(event.instance or event.source).add(int(duration))
        path = event.fields.get("path")
        if isinstance(path, str):
            path = path.split("?", 1)[0]
            if duration > self.slowest_by_path.get(path, -1):
                self.slowest_by_path[path] = int(duration)
                if len(self.slowest_by_path) > 10_000:
                    fastest = min(self.slowest_by_path, key=self.slowest_by_path.__getitem__)
                    del self.slowest_by_path[fastest]

    def _memory(self, fields: dict[str, str | int | float]) -> None:
        limit = fields.get("limit_mb") or fields.get("quota_mb")
        used = fields.get("mem_mb") or fields.get("used_mb")
        percent = fields.get("percent")
        if isinstance(used, int | float) and isinstance(percent, int | float) and percent > 0:
            limit = limit or used * 100 / percent
        if isinstance(limit, int | float) and limit > 0:
            self.memory_limit_mb = float(limit)
        if isinstance(used, int | float):
            self.memory_used_mb = max(self.memory_used_mb or 0.0, float(used))
        rss = fields.get("anon_rss_kb")
        if isinstance(rss, int | float):
            self.process_rss_mb = max(self.process_rss_mb or 0.0, rss / 1024)

    def suggested_workers(self, workers: int | None) -> int | None:
        """Workers that fit in 80% of the instance's memory, from the figures seen."""
        if self.memory_limit_mb is None:
            return None
        per_worker = self.process_rss_mb
        if per_worker is None and self.memory_used_mb is not None and workers:
            per_worker = self.memory_used_mb / workers
        if not per_worker:
            return None
        return max(1, int(self.memory_limit_mb * 0.8 // per_worker))

    def observe_durations(self, counts: dict[int, int], instance: str) -> None:
        """Durations of request lines read in bulk (no path): `{ms: how many}`, on
        `instance` (the input, as bulk lines name no instance)."""
        self.count += sum(counts.values())
        self.durations_ms.add_counts(counts)
        self._instance(instance).add_counts(counts)

    def _instance(self, name: str) -> LatencyHistogram:
        found = self.by_instance.get(name)
        if found is None:
            found = self.by_instance[name] = LatencyHistogram()
        return found

    def latency(self) -> dict[str, tuple[int, int, int, int, int]]:
        """Per instance: (requests, p50, p95, p99, max) in ms, for those with any."""
        out: dict[str, tuple[int, int, int, int, int]] = {}
        for name, histogram in self.by_instance.items():
            p50, p95, p99 = (histogram.percentile(q) for q in (0.50, 0.95, 0.99))
            slowest = histogram.max()
            if p50 is None or p95 is None or p99 is None or slowest is None:
                continue
            out[name] = (histogram.count, p50, p95, p99, slowest)
        return out

    def percentile(self, q: float) -> int | None:
        return self.durations_ms.percentile(q)

    def suggested_timeout(self) -> int | None:
        """A timeout (s) that lets the slowest legitimate requests finish: p99 x 1.5.

        Rounded up to 10 s, never below Gunicorn's default of 30 s.
        """
        p99 = self.percentile(0.99)
        if p99 is None:
            return None
        seconds = p99 / 1000 * 1.5
        return max(DEFAULT_TIMEOUT_S, int(math.ceil(seconds / 10) * 10))

    def context(self, workers: int | None = None) -> dict[str, str]:
        """Values findings may quote."""
        ctx: dict[str, str] = {}
        if self.memory_limit_mb is not None:
            ctx["memory_limit_mb"] = f"{self.memory_limit_mb:.0f}"
        suggested = self.suggested_workers(workers)
        if suggested is not None:
            ctx["suggested_workers"] = str(suggested)
        if not self.durations_ms:
            return ctx
        ctx |= {
            "requests_timed": str(self.count),
            "p50_ms": str(self.percentile(0.50)),
            "p95_ms": str(self.percentile(0.95)),
            "p99_ms": str(self.percentile(0.99)),
            "max_ms": str(self.durations_ms.max()),
        }
        suggestion = self.suggested_timeout()
        if suggestion is not None:
            ctx["suggested_timeout"] = str(suggestion)
        slow = sorted(self.slowest_by_path.items(), key=lambda item: -item[1])[:3]
        if slow:
            ctx["slow_paths"] = ", ".join(f"{path} ({ms} ms)" for path, ms in slow)
        if self.configured_timeout is not None:
            ctx["configured_timeout"] = f"{self.configured_timeout:g}"
        return ctx

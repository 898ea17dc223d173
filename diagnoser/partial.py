"""Partial results: what one partition's analysis leaves for the report, and their merge.

A run over many inputs is cut into partitions (`diagnoser.parallel`): the inputs
of one instance, read as one timeline. Each partition is analysed on its own, in
this process, in a worker process or on a Dask worker, and leaves a `Partial`:
the line counts, the rules' occurrences, the request statistics and latency
histograms, the timeline, the configuration read, the workers followed, and a
few events of each kind for the rules' differential evidence. `merge` combines
partials; it is a function of the partials alone (and of the order in which the
inputs were given), so the same code merges what processes and clusters return,
and the report is the same however the partitions were run.

The report itself is made once, from the merged partial (`build_report`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from diagnoser.config import Configuration
from diagnoser.correlate import Instance, Worker
from diagnoser.engine import MAX_OCCURRENCES_PER_RULE, Occurrence
from diagnoser.envelopes.record import LineCounts
from diagnoser.events import Event, Kind
from diagnoser.findings import ANY_INSTANCE, build_findings
from diagnoser.incidents import PastBound
from diagnoser.matching import where_ok
from diagnoser.remedies import Remedies
from diagnoser.report.model import (
    GunicornOut,
    InputOut,
    InputStatus,
    LatencyOut,
    LinesOut,
    Report,
    SettingOut,
    Verdict,
    WindowOut,
    WorkerOut,
)
from diagnoser.report.safe import excerpt
from diagnoser.rules import Fix, Where
from diagnoser.sources import MAX_LINE, ReadState
from diagnoser.stats import RequestStats
from diagnoser.timeline import Timeline
from diagnoser.timeorder import Window

SAMPLES_PER_KIND = 16
MAX_WORKERS_REPORTED = 20_000  # worker lives kept in a merged report (oldest dropped)


@dataclass(slots=True)
class Partial:
    """What the report needs of one analysis (one partition, or several merged)."""

    inputs: list[str] = field(default_factory=list)
    counts: dict[str, LineCounts] = field(default_factory=dict)
    read_states: dict[str, ReadState] = field(default_factory=dict)
    outside: dict[str, int] = field(default_factory=dict)  # lines outside the window
    occurrences: list[Occurrence] = field(default_factory=list)
    past_bound: dict[str, PastBound] = field(default_factory=dict)
    stats: RequestStats = field(default_factory=RequestStats)
    timeline: Timeline = field(default_factory=Timeline)
    configuration: Configuration = field(default_factory=Configuration)
    workers: list[Worker] = field(default_factory=list)
    instances: dict[str, Instance] = field(default_factory=dict)
    evicted: int = 0
    # a few events of each kind per instance, for the rules' differential evidence
    samples: dict[str, dict[Kind, list[Event]]] = field(default_factory=dict)

    def seen(self, kinds: list[Kind], where: Where, instances: set[str]) -> bool:
        """Whether the input showed an event of `kinds` matching `where` on `instances`."""
        return seen_in(self.samples, kinds, where, instances)


def seen_in(
    samples: dict[str, dict[Kind, list[Event]]],
    kinds: list[Kind],
    where: Where,
    instances: set[str],
) -> bool:
    """Whether `samples` hold an event of `kinds` matching `where` on `instances`."""
    if ANY_INSTANCE in instances:
        instances = set(samples)
    for instance in instances:
        kept = samples.get(instance, {})
        for kind in kinds:
            if any(where_ok(where, event) for event in kept.get(kind, ())):
                return True
    return False


def merge(parts: Iterable[Partial], order: Sequence[str] = ()) -> Partial:
    """One partial from several, as if their inputs had been analysed together.

    Inputs are listed in `order` (the order they were given; those not in it
    after, as the partials list them). Partitions share no input and no worker:
    counts, workers and occurrences are put side by side, histograms and
    timelines added, and the bounds a single analysis keeps (occurrences per
    rule, worker lives) applied again to the whole. Where two partitions state
    a setting with the same weight, the later partition's value stands, as the
    later line would in one timeline. The partials are taken one at a time, so
    what the bounds leave out of one is freed before the next comes.
    """
    out: Partial | None = None
    for part in parts:
        if out is None:
            out = part
            continue
        _absorb(out, part)
    if out is None:
        return Partial()
    rank = {name: index for index, name in enumerate(order)}
    out.inputs.sort(key=lambda name: rank.get(name, len(rank)))
    return out


def _absorb(out: Partial, part: Partial) -> None:
    """Add `part` to `out` (the partitions before it, merged)."""
    out.inputs.extend(part.inputs)
    out.counts.update(part.counts)
    out.read_states.update(part.read_states)
    for name, n in part.outside.items():
        out.outside[name] = out.outside.get(name, 0) + n
    _merge_occurrences(out, part)
    _merge_stats(out.stats, part.stats)
    out.timeline.absorb(part.timeline)
    _merge_configuration(out.configuration, part.configuration)
    out.workers.extend(part.workers)
    if len(out.workers) > MAX_WORKERS_REPORTED:
        dropped = len(out.workers) - MAX_WORKERS_REPORTED
        out.evicted += dropped
        del out.workers[:dropped]
    for name, instance in part.instances.items():
        _merge_instance(out.instances, name, instance)
    out.evicted += part.evicted
    for sampled, kinds in part.samples.items():
        mine = out.samples.setdefault(sampled, {})
        for kind, events in kinds.items():
            kept = mine.setdefault(kind, [])
            kept.extend(events[: max(0, SAMPLES_PER_KIND - len(kept))])


def _merge_occurrences(out: Partial, part: Partial) -> None:
    """Keep the first `MAX_OCCURRENCES_PER_RULE` of each rule; the rest are counted."""
    kept: dict[str, int] = {}
    for occurrence in out.occurrences:
        kept[occurrence.rule.id] = kept.get(occurrence.rule.id, 0) + 1
    for occurrence in part.occurrences:
        rule_id = occurrence.rule.id
        if kept.get(rule_id, 0) < MAX_OCCURRENCES_PER_RULE:
            kept[rule_id] = kept.get(rule_id, 0) + 1
            out.occurrences.append(occurrence)
            continue
        past = out.past_bound.get(rule_id)
        if past is None:
            past = out.past_bound[rule_id] = PastBound(occurrence.rule)
        occurrence.kept = False
        past.add_settled(occurrence)
    for rule_id, other in part.past_bound.items():
        past = out.past_bound.get(rule_id)
        if past is None:
            past = out.past_bound[rule_id] = PastBound(other.rule)
        past.absorb(other)


def _merge_stats(out: RequestStats, part: RequestStats) -> None:
    out.durations_ms.merge(part.durations_ms)
    for name, histogram in part.by_instance.items():
        mine = out.by_instance.get(name)
        if mine is None:
            out.by_instance[name] = histogram  # the partial is the merge's from now on
        else:
            mine.merge(histogram)
    for path, ms in part.slowest_by_path.items():
        if ms > out.slowest_by_path.get(path, -1):
            out.slowest_by_path[path] = ms
    while len(out.slowest_by_path) > 10_000:
        del out.slowest_by_path[min(out.slowest_by_path, key=out.slowest_by_path.__getitem__)]
    out.count += part.count
    if part.configured_timeout is not None:
        out.configured_timeout = part.configured_timeout
    if part.memory_limit_mb is not None:
        out.memory_limit_mb = part.memory_limit_mb
    for name in ("memory_used_mb", "process_rss_mb"):
        theirs = getattr(part, name)
        if theirs is not None:
            setattr(out, name, max(getattr(out, name) or 0.0, theirs))


def _merge_configuration(out: Configuration, part: Configuration) -> None:
    for name, setting in part.settings.items():
        out.put(name, setting.value, setting.source, setting.rank, setting.computed)
    if part.timeout_bound is not None and (
        out.timeout_bound is None or part.timeout_bound < out.timeout_bound
    ):
        out.timeout_bound = part.timeout_bound


def _merge_instance(out: dict[str, Instance], name: str, instance: Instance) -> None:
    mine = out.get(name)
    if mine is None:
        out[name] = instance
        return
    mine.master_pids |= instance.master_pids
    mine.version = instance.version or mine.version
    mine.worker_class = instance.worker_class or mine.worker_class
    mine.starts += instance.starts


# -- the report ------------------------------------------------------------------------


def build_report(
    part: Partial, fixes: dict[str, Fix], lang: str, window: Window | None = None
) -> Report:
    """The report of an analysis, from its (merged) partial."""
    lines = LinesOut(read=0, recognized=0, traceback=0, app=0, unrecognized=0, blank=0, wrapper=0)
    for name in part.inputs:
        c = part.counts[name]
        lines.read += c.read
        lines.recognized += c.recognized
        lines.traceback += c.traceback
        lines.app += c.app
        lines.unrecognized += c.unrecognized
        lines.blank += c.blank
        lines.wrapper += c.wrapper
    lines.cut = sum(state.cut for state in part.read_states.values())
    sources = _sources(part)
    findings = build_findings(
        part.occurrences,
        fixes,
        multiple_inputs=len(part.inputs) > 1,
        extra_context=part.stats.context(_worker_count(part.configuration)),
        lang=lang,
        seen=part.seen,
        remedies=Remedies(part.configuration, part.stats, lang),
        past_bound=part.past_bound,
    )
    workers = [
        WorkerOut(
            instance=excerpt(w.ref.instance),
            pid=w.ref.pid,
            generation=w.ref.generation,
            state=w.state,
            end=excerpt(w.end),
            first_line=w.first_line,
            last_line=w.last_line,
            boot_line=w.boot_line,
            timeouts=w.timeouts,
            requests=w.requests,
            abort_frame=excerpt(w.abort_frame),
            stuck_in=excerpt(w.stuck_in),
            exception=excerpt(w.exception),
        )
        for w in part.workers
    ]
    gunicorn = {
        excerpt(name): GunicornOut(
            version=excerpt(i.version), worker_class=excerpt(i.worker_class), starts=i.starts
        )
        for name, i in part.instances.items()
        if i.version or i.worker_class or i.starts
    }
    verdict: Verdict = "findings" if findings else "healthy"
    if not findings and not any(source.recognized for source in sources):
        verdict = "unrecognized"
    return Report(
        verdict=verdict,
        complete=not any(s.status in ("failed", "incomplete") for s in sources),
        inputs=list(part.inputs),
        sources=sources,
        warnings=_warnings(sources, verdict),
        window=_window_out(window, part.outside),
        lines=lines,
        gunicorn=gunicorn,
        latency={
            excerpt(name): LatencyOut(
                requests=n, p50_ms=p50, p95_ms=p95, p99_ms=p99, max_ms=slowest
            )
            for name, (n, p50, p95, p99, slowest) in part.stats.latency().items()
        },
        findings=findings,
        workers=workers,
        workers_evicted=part.evicted,
        timeline=part.timeline.result(),
        lang=lang,
        configuration={
            name: SettingOut(value=excerpt(setting.shown()), source=excerpt(setting.source))
            for name, setting in sorted(part.configuration.settings.items())
        },
    )


def _worker_count(configuration: Configuration) -> int | None:
    value = configuration.current("workers").value
    return int(value) if value.isdigit() else None


def _sources(part: Partial) -> list[InputOut]:
    out: list[InputOut] = []
    for name in part.inputs:
        c = part.counts[name]
        state = part.read_states.get(name, ReadState(name))
        outside = part.outside.get(name, 0)
        known = c.recognized + c.traceback + c.app
        status: InputStatus = "read"
        if state.failed:
            status = "failed"
        elif state.problem:
            status = "incomplete"
        elif c.read == 0:
            status = "outside" if outside else "empty"
        elif known == 0:
            status = "unrecognized"
        out.append(
            InputOut(
                name=name,
                status=status,
                lines=c.read,
                recognized=known,
                cut=state.cut,
                outside=outside,
                compression=state.compression,
                encoding=state.encoding,
                problem=state.problem,
            )
        )
    return out


def _window_out(window: Window | None, outside: dict[str, int]) -> WindowOut | None:
    if window is None:
        return None
    return WindowOut(
        since=_iso(window.since), until=_iso(window.until), outside=sum(outside.values())
    )


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _warnings(sources: list[InputOut], verdict: Verdict) -> list[str]:
    """One line for each input that was not read whole and recognized."""
    out: list[str] = []
    for source in sources:
        name = "standard input" if source.name == "-" else source.name
        if source.status in ("failed", "incomplete"):
            out.append(source.problem)
        elif source.status == "empty":
            out.append(f"{name}: no lines read (empty input)")
        elif source.status == "outside":
            out.append(f"{name}: none of its {source.outside:,} lines falls in the time window")
        elif source.status == "unrecognized":
            out.append(
                f"{name}: no line of it ({source.lines:,} read) was recognized as a "
                "Gunicorn, platform or application log (binary data, another program's "
                "log, or the wrong file?)"
            )
        if source.cut:
            kib = MAX_LINE // 1024
            if source.cut == 1:
                out.append(f"{name}: 1 line longer than {kib} KiB was cut to its first {kib} KiB")
            else:
                out.append(
                    f"{name}: {source.cut:,} lines longer than {kib} KiB were cut to "
                    f"their first {kib} KiB"
                )
    if verdict == "unrecognized" and len(sources) > 1:
        out.append("nothing in any input was recognized: no diagnosis can be made")
    return out

"""The pipeline: sources → envelopes → recognizers → correlate → engine → report model.

`Analysis` holds one run's stages; `analyze_paths` runs it over whole inputs.
A live reader feeds lines one by one through the same object.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from diagnoser import bulk, scan
from diagnoser.bulk import BulkLine, BulkRun
from diagnoser.config import Configuration
from diagnoser.correlate import Correlator
from diagnoser.engine import Engine, Occurrence
from diagnoser.envelopes import EnvelopeStage
from diagnoser.events import Event, Kind
from diagnoser.findings import ANY_INSTANCE, build_findings
from diagnoser.matching import where_ok
from diagnoser.recognizers import LineParser
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
    WorkerOut,
)
from diagnoser.report.safe import excerpt
from diagnoser.rules import Fix, Rule, RuleError, Where, load_rules
from diagnoser.sources import MAX_LINE, InputError, Line, ReadState, read_blocks
from diagnoser.stats import RequestStats
from diagnoser.timeline import Timeline

SAMPLES_PER_KIND = 16
_STATS_KINDS = frozenset(
    {Kind.CONFIG_DUMP, Kind.MEMORY_SAMPLE, Kind.PLATFORM_OOM, Kind.KERNEL_OOM, Kind.MEMORY_KILL}
)
_CONFIG_KINDS = frozenset(
    {
        Kind.MASTER_START,
        Kind.USING_WORKER,
        Kind.CONFIG_DUMP,
        Kind.DEPLOY,
        Kind.WORKER_BOOT,
        Kind.WORKER_TIMEOUT,
    }
)


class Analysis:
    """One diagnosis run. Feed it lines; ask it for the report at any time."""

    def __init__(
        self,
        rules: list[Rule],
        fixes: dict[str, Fix],
        lang: str = "en",
        max_retired: int = 20_000,
        max_workers: int = 20_000,
        bulk_lines: bool = True,
    ) -> None:
        self.rules = rules
        self.fixes = fixes
        self.lang = lang
        self.configuration = Configuration()
        # a few events of each kind per instance, for the rules' differential evidence
        self._samples: dict[str, dict[Kind, list[Event]]] = {}
        self.correlator = Correlator(max_workers=max_workers, max_retired=max_retired)
        self.engine = Engine(rules, self.correlator)
        self.inputs: list[str] = []
        # how each input was read, as the reader tells (`read_state`)
        self.read_states: dict[str, ReadState] = {}
        self.stats = RequestStats()
        self.timeline = Timeline()
        self._parsers: dict[str, LineParser] = {}
        self._envelopes: dict[str, EnvelopeStage] = {}
        # request, access and SQL lines counted in runs (None: every line read alone)
        self._bulk = bulk.compile_quiet(rules) if bulk_lines else None
        self._codes = {scan.CODE_OF[k] for k in self._bulk.quiet} if self._bulk else set()
        self.engine.materialize = self._materialize

    def _parser(self, source: str) -> LineParser:
        parser = self._parsers.get(source)
        if parser is None:
            parser = self._parsers[source] = LineParser()
            # one counter per input: the stage counts lines read, the parser what they were
            self._envelopes[source] = EnvelopeStage(parser.counts)
            self.inputs.append(source)
        return parser

    def feed_line(self, line: Line) -> list[Occurrence]:
        """Read one line; return the occurrences it decided."""
        return self._dispatch(self._parse(line))

    def _parse(self, line: Line) -> Sequence[Event]:
        """The events one line completes (envelope stage, then recognizers)."""
        parser = self._parser(line.source)
        records = self._envelopes[line.source].feed(line)
        if len(records) == 1:
            return parser.feed(records[0])
        return [event for record in records for event in parser.feed(record)]

    def feed_block(self, source: str, data: bytes, first_number: int) -> list[Occurrence]:
        """Read whole lines (`data` ends with a newline), numbered from `first_number`.

        The block scan (`diagnoser.scan`) classifies every line at once; rare
        lines are read one by one, and the runs of bulk lines between them are
        counted (`_bulk_run`).
        """
        parser = self._parser(source)
        if self._bulk is None:
            return self._lines_alone(source, data.split(b"\n")[:-1], first_number)
        envelopes = self._envelopes[source]
        lines = scan.classify(data, self._bulk.quiet)
        kinds = lines.kind
        total = len(kinds)
        rare = np.flatnonzero(kinds == scan.RARE).tolist()
        rare.append(total)
        positions = {
            code: np.flatnonzero(kinds == code).tolist()
            for code in scan.KIND_OF
            if code in self._codes
        }
        times = lines.ts.tolist()
        handled: list[tuple[int, int]] = []  # stretches counted in bulk, for the stats
        fired: list[Occurrence] = []
        # Bulk lines are given to the engine only when a rare line has events for it:
        # rare lines that make none (app output) leave the run whole. A run that
        # must be read line by line is read before the rare line after it, so the
        # parser sees every line in order; `countable` is where the run, as far as
        # it is known to be countable in bulk, ends.
        pending = countable = -1

        def flush(upto: int) -> None:
            nonlocal pending
            if pending < 0:
                return
            lo, pending = pending, -1
            if lo >= upto:
                return
            counted = self._bulk_run(source, lines, positions, times, lo, upto, first_number)
            if counted is None and countable > lo:
                # the lines past `countable` took the whole run out of the bulk; the
                # part before them is counted (nothing was dispatched since it was
                # found countable), the rest read alone
                counted = self._bulk_run(
                    source, lines, positions, times, lo, countable, first_number
                )
                if counted is not None:
                    fired.extend(counted)
                    handled.append((lo, countable))
                    lo, counted = countable, None
            if counted is not None:
                fired.extend(counted)
                handled.append((lo, upto))
                return
            for index in range(lo, upto):
                if kinds[index] != scan.RARE:
                    fired.extend(self._line_alone(source, lines, index, first_number))

        def read(index: int) -> None:
            nonlocal countable
            if pending >= 0:
                if self._bulk_countable(source, positions, pending, index):
                    countable = index
                else:
                    flush(index)  # read alone, before the line after them
            events = self._parse(Line(source, first_number + index, _text(lines.text(index))))
            if events:
                flush(index)
                fired.extend(self._dispatch(events))

        pos = 0
        next_rare = 0
        while pos < total:
            if not (parser.idle and envelopes.idle):
                # a traceback or record is open: the next line is read alone
                flush(pos)
                read(pos)
                pos += 1
                continue
            while rare[next_rare] < pos:
                next_rare += 1
            stop = rare[next_rare]
            if stop > pos and pending < 0:
                pending = countable = pos
            if stop >= total:
                break
            read(stop)
            pos = stop + 1
        flush(total)
        self._bulk_stats(source, lines, handled)
        return fired

    def _line_alone(
        self, source: str, lines: scan.BlockLines, index: int, first: int
    ) -> list[Occurrence]:
        text = _text(lines.text(index))
        return self.feed_line(Line(source, first + index, text))

    def _bulk_countable(
        self, source: str, positions: dict[int, list[int]], lo: int, hi: int
    ) -> bool:
        """Whether `_bulk_run` would count the bulk lines among lines `lo` to `hi`."""
        samples = self._samples.get(source, {})
        for code, where in positions.items():
            left = bisect.bisect_left(where, lo)
            if left == len(where) or where[left] >= hi:
                continue
            kind = scan.KIND_OF[code]
            if len(samples.get(kind, ())) < SAMPLES_PER_KIND or self.engine.bulk_wants_events(
                kind, source
            ):
                return False
        return True

    def _bulk_run(
        self,
        source: str,
        lines: scan.BlockLines,
        positions: dict[int, list[int]],
        times: list[float],
        lo: int,
        hi: int,
        first: int,
    ) -> list[Occurrence] | None:
        """The bulk lines among lines `lo` to `hi` (excluded) of the block (the rare
        ones between them made no events): counted and fed to the engine as a whole.
        None: they must be read one by one, because a kind still lacks samples or
        an occurrence would keep them as evidence."""
        instance = source  # bulk lines carry no envelope, so no instance of their own
        samples = self._samples.get(instance, {})
        runs: dict[Kind, BulkRun] = {}
        for code, where in positions.items():
            left = bisect.bisect_left(where, lo)
            right = bisect.bisect_left(where, hi, left)
            if left == right:
                continue
            kind = scan.KIND_OF[code]
            if len(samples.get(kind, ())) < SAMPLES_PER_KIND or self.engine.bulk_wants_events(
                kind, instance
            ):
                return None
            chosen = where[left:right]
            runs[kind] = BulkRun(
                [times[i] for i in chosen], _line_reader(source, times, chosen, lines, first)
            )
        counts = self._parser(source).counts
        bulk_lines = sum(len(run.times) for run in runs.values())
        counts.read += bulk_lines
        counts.recognized += bulk_lines
        now = None
        for index in range(hi - 1, lo - 1, -1):
            if times[index] == times[index]:  # not NaN: the last line with a time
                now = times[index]
                break
        if now is not None:
            latest = max(t for run in runs.values() for t in run.times if t == t)
            self.correlator.advance(latest)
            requests = [
                t
                for kind in (Kind.ACCESS, Kind.REQUEST_LOG)
                if kind in runs
                for t in runs[kind].times
                if t == t
            ]
            if requests:
                self.correlator.saw_requests(instance, max(requests))
        return self.engine.bulk(instance, runs, now)

    def _bulk_stats(
        self, source: str, lines: scan.BlockLines, handled: list[tuple[int, int]]
    ) -> None:
        """Durations and the time span of the lines counted in bulk."""
        if not handled:
            return
        mask = np.zeros(len(lines.kind), dtype=bool)
        for lo, hi in handled:
            mask[lo:hi] = True
        requests = lines.duration_ms[mask & (lines.kind == scan.REQUEST)]
        if len(requests):
            values, times = np.unique(requests, return_counts=True)
            durations = dict(zip(values.tolist(), times.tolist(), strict=True))
            self.stats.observe_durations(durations, source)
        stamps = lines.ts[mask]
        stamps = stamps[~np.isnan(stamps)]
        if len(stamps):
            self.timeline.observe_span(float(stamps.min()), float(stamps.max()))

    def _lines_alone(self, source: str, raws: list[bytes], first: int) -> list[Occurrence]:
        fired: list[Occurrence] = []
        for offset, raw in enumerate(raws):
            fired.extend(self.feed_line(Line(source, first + offset, _text(raw))))
        return fired

    def _materialize(self, line: BulkLine) -> Event:
        """A bulk line the engine needs as an event after all (a count rule fired)."""
        parser = LineParser()
        text = _text(line.texts.text(line.index))
        records = EnvelopeStage(parser.counts).feed(Line(line.source, line.line, text))
        events = [event for record in records for event in parser.feed(record)]
        assert len(events) == 1, line
        event = events[0]
        self.correlator.observe(event)
        return event

    def end_source(self, source: str) -> list[Occurrence]:
        """The input `source` ended: flush what its envelope stage and parser held back."""
        parser = self._parser(source)
        events = [
            event for record in self._envelopes[source].finish() for event in parser.feed(record)
        ]
        return self._dispatch([*events, *parser.finish()])

    def finish(self) -> list[Occurrence]:
        """End of all input: flush every parser, then settle open sequences."""
        fired: list[Occurrence] = []
        for source in list(self._parsers):
            fired.extend(self.end_source(source))
        fired.extend(self.engine.finish())
        return fired

    def _dispatch(self, events: Iterable[Event]) -> list[Occurrence]:
        fired: list[Occurrence] = []
        for event in events:
            self.correlator.observe(event)
            self.timeline.observe(event)
            if event.kind in _CONFIG_KINDS:
                self.configuration.observe(event)
            samples = self._samples.setdefault(event.instance or event.source, {})
            kept = samples.setdefault(event.kind, [])
            if len(kept) < SAMPLES_PER_KIND:
                kept.append(event)
            if event.kind in _STATS_KINDS or "duration_ms" in event.fields:
                self.stats.observe(event)
            fired.extend(self.engine.feed(event))
        return fired

    def read_state(self, state: ReadState) -> None:
        """The reader's account of one input (compression, cut lines, an early end)."""
        self._parser(state.name)
        self.read_states[state.name] = state

    def _sources(self) -> list[InputOut]:
        out: list[InputOut] = []
        for name in self.inputs:
            c = self._parsers[name].counts
            state = self.read_states.get(name, ReadState(name))
            known = c.recognized + c.traceback + c.app
            status: InputStatus = "read"
            if state.failed:
                status = "failed"
            elif state.problem:
                status = "incomplete"
            elif c.read == 0:
                status = "empty"
            elif known == 0:
                status = "unrecognized"
            out.append(
                InputOut(
                    name=name,
                    status=status,
                    lines=c.read,
                    recognized=known,
                    cut=state.cut,
                    compression=state.compression,
                    encoding=state.encoding,
                    problem=state.problem,
                )
            )
        return out

    def report(self) -> Report:
        lines = LinesOut(
            read=0, recognized=0, traceback=0, app=0, unrecognized=0, blank=0, wrapper=0
        )
        for parser in self._parsers.values():
            c = parser.counts
            lines.read += c.read
            lines.recognized += c.recognized
            lines.traceback += c.traceback
            lines.app += c.app
            lines.unrecognized += c.unrecognized
            lines.blank += c.blank
            lines.wrapper += c.wrapper
        lines.cut = sum(state.cut for state in self.read_states.values())
        sources = self._sources()
        findings = build_findings(
            self.engine.occurrences,
            self.fixes,
            multiple_inputs=len(self.inputs) > 1,
            extra_context=self.stats.context(self._worker_count()),
            lang=self.lang,
            seen=self.seen,
            remedies=Remedies(self.configuration, self.stats, self.lang),
            past_bound=self.engine.past_bound,
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
            for w in self.correlator.all_workers()
        ]
        gunicorn = {
            excerpt(name): GunicornOut(
                version=excerpt(i.version), worker_class=excerpt(i.worker_class), starts=i.starts
            )
            for name, i in self.correlator.instances.items()
            if i.version or i.worker_class or i.starts
        }
        verdict: Verdict = "findings" if findings else "healthy"
        if not findings and not any(source.recognized for source in sources):
            verdict = "unrecognized"
        return Report(
            verdict=verdict,
            complete=not any(s.status in ("failed", "incomplete") for s in sources),
            inputs=list(self.inputs),
            sources=sources,
            warnings=_warnings(sources, verdict),
            lines=lines,
            gunicorn=gunicorn,
            latency={
                excerpt(name): LatencyOut(
                    requests=n, p50_ms=p50, p95_ms=p95, p99_ms=p99, max_ms=slowest
                )
                for name, (n, p50, p95, p99, slowest) in self.stats.latency().items()
            },
            findings=findings,
            workers=workers,
            workers_evicted=self.correlator.evicted,
            timeline=self.timeline.result(),
            lang=self.lang,
            configuration={
                name: SettingOut(value=excerpt(setting.shown()), source=excerpt(setting.source))
                for name, setting in sorted(self.configuration.settings.items())
            },
        )

    def _worker_count(self) -> int | None:
        value = self.configuration.current("workers").value
        return int(value) if value.isdigit() else None

    def seen(self, kinds: list[Kind], where: Where, instances: set[str]) -> bool:
        """Whether the input showed an event of `kinds` matching `where` on `instances`."""
        if ANY_INSTANCE in instances:
            instances = set(self._samples)
        for instance in instances:
            samples = self._samples.get(instance, {})
            for kind in kinds:
                if any(where_ok(where, event) for event in samples.get(kind, ())):
                    return True
        return False


def _warnings(sources: list[InputOut], verdict: Verdict) -> list[str]:
    """One line for each input that was not read whole and recognized."""
    out: list[str] = []
    for source in sources:
        name = "standard input" if source.name == "-" else source.name
        if source.status in ("failed", "incomplete"):
            out.append(source.problem)
        elif source.status == "empty":
            out.append(f"{name}: no lines read (empty input)")
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


def _text(raw: bytes) -> str:
    """One line's text: bad bytes replaced, a CR before the newline dropped."""
    text = raw.decode("utf-8", "replace")
    return text[:-1] if text.endswith("\r") else text


def _line_reader(
    source: str, times: list[float], chosen: list[int], lines: scan.BlockLines, first: int
) -> Callable[[int], BulkLine]:
    """The i-th of the `chosen` lines of a block, as a `BulkLine`."""

    def line(i: int) -> BulkLine:
        index = chosen[i]
        ts = times[index]
        return BulkLine(source, first + index, None if ts != ts else ts, lines, index)

    return line


def select_rules(rules: list[Rule], select: list[str], ignore: list[str]) -> list[Rule]:
    """Keep the rules named (or all) minus the ignored ones; unknown ids are an error."""
    known = {rule.id for rule in rules}
    for name in [*select, *ignore]:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise RuleError(f"no rule named {name!r}{hint}")
    chosen = [rule for rule in rules if not select or rule.id in select]
    return [rule for rule in chosen if rule.id not in ignore]


def analyze_paths(
    paths: list[str],
    rule_dirs: list[Path] | None = None,
    *,
    lang: str = "en",
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    config_files: list[Path] | None = None,
    progress: Callable[[str, bytes], None] | None = None,
) -> Report:
    """Run the whole pipeline over `paths` (`-` is stdin) and return the report;
    `progress` is told of every block read."""
    rules, fixes = load_rules(rule_dirs)
    rules = select_rules(rules, select or [], ignore or [])
    analysis = Analysis(rules, fixes, lang)
    # gunicorn.conf.py first: command-line flags (render.yaml startCommand) override it
    for config_file in sorted(config_files or [], key=lambda p: p.suffix != ".py"):
        analysis.configuration.read_file(config_file)
    for path in paths:
        state = ReadState(path)
        try:
            for data, first in read_blocks(path, state):
                analysis.feed_block(path, data, first)
                if progress is not None:
                    progress(path, data)
        except InputError as exc:
            if len(paths) == 1:
                raise
            # one input of several: the others are still read, and this one reported
            state.failed = True
            state.problem = str(exc)
        analysis.read_state(state)
        analysis.end_source(path)
    analysis.finish()
    return analysis.report()

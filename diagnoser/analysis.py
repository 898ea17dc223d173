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
from diagnoser.partial import SAMPLES_PER_KIND, Partial, build_report, merge, seen_in
from diagnoser.recognizers import LineParser
from diagnoser.report.model import Report
from diagnoser.rules import Fix, Rule, RuleError, Where, load_rules
from diagnoser.sources import Line, ReadState
from diagnoser.stats import RequestStats
from diagnoser.timeline import Timeline
from diagnoser.timeorder import Window

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
        self.window: Window | None = None  # --since/--until, when given
        self.outside: dict[str, int] = {}  # per input: lines left out by the window
        # inputs that are one server's log in several files: the instance they share
        self._shared: dict[str, str] = {}
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
        instance = self._shared.get(source, source)
        for code, where in positions.items():
            left = bisect.bisect_left(where, lo)
            if left == len(where) or where[left] >= hi:
                continue
            if not self._countable(scan.KIND_OF[code], instance):
                return False
        return True

    def _countable(self, kind: Kind, instance: str) -> bool:
        """Whether lines of `kind` on `instance` may be counted in bulk: the rules'
        differential evidence has its samples of the kind, and no occurrence is open
        that would keep them as evidence."""
        samples = self._samples.get(instance, {})
        return len(samples.get(kind, ())) >= SAMPLES_PER_KIND and not (
            self.engine.bulk_wants_events(kind, instance)
        )

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
        # bulk lines carry no envelope, so no instance of their own
        instance = self._shared.get(source, source)
        runs: dict[Kind, BulkRun] = {}
        for code, where in positions.items():
            left = bisect.bisect_left(where, lo)
            right = bisect.bisect_left(where, hi, left)
            if left == right:
                continue
            kind = scan.KIND_OF[code]
            if not self._countable(kind, instance):
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
            ]
            timed = [t for t in requests if t == t]
            if timed:
                self.correlator.saw_requests(instance, max(timed), len(requests))
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
        if not event.instance and line.source in self._shared:
            event.instance = self._shared[line.source]
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
        shared = self._shared
        for event in events:
            if shared and not event.instance and event.source in shared:
                event.instance = shared[event.source]
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

    def one_timeline(self, sources: list[str]) -> None:
        """`sources` are one log in several files (rotations, hourly exports) whose
        lines name no instance: their workers are followed across the files."""
        if len(sources) > 1:
            for source in sources:
                self._shared[source] = sources[0]

    def left_out(self, source: str, lines: int) -> None:
        """`lines` of `source` fell outside the time window: counted, not read."""
        self._parser(source)
        self.outside[source] = self.outside.get(source, 0) + lines

    def read_state(self, state: ReadState) -> None:
        """The reader's account of one input (compression, cut lines, an early end)."""
        self._parser(state.name)
        self.read_states[state.name] = state

    def partial(self) -> Partial:
        """What the report needs of this analysis, as a `Partial` (its live state)."""
        return Partial(
            inputs=list(self.inputs),
            counts={name: self._parsers[name].counts for name in self.inputs},
            read_states=self.read_states,
            outside=self.outside,
            occurrences=self.engine.occurrences,
            past_bound=self.engine.past_bound,
            stats=self.stats,
            timeline=self.timeline,
            configuration=self.configuration,
            workers=self.correlator.all_workers(),
            instances=self.correlator.instances,
            evicted=self.correlator.evicted,
            samples=self._samples,
        )

    def report(self) -> Report:
        return build_report(self.partial(), self.fixes, self.lang, self.window)

    def seen(self, kinds: list[Kind], where: Where, instances: set[str]) -> bool:
        """Whether the input showed an event of `kinds` matching `where` on `instances`."""
        return seen_in(self._samples, kinds, where, instances)


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
    done: Callable[[str, int, int], None] | None = None,
    window: Window | None = None,
    jobs: int | None = 1,
    dask: str | None = None,
) -> Report:
    """Run the whole pipeline over `paths` (`-` is stdin) and return the report.

    The inputs are cut into partitions by instance (`diagnoser.parallel`), each
    read as one timeline in time order and analysed on its own, and the partial
    results merged: `jobs` worker processes run them (None: the cores, when the
    input is large), or the Dask cluster at `dask`. `progress` is told of every
    block read here, `done` of each input read elsewhere; `window` leaves out the
    lines outside it.
    """
    from diagnoser import parallel

    rules, fixes = load_rules(rule_dirs)
    rules = select_rules(rules, select or [], ignore or [])
    configuration = Configuration()
    # gunicorn.conf.py first: command-line flags (render.yaml startCommand) override it
    for config_file in sorted(config_files or [], key=lambda p: p.suffix != ".py"):
        configuration.read_file(config_file)
    job = parallel.Job(rules, fixes, lang, configuration, window)
    parts = parallel.run(job, paths, jobs=jobs, dask=dask, progress=progress, done=done)
    return build_report(merge(parts, paths), fixes, lang, window)

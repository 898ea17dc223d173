"""The pipeline: sources → recognizers → correlate → engine → report model.

`Analysis` holds one run's stages; `analyze_paths` runs it over whole inputs.
A live reader feeds lines one by one through the same object.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from diagnoser.correlate import Correlator
from diagnoser.engine import Engine, Occurrence
from diagnoser.events import Event, Kind
from diagnoser.findings import build_findings
from diagnoser.recognizers import LineParser
from diagnoser.report.model import GunicornOut, LinesOut, Report, WorkerOut
from diagnoser.rules import Fix, Rule, load_rules
from diagnoser.sources import Line, read_lines
from diagnoser.stats import RequestStats


class Analysis:
    """One diagnosis run. Feed it lines; ask it for the report at any time."""

    def __init__(self, rules: list[Rule], fixes: dict[str, Fix]) -> None:
        self.rules = rules
        self.fixes = fixes
        self.correlator = Correlator()
        self.engine = Engine(rules, self.correlator)
        self.inputs: list[str] = []
        self.stats = RequestStats()
        self._parsers: dict[str, LineParser] = {}

    def _parser(self, source: str) -> LineParser:
        parser = self._parsers.get(source)
        if parser is None:
            parser = self._parsers[source] = LineParser()
            self.inputs.append(source)
        return parser

    def feed_line(self, line: Line) -> list[Occurrence]:
        """Read one line; return the occurrences it decided."""
        return self._dispatch(self._parser(line.source).feed(line))

    def end_source(self, source: str) -> list[Occurrence]:
        """The input `source` ended: flush what its parser held back."""
        return self._dispatch(self._parser(source).finish())

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
            if "duration_ms" in event.fields or event.kind is Kind.CONFIG_DUMP:
                self.stats.observe(event)
            fired.extend(self.engine.feed(event))
        return fired

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
        findings = build_findings(
            self.engine.occurrences,
            self.fixes,
            multiple_inputs=len(self.inputs) > 1,
            extra_context=self.stats.context(),
        )
        workers = [
            WorkerOut(
                instance=w.ref.instance,
                pid=w.ref.pid,
                generation=w.ref.generation,
                state=w.state,
                end=w.end,
                first_line=w.first_line,
                last_line=w.last_line,
                boot_line=w.boot_line,
                timeouts=w.timeouts,
                requests=w.requests,
                abort_frame=w.abort_frame,
                stuck_in=w.stuck_in,
                exception=w.exception,
            )
            for w in self.correlator.all_workers()
        ]
        gunicorn = {
            name: GunicornOut(version=i.version, worker_class=i.worker_class, starts=i.starts)
            for name, i in self.correlator.instances.items()
            if i.version or i.worker_class or i.starts
        }
        return Report(
            inputs=list(self.inputs),
            lines=lines,
            gunicorn=gunicorn,
            findings=findings,
            workers=workers,
            workers_evicted=self.correlator.evicted,
        )


def analyze_paths(paths: list[str], rule_dirs: list[Path] | None = None) -> Report:
    """Run the whole pipeline over `paths` (`-` is stdin) and return the report."""
    rules, fixes = load_rules(rule_dirs)
    analysis = Analysis(rules, fixes)
    for path in paths:
        for line in read_lines(path):
            analysis.feed_line(line)
        analysis.end_source(path)
    analysis.finish()
    return analysis.report()

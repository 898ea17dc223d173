"""The terminal report: most likely cause first, evidence, and a copy-ready fix.

Everything that may hold log text goes through `literal()`, so a log line can't
inject rich markup or terminal control sequences.
"""

from __future__ import annotations

from typing import IO

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from diagnoser.i18n import ntr, ptr, tr
from diagnoser.report.model import FindingOut, FixOut, Report, TimelineOut
from diagnoser.report.safe import literal, printable
from diagnoser.report.words import (
    TIMELINE,
    UNSETTLED,
    evidence_more,
    evidence_times,
    latency_phrase,
    lines_summary,
    no_findings,
    place_phrase,
    severity_label,
    window_summary,
)
from diagnoser.timeline import chart_lines, chart_width

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "warning": "bold black on yellow",
    "info": "bold white on blue",
}
BORDER = {"critical": "red", "warning": "yellow", "info": "blue"}
SHOWN_WORKERS = 20  # pids listed before "(+N)"
LEXER = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".sh": "bash"}


def _lexer(file: str) -> str:
    for suffix, lexer in LEXER.items():
        if file.endswith(suffix):
            return lexer
    return "text"


class TextFormatter:
    """The rich terminal report. Labels follow `lang`, else the report's own language."""

    def __init__(
        self, color: bool | None = None, width: int | None = None, lang: str | None = None
    ) -> None:
        self.color = color
        self.width = width
        self.lang = lang

    def write(self, report: Report, out: IO[str]) -> None:
        """Print `report` to `out`: summary, findings most likely first, then the timeline."""
        lang = self.lang or report.lang
        console = Console(
            file=out,
            force_terminal=self.color,
            no_color=None if self.color is None else not self.color,
            width=self.width,
            highlight=False,
            soft_wrap=False,
        )
        console.print(_summary(report, lang))
        for name, server in report.gunicorn.items():
            bits = [f"Gunicorn {server.version}" if server.version else "Gunicorn"]
            if server.worker_class:
                bits.append(f"{tr(lang, 'worker class')} {server.worker_class}")
            if server.starts > 1:
                bits.append(ntr(lang, "started {n} time", "started {n} times", server.starts))
            console.print(literal(f"{name}: " + ", ".join(bits), "dim"))
        for name, latency in report.latency.items():
            console.print(literal(f"{name}: {latency_phrase(latency, lang)}", "dim"))
        for warning in report.warnings:
            console.print(literal(f"! {warning}", "yellow"))
        if not report.findings:
            console.print()
            style = "yellow" if report.verdict == "unrecognized" else "green"
            console.print(Text(no_findings(report, lang), style=style))
        shown = [f for f in report.findings if f.severity != "info"]
        quiet = [f for f in report.findings if f.severity == "info"]
        for index, finding in enumerate(shown, 1):
            console.print()
            console.print(_finding(index, finding, lang))
        if quiet:
            console.print()
            console.print(Text(tr(lang, "Also seen (no action needed)") + ":", style="bold"))
            for finding in quiet:
                console.print(Text.assemble("  • ", literal(finding.title)))
        if report.timeline is not None:
            console.print()
            columns = chart_width(report.timeline, lang, console.width)
            console.print(_timeline(report.timeline, lang, columns))


def _summary(report: Report, lang: str) -> Text:
    text = Text.assemble(
        ("diagnoser", "bold"), ": ", lines_summary(report.lines, len(report.workers), lang)
    )
    window = window_summary(report, lang)
    if window is not None:
        text.append("\n" + window)
    return text


def _finding(index: int, finding: FindingOut, lang: str) -> Panel:
    severity = finding.severity.value
    parts: list[RenderableType] = []
    heading = Text.assemble(
        (f" {severity_label(severity, lang)} ", SEVERITY_STYLE[severity]),
        "  ",
        (finding.cause.value, "bold"),
        f"  {tr(lang, 'confidence')} {round(finding.confidence * 100)}%",
        ("" if finding.settled else f"  ({tr(lang, UNSETTLED)})", "italic"),
        (f"  [{finding.rule}]", "dim"),
    )
    parts.append(heading)
    parts.append(literal(finding.title, "bold"))
    parts.append(literal(finding.explanation))
    counts = f"{tr(lang, 'Occurrences')}: {finding.occurrences}"
    if finding.workers:
        pids = ", ".join(str(w.pid) for w in finding.workers[:SHOWN_WORKERS])
        more = len(finding.workers) - SHOWN_WORKERS
        label = ntr(lang, "Worker", "Workers", len(finding.workers))
        counts = f"{label}: {pids}{f' (+{more})' if more > 0 else ''}   {counts}"
    parts.append(literal(counts, "dim"))
    if finding.places:
        places = "; ".join(
            place_phrase(place, finding.occurrences, lang, first=index == 0)
            for index, place in enumerate(finding.places)
        )
        parts.append(Text.assemble((f"{tr(lang, 'Where')}: ", "bold"), literal(places)))
    for key, items, style in (
        (tr(lang, "For"), finding.for_, "green"),
        (tr(lang, "Against"), finding.against, "yellow"),
    ):
        for said in items:
            parts.append(Text.assemble((f"{key}: ", f"bold {style}"), literal(said)))
    parts.append(Text(tr(lang, "Evidence") + ":", style="bold"))
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="cyan", no_wrap=True)
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for item, time in zip(finding.evidence, evidence_times(finding.evidence), strict=True):
        where = f"{item.path}:{item.line}" if item.path else str(item.line)
        table.add_row(literal(where), literal(time), literal(item.text))
    parts.append(table)
    if finding.evidence_omitted:
        parts.append(Text(evidence_more(finding.evidence_omitted, lang), style="dim"))
    if finding.fix is not None:
        parts.extend(fix_parts(finding.fix, lang, "fix"))
    for extra in finding.also:
        parts.extend(fix_parts(extra, lang, "also"))
    return Panel(
        Group(*parts),
        title=Text(f"#{index}"),
        title_align="left",
        border_style=BORDER[severity],
    )


def _timeline(timeline: TimelineOut, lang: str, columns: int) -> Group:
    """The chart: its title, then one line per series and the time axis, never wrapped."""
    rows = [Text(tr(lang, TIMELINE), style="bold")]
    for line in chart_lines(timeline, lang, columns):
        row = literal(line, "cyan")
        row.no_wrap = True
        row.overflow = "crop"
        rows.append(row)
    return Group(*rows)


def fix_parts(fix: FixOut, lang: str, label: str) -> list[RenderableType]:
    """A fix: its title, then the whole snippet (never cut), or why there is none."""
    runbook: list[Text | tuple[str, str]] = (
        [
            (f"  ({tr(lang, 'runbook')}: ", "dim"),
            literal(fix.runbook_section, "dim"),
            (")", "dim"),
        ]
        if fix.runbook_section
        else []
    )
    heading = tr(lang, "Also") if label == "also" else tr(lang, "Fix")
    parts: list[RenderableType] = [
        Text.assemble(
            (f"{heading}: ", "bold green"),
            literal(fix.title),
            (f"  {ptr(lang, 'file', 'in')} ", "dim"),
            literal(fix.file, "bold"),
            *runbook,
        )
    ]
    now = f"{tr(lang, 'now')}: "
    caution = f"{tr(lang, 'Caution')}: "
    if fix.status != "suggested":
        parts.append(Text.assemble(("  ", ""), literal(fix.note, "dim")))
        if fix.status == "no_value" and fix.current:
            parts.append(Text.assemble((now, "dim"), literal(fix.current)))
        if fix.status == "no_value" and fix.caveat:
            parts.append(Text.assemble((caution, "bold yellow"), literal(fix.caveat)))
        return parts
    parts.append(
        Syntax(
            printable(fix.snippet.strip("\n"), keep_newlines=True),
            _lexer(fix.file),
            theme="ansi_dark",
            background_color="default",
            word_wrap=True,
        )
    )
    if fix.current:
        parts.append(Text.assemble((now, "dim"), literal(fix.current)))
    if fix.caveat:
        parts.append(Text.assemble((caution, "bold yellow"), literal(fix.caveat)))
    return parts

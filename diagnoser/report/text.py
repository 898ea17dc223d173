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

from diagnoser.report.model import FindingOut, Report
from diagnoser.report.safe import literal, printable

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "warning": "bold black on yellow",
    "info": "bold white on blue",
}
BORDER = {"critical": "red", "warning": "yellow", "info": "blue"}
LEXER = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".sh": "bash"}


def _lexer(file: str) -> str:
    for suffix, lexer in LEXER.items():
        if file.endswith(suffix):
            return lexer
    return "text"


class TextFormatter:
    def __init__(self, color: bool | None = None, width: int | None = None) -> None:
        self.color = color
        self.width = width

    def write(self, report: Report, out: IO[str]) -> None:
        console = Console(
            file=out,
            force_terminal=self.color,
            no_color=self.color is False,
            width=self.width,
            highlight=False,
            soft_wrap=False,
        )
        console.print(self._summary(report))
        for name, server in report.gunicorn.items():
            bits = [f"Gunicorn {server.version}" if server.version else "Gunicorn"]
            if server.worker_class:
                bits.append(f"worker class {server.worker_class}")
            if server.starts > 1:
                bits.append(f"started {server.starts} times")
            console.print(literal(f"{name}: " + ", ".join(bits), "dim"))
        if not report.findings:
            console.print(
                Text("\nNo worker timeouts, kills or boot failures found.", style="green")
            )
            return
        shown = [f for f in report.findings if f.severity != "info"]
        quiet = [f for f in report.findings if f.severity == "info"]
        for index, finding in enumerate(shown, 1):
            console.print()
            console.print(self._finding(index, finding))
        if quiet:
            console.print()
            console.print(Text("Also seen (no action needed):", style="bold"))
            for finding in quiet:
                console.print(Text.assemble("  • ", literal(finding.title)))

    def _summary(self, report: Report) -> Text:
        lines = report.lines
        text = Text.assemble(
            ("diagnoser", "bold"),
            f": {lines.read} lines read: {lines.recognized} recognized, "
            f"{lines.traceback} in tracebacks, {lines.app} app messages, "
            f"{lines.unrecognized} unrecognized, {lines.blank} blank"
            + (f", {lines.wrapper} JSON structure" if lines.wrapper else "")
            + "; "
            f"{len(report.workers)} worker lives",
        )
        return text

    def _finding(self, index: int, finding: FindingOut) -> Panel:
        parts: list[RenderableType] = []
        heading = Text.assemble(
            (f" {finding.severity.value.upper()} ", SEVERITY_STYLE[finding.severity.value]),
            "  ",
            (finding.cause.value, "bold"),
            f"  confidence {round(finding.confidence * 100)}%",
            ("" if finding.settled else "  (outcome not in the log)", "italic"),
            (f"  [{finding.rule}]", "dim"),
        )
        parts.append(heading)
        parts.append(literal(finding.title, "bold"))
        parts.append(literal(finding.explanation))
        if finding.workers:
            pids = ", ".join(str(w.pid) for w in finding.workers[:20])
            more = f" (+{len(finding.workers) - 20} more)" if len(finding.workers) > 20 else ""
            parts.append(
                literal(f"Workers: {pids}{more}   Occurrences: {finding.occurrences}", "dim")
            )
        parts.append(Text("Evidence:", style="bold"))
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", style="cyan", no_wrap=True)
        table.add_column(overflow="fold")
        for item in finding.evidence:
            where = f"{item.path}:{item.line}" if item.path else str(item.line)
            table.add_row(literal(where), literal(item.text))
        parts.append(table)
        if finding.evidence_omitted:
            parts.append(
                Text(
                    f"… {finding.evidence_omitted} more evidence lines in --format json",
                    style="dim",
                )
            )
        if finding.fix is not None:
            fix = finding.fix
            parts.append(
                Text.assemble(
                    ("Fix: ", "bold green"),
                    literal(fix.title),
                    ("  in ", "dim"),
                    literal(fix.file, "bold"),
                    ("  (runbook: ", "dim"),
                    literal(fix.runbook_section, "dim"),
                    (")", "dim"),
                )
            )
            parts.append(
                Syntax(
                    printable(fix.snippet.strip("\n"), keep_newlines=True),
                    _lexer(fix.file),
                    theme="ansi_dark",
                    background_color="default",
                    word_wrap=True,
                )
            )
            if fix.caveat:
                parts.append(Text.assemble(("Caution: ", "bold yellow"), literal(fix.caveat)))
        return Panel(
            Group(*parts),
            title=Text(f"#{index}"),
            title_align="left",
            border_style=BORDER[finding.severity.value],
        )

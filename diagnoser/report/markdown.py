"""The markdown report: a post-mortem to paste into an incident document.

Log text is untrusted here too. It goes into fenced blocks whose fence is longer
than any backtick run inside, or into code spans sized the same way; prose that
may hold log values (titles, explanations) is escaped outside its own code spans,
so a log line can't open a link, an image, raw HTML or a table cell. A value a
rule's text quotes comes as a code span of its own when it holds a backtick
(`diagnoser.findings.render`), so it can't pair with the rule's own spans.
"""

from __future__ import annotations

import re
from typing import IO

from diagnoser.i18n import ntr, ptr, tr
from diagnoser.report.model import FindingOut, FixOut, Report
from diagnoser.report.safe import backtick_span, code_chunks, printable
from diagnoser.report.words import (
    TIMELINE,
    UNSETTLED,
    evidence_more,
    evidence_times,
    lines_summary,
    no_findings,
    place_phrase,
    severity_label,
    window_summary,
)
from diagnoser.timeline import chart_lines

LANGUAGE = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".sh": "bash", ".toml": "toml"}
TABLE_WORKERS = 10  # pids listed in a table cell before "+N"
_BACKTICKS = re.compile(r"`+")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ORDERED = re.compile(r"(\d+)([.)])")


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run in `text` (at least three)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def code_block(text: str, language: str = "text") -> str:
    """`text` in a fenced block that nothing inside it can close."""
    fence = fence_for(text)
    return f"{fence}{language}\n{text}\n{fence}\n"


def code_span(text: str, *, in_table: bool = False) -> str:
    """`text` as one inline code span, on one line, whatever backticks it holds."""
    text = printable(text)
    if not text:
        return ""
    if in_table:
        text = text.replace("|", "\\|")  # GFM splits cells even inside code spans
    return backtick_span(text)


def escape(text: str, *, in_table: bool = False) -> str:
    """Prose on one line with markdown syntax escaped, except inside its own code spans.

    Rule texts quote settings as `code`; those spans are kept (nothing is active
    inside them). Unpaired backticks, links, emphasis, HTML and pipes are escaped.
    """
    text = printable(text.replace("\r\n", " ").replace("\n", " ")).strip()
    out: list[str] = []
    for is_code, chunk in code_chunks(text):
        if is_code:
            out.append(chunk.replace("|", "\\|") if in_table else chunk)
        else:
            out.append(_SPECIAL.sub(r"\\\1", chunk))
    return "".join(out)


def paragraph(text: str) -> str:
    """`escape(text)` made safe to start a line: no heading, list or setext marker."""
    escaped = escape(text)
    ordered = _ORDERED.match(escaped)
    if ordered is not None:  # "1. x" would start a list
        return f"{ordered[1]}\\{ordered[2]}{escaped[ordered.end() :]}"
    if escaped[:1] in ("#", "+", "-", "="):
        return "\\" + escaped
    return escaped


def _language(file: str) -> str:
    for suffix, language in LANGUAGE.items():
        if file.endswith(suffix):
            return language
    return "text"


class MarkdownFormatter:
    """The post-mortem in markdown. Labels follow `lang`, else the report's own language."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang

    def write(self, report: Report, out: IO[str]) -> None:
        """Write `report` to `out` as one markdown document."""
        lang = self.lang or report.lang
        title = tr(lang, "Gunicorn worker incident report")
        parts = [f"# {escape(title)}\n", _summary(report, lang)]
        if report.warnings:
            parts.append("".join(f"> **!** {escape(w)}\n>\n" for w in report.warnings)[:-2])
        parts.append(_findings_table(report, lang))
        for index, finding in enumerate(report.findings, 1):
            parts.append(_finding(index, finding, lang))
        if report.timeline is not None:
            chart = "\n".join(chart_lines(report.timeline, lang))
            parts.append(f"## {escape(tr(lang, TIMELINE))}\n\n{code_block(chart)}")
        out.write("\n".join(parts))


def _summary(report: Report, lang: str) -> str:
    counts = lines_summary(report.lines, len(report.workers), lang)
    text = ", ".join(code_span(name) for name in report.inputs) + "\n\n" + paragraph(counts) + "\n"
    window = window_summary(report, lang)
    if window is not None:
        text += "\n" + paragraph(window) + "\n"
    servers = []
    for name, server in report.gunicorn.items():
        bits = [" ".join(filter(None, ("Gunicorn", escape(server.version))))]
        if server.worker_class:
            bits.append(f"{tr(lang, 'worker class')} {code_span(server.worker_class)}")
        if server.starts > 1:
            bits.append(ntr(lang, "started {n} time", "started {n} times", server.starts))
        servers.append(f"- {code_span(name)}: {', '.join(bits)}\n")
    if servers:
        text += "\n" + "".join(servers)
    if report.latency:
        text += "\n" + _latency_table(report, lang)
    return text


def _latency_table(report: Report, lang: str) -> str:
    """Request durations per instance: one row each, in ms."""
    columns = [tr(lang, "Instance"), tr(lang, "Requests"), "p50", "p95", "p99", tr(lang, "Slowest")]
    rows = [
        f"**{escape(tr(lang, 'Request latency (ms)'))}**\n",
        "| " + " | ".join(columns) + " |",
        "|---|" + "---:|" * (len(columns) - 1),
    ]
    for name, latency in report.latency.items():
        cells = [
            code_span(name, in_table=True),
            str(latency.requests),
            str(latency.p50_ms),
            str(latency.p95_ms),
            str(latency.p99_ms),
            str(latency.max_ms),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _findings_table(report: Report, lang: str) -> str:
    findings = report.findings
    heading = f"## {escape(tr(lang, 'Findings'))}\n\n"
    if not findings:
        return heading + paragraph(no_findings(report, lang)) + "\n"
    columns = [
        "#",
        tr(lang, "Severity"),
        tr(lang, "Cause"),
        tr(lang, "Confidence"),
        tr(lang, "Findings"),
        tr(lang, "Workers"),
    ]
    rows = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join(["---:", "---", "---", "---:", "---", "---"]) + "|",
    ]
    for index, finding in enumerate(findings, 1):
        pids = ", ".join(str(w.pid) for w in finding.workers[:TABLE_WORKERS])
        if len(finding.workers) > TABLE_WORKERS:
            pids += f" +{len(finding.workers) - TABLE_WORKERS}"
        cells = [
            str(index),
            severity_label(finding.severity.value, lang),
            code_span(finding.cause.value, in_table=True),
            f"{round(finding.confidence * 100)}%",
            escape(finding.title, in_table=True),
            pids,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return heading + "\n".join(rows) + "\n"


def _finding(index: int, finding: FindingOut, lang: str) -> str:
    severity = severity_label(finding.severity.value, lang)
    parts = [f"### {index}. {escape(finding.title)}\n"]
    meta = [
        f"**{severity}**",
        code_span(finding.cause.value),
        f"{tr(lang, 'confidence')} {round(finding.confidence * 100)}%",
        code_span(finding.rule),
    ]
    if not finding.settled:
        meta.append(f"*({escape(tr(lang, UNSETTLED))})*")
    parts.append(" · ".join(meta) + "\n")
    parts.append(paragraph(finding.explanation) + "\n")
    counts = f"{tr(lang, 'Occurrences')}: {finding.occurrences}\n"
    if finding.workers:
        pids = ", ".join(str(w.pid) for w in finding.workers)
        counts = f"{ntr(lang, 'Worker', 'Workers', len(finding.workers))}: {pids} · {counts}"
    parts.append(counts)
    if finding.places:
        parts.append(f"**{escape(tr(lang, 'Where'))}**\n")
        total = finding.occurrences
        parts.append(
            "".join(
                f"- {place_phrase(place, total, lang, first=i == 0, code=code_span)}\n"
                for i, place in enumerate(finding.places)
            )
        )
    parts.append(f"**{escape(tr(lang, 'Evidence'))}**\n")
    wheres = [f"{e.path}:{e.line}" if e.path else str(e.line) for e in finding.evidence]
    times = evidence_times(finding.evidence)
    pad = max((len(where) for where in wheres), default=0)
    width = max((len(time) for time in times), default=0)
    rows = []
    for where, time, item in zip(wheres, times, finding.evidence, strict=True):
        columns = [f"{printable(where):>{pad}}"]
        if width:  # a column of times only when some line has one
            columns.append(f"{time:<{width}}")
        columns.append(printable(item.text))
        rows.append("  ".join(columns))
    evidence = "\n".join(rows)
    parts.append(code_block(evidence))
    if finding.evidence_omitted:
        parts.append(f"*{escape(evidence_more(finding.evidence_omitted, lang))}*\n")
    for key, items in ((tr(lang, "For"), finding.for_), (tr(lang, "Against"), finding.against)):
        for said in items:
            parts.append(f"- **{escape(key)}:** {escape(said)}\n")
    if finding.fix is not None:
        parts.append(_fix(finding.fix, lang))
    for extra in finding.also:
        parts.append(_fix(extra, lang, also=True))
    return "\n".join(parts)


def _fix(fix: FixOut, lang: str, also: bool = False) -> str:
    runbook = escape(fix.runbook_section)
    label = tr(lang, "Also") if also else tr(lang, "Fix")
    head = (
        f"**{escape(label)}:** {escape(fix.title)} "
        f"{ptr(lang, 'file', 'in')} {code_span(fix.file)}"
        + (f" ({tr(lang, 'runbook')}: {runbook})" if runbook else "")
        + "\n"
    )
    parts = [head]
    if fix.status != "suggested":
        parts.append(f"{escape(fix.note)}\n")
        if fix.status == "no_value" and fix.current:
            parts.append(f"{tr(lang, 'now')}: {code_span(fix.current)}\n")
        if fix.status == "no_value" and fix.caveat:
            parts.append(f"**{escape(tr(lang, 'Caution'))}:** {escape(fix.caveat)}\n")
        return "\n".join(parts)
    if fix.current:
        parts.append(f"{tr(lang, 'now')}: {code_span(fix.current)}\n")
    snippet = printable(fix.snippet.strip("\n"), keep_newlines=True)
    parts.append(code_block(snippet, _language(fix.file)))
    if fix.caveat:
        parts.append(f"**{escape(tr(lang, 'Caution'))}:** {escape(fix.caveat)}\n")
    return "\n".join(parts)

"""The report's own phrases, shared by the text and markdown reports, in each language.

Counts are worded with their plural forms (`diagnoser.i18n.ntr`): "1 line read",
"2 lines read"; "1 vida de worker", "2 vidas de worker".
"""

from __future__ import annotations

from collections.abc import Callable

from diagnoser.i18n import N_, ntr, ptr, tr
from diagnoser.report.model import Evidence, LatencyOut, LinesOut, PlaceOut, Report


def lines_summary(lines: LinesOut, workers: int, lang: str) -> str:
    """`N lines read: …; N worker lives`, from a report's line counts."""
    parts = [
        ntr(lang, "{n} recognized", "{n} recognized", lines.recognized),
        tr(lang, "{n} in tracebacks", n=lines.traceback),
        ntr(lang, "{n} app message", "{n} app messages", lines.app),
        ntr(lang, "{n} unrecognized", "{n} unrecognized", lines.unrecognized),
        tr(lang, "{n} blank", n=lines.blank),
    ]
    if lines.wrapper:
        parts.append(tr(lang, "{n} JSON structure", n=lines.wrapper))
    return tr(
        lang,
        "{read}: {parts}; {workers}",
        read=ntr(lang, "{n} line read", "{n} lines read", lines.read),
        parts=", ".join(parts),
        workers=ntr(lang, "{n} worker life", "{n} worker lives", workers),
    )


def window_summary(report: Report, lang: str) -> str | None:
    """`Time window: from … to …; N lines outside it, counted, not read`, or None."""
    window = report.window
    if window is None:
        return None
    start = window.since or tr(lang, "the start")
    end = window.until or tr(lang, "the end")
    return tr(
        lang,
        "Time window: from {start} to {end}; {outside}",
        start=start,
        end=end,
        outside=ntr(
            lang,
            "{n} line outside it, counted, not read",
            "{n} lines outside it, counted, not read",
            window.outside,
        ),
    )


# Words the text and markdown reports share.
NO_FINDINGS = N_("No worker timeouts, kills or boot failures found.")
UNRECOGNIZED = N_(
    "Nothing in the input was recognized as a Gunicorn, platform or application log, "
    "so no diagnosis can be made."
)


def no_findings(report: Report, lang: str) -> str:
    """What a report without findings says: healthy, or that nothing was recognized."""
    return tr(lang, UNRECOGNIZED if report.verdict == "unrecognized" else NO_FINDINGS)


UNSETTLED = N_("outcome not in the log")
TIMELINE = N_("Timeline (events per minute)")


def evidence_more(n: int, lang: str) -> str:
    """What is said of the evidence lines left out for length."""
    return ntr(
        lang,
        "… {n} more evidence line not shown",
        "… {n} more evidence lines not shown",
        n,
    )


SEVERITY_LABELS = {
    "critical": N_("CRITICAL"),
    "warning": N_("WARNING"),
    "info": N_("INFO"),
}


def severity_label(severity: str, lang: str) -> str:
    """A severity as the reports show it."""
    return tr(lang, SEVERITY_LABELS.get(severity, severity))


def place_phrase(
    place: PlaceOut,
    total: int,
    lang: str,
    *,
    first: bool = False,
    code: Callable[[str], str] = str,
) -> str:
    """Where some of a finding's occurrences happened: `310 of 337 on /path in
    views.py:212 view (92%)` (`first`), or `20 on /path (6%)`; `code` formats the
    path and frame (a code span in markdown)."""
    count = (
        tr(lang, "{n} of {total}", n=place.occurrences, total=total)
        if first
        else str(place.occurrences)
    )
    path = code(place.path) if place.path else ""
    frame = code(short_frame(place.frame)) if place.frame else ""
    if path and frame:
        text = tr(lang, "{count} on {path} in {frame}", count=count, path=path, frame=frame)
    elif path:
        text = tr(lang, "{count} on {path}", count=count, path=path)
    else:
        text = ptr(lang, "code", "{count} in {frame}", count=count, frame=frame)
    return f"{text} ({_percent(place.occurrences, total)})"


def _percent(part: int, total: int) -> str:
    """A share as a whole percentage, never 0% or 100% unless it is."""
    if part >= total:
        return "100%"
    return f"{min(99, max(1, round(100 * part / total)))}%"


def short_frame(frame: str) -> str:
    """`/app/promocoes/views.py:212 in quadro_acesso` → `promocoes/views.py:212 quadro_acesso`."""
    where, _, function = frame.partition(" in ")
    file, _, line = where.rpartition(":")
    if not file:
        return frame
    tail = "/".join(file.replace("\\", "/").split("/")[-2:])
    return f"{tail}:{line} {function}".rstrip()


def latency_phrase(latency: LatencyOut, lang: str) -> str:
    """`449945 requests timed: p50 79 ms, p95 377 ms, p99 1874 ms, slowest 30850 ms`."""
    return ntr(
        lang,
        "{n} request timed: p50 {p50} ms, p95 {p95} ms, p99 {p99} ms, slowest {slowest} ms",
        "{n} requests timed: p50 {p50} ms, p95 {p95} ms, p99 {p99} ms, slowest {slowest} ms",
        latency.requests,
        p50=latency.p50_ms,
        p95=latency.p95_ms,
        p99=latency.p99_ms,
        slowest=latency.max_ms,
    )


def evidence_times(evidence: list[Evidence]) -> list[str]:
    """Each evidence line's time, left blank where it is the line above's (a
    traceback's lines, a second's burst) or unknown, so that changes stand out."""
    shown: list[str] = []
    before: str | None = None
    for item in evidence:
        shown.append(item.time if item.time and item.time != before else "")
        before = item.time
    return shown

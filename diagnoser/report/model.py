"""The JSON report: a versioned contract, published as a JSON Schema in docs/.

Scripts and later features build on these models; change them only by adding
optional fields, or by bumping `version`.

Log text in these models is an excerpt: at most `EXCERPT_CHARS` characters
of any one piece of it (an evidence line, a frame, an exception message, a value
a title quotes), then `… [+N chars]` saying how many were cut
(`diagnoser.report.safe.excerpt`, applied where the models are built).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diagnoser.report.safe import EXCERPT_CHARS
from diagnoser.vocabulary import Cause, IncidentState, Severity, WorkerState


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Evidence(_Model):
    line: int = Field(description="1-based line number in its input")
    text: str = Field(
        description=f"the line as read (untrusted text); past {EXCERPT_CHARS} characters, its "
        f"first {EXCERPT_CHARS} and a marker of how many were cut: `… [+N chars]`"
    )
    path: str | None = Field(default=None, description="the input, when several were read")
    time: str | None = Field(
        default=None,
        description="when it was logged, ISO 8601 in the log's own time: with the offset "
        "its stamp gives (none for a stamp without one), UTC (Z) for a time from a "
        "wrapper's epoch; a traceback's lines take its header's time. Absent when unknown",
    )


class WorkerId(_Model):
    instance: str = Field(description="platform instance, or the input the lines came from")
    pid: int


class PlaceOut(_Model):
    """Where some of a finding's occurrences happened."""

    path: str = Field(default="", description="the request's path, without its query")
    frame: str = Field(
        default="",
        description="the code the worker was stuck in: the abort traceback's app frame "
        "(else its stuck frame), as `file:line in function`",
    )
    occurrences: int = Field(ge=1, description="how many of the occurrences happened there")


class FixOut(_Model):
    id: str
    title: str
    file: str = Field(description="the file the snippet goes in")
    snippet: str
    runbook_section: str
    caveat: str = ""
    current: str = Field(
        default="", description="the value in force now and where it was read, when known"
    )
    status: Literal["suggested", "in_force", "no_value"] = Field(
        default="suggested",
        description="suggested: apply the snippet; in_force: the configuration already does "
        "it (no snippet); no_value: the log gives no value to propose (no snippet, see note)",
    )
    note: str = Field(default="", description="why there is no snippet, when there is none")


class FindingOut(_Model):
    rule: str = Field(description="stable rule id")
    cause: Cause
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    title: str = Field(
        description="its title; a log value it quotes is cut as evidence lines are, and "
        "one holding a backtick is quoted as a code span of its own"
    )
    explanation: str = Field(description="why, in the rule's words, quoting values as titles do")
    settled: bool = Field(
        default=True,
        description="false when the deciding outcome was not in the log (e.g. a WORKER "
        "TIMEOUT whose kill or exit never got logged)",
    )
    occurrences: int = Field(
        ge=1, description="how many times the rule fired, including those past the kept bound"
    )
    workers: list[WorkerId] = Field(
        description="the distinct workers of its matched events (not of the evidence around "
        "them), over every occurrence"
    )
    places: list[PlaceOut] = Field(
        default_factory=list,
        description="where its occurrences happened (request path and stuck frame), most "
        "frequent first, at most 5; empty when the log names neither",
    )
    evidence: list[Evidence]
    incidents: list[str] = Field(
        default_factory=list,
        description="the ids of its kept occurrences (the first 200), oldest first: "
        "the ids `watch` gives the same incidents in its `incident` records",
    )
    evidence_omitted: int = Field(default=0, description="evidence lines left out for length")
    fix: FixOut | None = None
    also: list[FixOut] = Field(default_factory=list, description="further fixes worth applying")
    for_: list[str] = Field(
        default_factory=list,
        alias="for",
        serialization_alias="for",
        description="evidence in the input that speaks for this cause",
    )
    against: list[str] = Field(
        default_factory=list, description="evidence (or its absence) that speaks against it"
    )


class WorkerOut(_Model):
    instance: str
    pid: int
    generation: int = Field(description="0 for the first life of this pid, 1 after reuse, ...")
    state: WorkerState
    end: str
    first_line: int
    last_line: int
    boot_line: int | None = None
    timeouts: int
    requests: int
    abort_frame: str = Field(default="", description="log text, cut as evidence lines are")
    stuck_in: str = Field(default="", description="log text, cut as evidence lines are")
    exception: str = Field(default="", description="log text, cut as evidence lines are")


class LinesOut(_Model):
    read: int
    recognized: int = Field(description="lines that became typed events")
    traceback: int = Field(description="lines of assembled tracebacks")
    app: int = Field(description="lines in a known log format that no template knows")
    unrecognized: int
    blank: int
    wrapper: int = Field(
        default=0, description="structure lines of multi-line records (pretty-printed JSON)"
    )
    cut: int = Field(
        default=0,
        description="lines longer than the line limit (64 KiB), cut to their head when "
        "read; each is still counted once above",
    )


InputStatus = Literal["read", "incomplete", "failed", "unrecognized", "empty", "outside"]
Verdict = Literal["findings", "healthy", "unrecognized"]


class InputOut(_Model):
    """How one input was read."""

    name: str = Field(description="as given (- is standard input)")
    status: InputStatus = Field(
        description="read: to its end, and recognized; incomplete: it ended early (a "
        "truncated compressed file, a read error), the lines before are used; failed: "
        "it could not be read at all; unrecognized: no line of it was recognized "
        "(binary data, another program's log, the wrong file); empty: no lines; "
        "outside: no line of it falls in the time window"
    )
    lines: int = Field(description="lines read from it")
    recognized: int = Field(
        description="its lines read as a known log: events, tracebacks and lines in a "
        "known format that no template knows"
    )
    cut: int = Field(default=0, description="its lines cut to the line limit")
    outside: int = Field(
        default=0, description="its lines outside the time window: counted, not read"
    )
    compression: str = Field(default="", description="gzip, bzip2, xz or zstd, from its bytes")
    encoding: str = Field(default="utf-8", description="as found from its bytes")
    problem: str = Field(default="", description="why it failed or ended early")


class GunicornOut(_Model):
    version: str = ""
    worker_class: str = ""
    starts: int = 0


class LatencyOut(_Model):
    """How long requests took on one instance, from its router, proxy or access lines."""

    requests: int = Field(ge=1, description="requests with a duration")
    p50_ms: int = Field(description="median duration, ms")
    p95_ms: int
    p99_ms: int
    max_ms: int = Field(description="the slowest request, ms")


class SettingOut(_Model):
    value: str
    source: str


class TimelineOut(_Model):
    """Events per minute, by kind, for the post-mortem chart."""

    start: str = Field(description="UTC minute of the first bucket, ISO 8601")
    minutes: int
    series: dict[str, list[int]] = Field(
        description="kind (timeouts, kills, boots, slow_queries, ...) -> count per minute"
    )


class WindowOut(_Model):
    """`--since`/`--until`: the lines read were those inside it."""

    since: str | None = Field(default=None, description="ISO 8601, UTC; absent: open")
    until: str | None = Field(default=None, description="ISO 8601, UTC; absent: open")
    outside: int = Field(description="lines left out, in all inputs (not in `lines.read`)")


class Report(_Model):
    version: Literal[1] = 1
    verdict: Verdict = Field(
        default="healthy",
        description="findings: at least one finding; healthy: the input was recognized "
        "and shows no cause; unrecognized: nothing in it was recognized, so nothing can "
        "be said (never reported as healthy)",
    )
    complete: bool = Field(default=True, description="false when an input failed or ended early")
    inputs: list[str]
    sources: list[InputOut] = Field(
        default_factory=list, description="per input, in the order given: how it was read"
    )
    warnings: list[str] = Field(
        default_factory=list, description="what the reader could not do, one line each"
    )
    window: WindowOut | None = None
    lines: LinesOut
    gunicorn: dict[str, GunicornOut] = Field(
        default_factory=dict, description="per instance: what the log says of the server"
    )
    latency: dict[str, LatencyOut] = Field(
        default_factory=dict,
        description="per instance (or input, when lines name no instance): request "
        "durations' percentiles, when the log times requests",
    )
    findings: list[FindingOut] = Field(description="most likely cause first")
    workers: list[WorkerOut]
    workers_evicted: int = 0
    timeline: TimelineOut | None = None
    configuration: dict[str, SettingOut] = Field(
        default_factory=dict, description="settings in force, from the log and given files"
    )
    lang: str = "en"


# The live view of `watch`: what a refresh shows, built by `diagnoser.live` so
# that the renderers here read only these models.


class IncidentRecord(_Model):
    """One `watch` record: an incident's transition (`"type": "incident"` in JSON lines).

    An incident is one occurrence of a rule, with an id derived from the bytes (the
    rule, the instance, the worker life, the line and time of its first event): the
    same lines give the same id in `analyze` (`findings[].incidents`) and `watch`.
    """

    type: Literal["incident"] = "incident"
    id: str = Field(description="stable id, `inc-` and 10 hex digits")
    state: IncidentState
    previous: IncidentState | None = Field(
        default=None, description="the state before this transition (none when first seen)"
    )
    superseded_by: str | None = Field(
        default=None, description="the incident of the narrower rule that explained it"
    )
    rule: str
    severity: Severity
    cause: Cause
    instance: str = Field(description="platform instance, or the input the lines came from")
    pid: int | None = Field(default=None, description="the worker, when one took part")
    wall_time: str = Field(description="when `watch` recorded the transition, UTC ISO 8601")
    log_time: str | None = Field(
        default=None,
        description="the log time of the line that decided it, in the log's own offset",
    )
    line: int = Field(description="the last line read when it was decided")
    source: str = ""
    finding: FindingOut = Field(description="this incident alone, as a finding")


class LiveWorker(_Model):
    """One row of the live view's worker table."""

    instance: str
    pid: int
    state: WorkerState
    age: float | None = Field(
        description="log seconds from its first line to its end, or to the latest line read"
    )
    requests: int
    requests_of: Literal["worker", "instance"] = Field(
        default="worker",
        description="worker: requests its own lines name; instance: requests the instance "
        "served since the worker started (access lines that name no worker)",
    )
    restarts: int = Field(description="earlier lives of the same pid")
    last_event: str


class LiveSnapshot(_Model):
    """What the live view shows at one refresh."""

    lines: int
    rate: float = Field(description="lines per second since the start")
    unrecognized: int
    evicted: int = Field(description="old workers evicted from memory")
    workers: list[LiveWorker] = Field(description="most recently active first")
    incidents: list[IncidentRecord] = Field(
        description="the latest incidents, each in its current state, newest first"
    )
    fix: FixOut | None = Field(default=None, description="the newest confirmed incident's fix")
    fix_incident: str = Field(default="", description="the id of that incident")
    lang: str = "en"

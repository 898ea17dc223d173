"""The recognizers: an ordered table of plain functions, one record each.

`LineParser` offers a record to `RECOGNIZERS` in order; the first that claims
it wins. A recognizer returns an `Event`, None (claimed, counted, no event yet:
a header or block is held, or an app line) or `UNCLAIMED` (not its line). Each
starts with a literal test, so a line whose keyword is absent costs a substring
scan, not a regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from diagnoser.envelopes import Record
from diagnoser.events import Event, Kind
from diagnoser.recognizers import app, django, gunicorn
from diagnoser.recognizers.platform import match_companion
from diagnoser.timestamps import find_timestamp, parse_access_time

if TYPE_CHECKING:
    from diagnoser.recognizers.parser import LineParser

ACCESS = re.compile(
    r'(?P<h>\S+) (?P<l>\S+) (?P<u>\S+) \[(?P<t>[^\]]+)\] "(?P<r>(?:[^"\\]|\\.)*)" '
    r'(?P<s>\d{3}) (?P<b>\S+)(?: "(?P<f>(?:[^"\\]|\\.)*)" "(?P<a>(?:[^"\\]|\\.)*)")?'
)
UVICORN_ACCESS = re.compile(
    r'(?P<client>\S+:\d+) - "(?P<r>[^"]*)" (?P<s>\d{3})(?: (?P<phrase>.*))?$'
)
PROGRESS_LINES = 5  # a timeout this close after a progress bar happened during it
_INT_FIELDS = frozenset({"master", "code", "count", "backlog", "limit"})
# Loggers of database drivers and pools: a worker's line from one of them right
# after its WORKER TIMEOUT says the abort landed in a query.
DB_LOGGERS = ("psycopg", "psycopg2", "sqlalchemy.", "MySQLdb", "pymysql", "asyncpg", "sqlite3")
_UVICORN_LEVELS = ("DEBUG:", "INFO:", "WARNING:", "ERROR:", "CRITICAL:")

# Returned by a recognizer for a line that is not its own.
UNCLAIMED = Event(Kind.TRACEBACK, 0, "", "")
Recognizer = Callable[["LineParser", Record], Event | None]


def own_timestamp(message: str, env_ts: float | None) -> float | None:
    """The wrapper's timestamp, else the first one in the message.

    The wrapper's comes first: a date inside the message (a SQL literal) is not
    the line's time. A stamp needs `:` and `-` or `/`, so most messages skip the
    regex search.
    """
    if env_ts is not None:
        return env_ts
    if ":" in message and ("-" in message or "/" in message):
        return find_timestamp(message)
    return None


# -- the recognizers, in the order they are offered a record ----------------------------


def gunicorn_line(p: LineParser, r: Record) -> Event | None:
    """`[pid] [LEVEL] message` or `--log-syslog`'s `gunicorn.<name>.error: [pid] message`."""
    message = r.message
    level = ""
    core = gunicorn.CORE.search(message) if "] [" in message else None
    if core is not None:
        level = core.group(2)
    elif ".error: [" in message:
        core = gunicorn.SYSLOG_CORE.search(message)
    if core is None:
        return UNCLAIMED
    body = message[core.end() :]
    prefix = message[: core.start()]
    ts = (own_timestamp(prefix, None) if prefix else None) or r.ts
    emitter = int(core.group(1))
    if body.startswith(DB_LOGGERS):
        # a database driver's logger, printed by this worker through Gunicorn's format
        logger = body.split(" ", 1)[0].rstrip(":")
        p.counts.recognized += 1
        return Event(
            Kind.DB_DRIVER_LOG,
            r.number,
            r.text,
            r.source,
            ts,
            r.instance,
            level,
            emitter,
            emitter,
            {"logger": logger},
        )
    event = from_template(p, r, body, ts, emitter, level)
    return _mark_progress(p, r, prefix, event)


def gunicorn_anywhere(p: LineParser, r: Record) -> Event | None:
    """A Gunicorn message core anywhere in the line, whatever precedes it.

    Another logger's format (`CRITICAL:gunicorn.error:`, `2025-07-30 11:10:08,123
    CRITICAL gunicorn.error`, rich's or structlog's columns, a JSON logger's
    `message`), a viewer's copy or a first line cut in the middle: the message
    core is found by its keywords, the level, pid column and time are read from
    whatever came before it, and the spacing a paste changed is folded back.
    """
    message = r.message
    found = gunicorn.KEYWORDS.search(message)
    if found is None:
        return UNCLAIMED
    body = gunicorn.normalize(message[found.start() :])
    if gunicorn.match_message(body) is None:
        return UNCLAIMED
    prefix = message[: found.start()]
    level = ""
    emitter: int | None = None
    if prefix:
        levels = gunicorn.PREFIX_LEVEL.findall(prefix)
        if levels:
            level = levels[-1].upper().replace("WARN", "WARNING").replace("WARNINGING", "WARNING")
        pids = gunicorn.PREFIX_PID.findall(prefix)
        if pids:
            emitter = int(pids[-1])
    ts = (own_timestamp(prefix, None) if prefix else None) or r.ts
    event = from_template(p, r, body, ts, emitter, level)
    return _mark_progress(p, r, prefix, event)


def _mark_progress(p: LineParser, r: Record, prefix: str, event: Event | None) -> Event | None:
    if (
        event is not None
        and event.kind is Kind.WORKER_TIMEOUT
        and (app.is_progress(prefix) or r.number - p.progress_line <= PROGRESS_LINES)
    ):
        # Timed out while the app was still loading (a progress bar is showing).
        event.fields["during_progress"] = 1
    return event


def access_line(p: LineParser, r: Record) -> Event | None:
    """Gunicorn's access log (`%(h)s … "%(r)s" %(s)s …`), also behind `--log-syslog`."""
    message = r.message
    if '"' not in message:
        return UNCLAIMED
    event = access(p, r, message)
    if event is not None:
        return event
    if ".access: [" in message:
        syslog = gunicorn.SYSLOG_ACCESS_CORE.search(message)
        if syslog is not None:
            event = access(p, r, message[syslog.end() :], int(syslog.group(1)))
            if event is not None:
                return event
    return UNCLAIMED


def uvicorn_line(p: LineParser, r: Record) -> Event | None:
    """Standalone uvicorn: `INFO:     message`, an access line or a template."""
    message = r.message
    if not message.startswith(_UVICORN_LEVELS):
        return UNCLAIMED
    uvi = gunicorn.UVICORN_CORE.match(message)
    if uvi is None:
        return UNCLAIMED
    body = message[uvi.end() :]
    if '"' in body:
        event = access(p, r, body)
        if event is not None:
            return event
    event = from_template(p, r, body, r.ts, None, uvi.group(1), quiet=True)
    if event is not None or p.holds_header:
        return event
    companion = match_companion(body)
    if companion is not None:
        return p.recognized(companion.kind, r, r.ts, dict(companion.fields), companion.pid)
    p.counts.app += 1
    return None


def sql_query(p: LineParser, r: Record) -> Event | None:
    """A Django `django.db.backends` debug line."""
    sql = django.match_sql(r.message)
    if sql is None:
        return UNCLAIMED
    return p.recognized(Kind.SQL_QUERY, r, own_timestamp(r.message, r.ts), sql)


def django_request_error(p: LineParser, r: Record) -> Event | None:
    """`Internal Server Error: /path`: a header, its traceback follows."""
    found = django.match_request_error(r.message)
    if found is None:
        return UNCLAIMED
    p.hold_header(p.recognized(Kind.DJANGO_REQUEST_ERROR, r, r.ts, found))
    return None


def companion_line(p: LineParser, r: Record) -> Event | None:
    """What the kernel, a platform, a proxy or the database said (see `platforms`)."""
    companion = match_companion(r.message)
    if companion is None:
        return UNCLAIMED
    ts = own_timestamp(r.message, r.ts)
    return p.recognized(companion.kind, r, ts, dict(companion.fields), companion.pid)


def exception_line(p: LineParser, r: Record) -> Event | None:
    """A bare `Type: message` exception line."""
    exception = app.match_exception(r.message)
    if exception is None:
        return UNCLAIMED
    p.exception_line = (r.number, r.message)
    return p.recognized(Kind.EXCEPTION_LINE, r, r.ts, exception)


def progress_line(p: LineParser, r: Record) -> Event | None:
    """A progress bar: remembered, a timeout soon after happened during the load."""
    if not app.is_progress(r.message):
        return UNCLAIMED
    p.progress_line = r.number
    return p.recognized(Kind.APP_PROGRESS, r, r.ts, {})


def config_json(p: LineParser, r: Record) -> Event | None:
    """A server configuration printed as one JSON object."""
    config = app.match_config_json(r.message)
    if config is None:
        return UNCLAIMED
    return p.recognized(Kind.CONFIG_DUMP, r, r.ts, config)


def level_only(p: LineParser, r: Record) -> Event | None:
    """`[ERROR] Exception in worker process`: a log viewer dropped time and pid."""
    message = r.message
    if "] " not in message:
        return UNCLAIMED
    m = gunicorn.LEVEL_CORE.match(message)
    if m is None:
        return UNCLAIMED
    return from_template(p, r, message[m.end() :], r.ts, None, m.group(1))


def raw_gunicorn(p: LineParser, r: Record) -> Event | None:
    """Raw Gunicorn stderr text with no prefix (app load errors)."""
    raw = gunicorn.match_raw(r.message)
    if raw is None:
        return UNCLAIMED
    template, m = raw
    return p.recognized(template.kind, r, r.ts, _fields(m))


def master_error(p: LineParser, r: Record) -> Event | None:
    """The master could not start: `Error: …` on stderr, bad arguments, not installed."""
    found = gunicorn.match_master_error(r.message)
    if found is None:
        return UNCLAIMED
    error, detail = found
    fields: dict[str, str | int | float] = {"error": error}
    if detail:
        fields["detail"] = detail
    return p.recognized(Kind.MASTER_ERROR, r, r.ts, fields)


RECOGNIZERS: tuple[Recognizer, ...] = (
    gunicorn_line,
    access_line,
    uvicorn_line,
    sql_query,
    gunicorn_anywhere,
    django_request_error,
    companion_line,
    exception_line,
    progress_line,
    config_json,
    level_only,
    raw_gunicorn,
    master_error,
)


# -- template parsers -----------------------------------------------------------------


def from_template(
    p: LineParser,
    r: Record,
    body: str,
    ts: float | None,
    emitter: int | None,
    level: str,
    *,
    quiet: bool = False,
) -> Event | None:
    """The Gunicorn template `body` was printed from; headers and blocks are held."""
    found = gunicorn.match_message(body)
    if found is None and gunicorn.KEYWORDS.search(body) is not None:
        found = gunicorn.match_message(gunicorn.normalize(body))  # a paste's spacing
    if found is None:
        if not quiet:
            p.counts.app += 1
        return None
    template, m = found
    p.counts.recognized += 1
    groups = m.groupdict()
    pid_text = groups.pop("pid", None)
    pid = int(pid_text) if pid_text else (emitter if template.about_worker else None)
    if template.kind is Kind.WORKER_SIGNALED:
        fields = gunicorn.signal_fields(groups)
    else:
        fields = _fields(m, groups)
    event = Event(
        template.kind, r.number, r.text, r.source, ts, r.instance, level, pid, emitter, fields
    )
    if template.takes_traceback:
        p.hold_header(event)
        return None
    if template.takes_block:
        p.hold_block(event)
        return None
    return event


def access(p: LineParser, r: Record, body: str, worker: int | None = None) -> Event | None:
    """An access line (Gunicorn's or Uvicorn's) in `body`, or None."""
    m = ACCESS.match(body)
    fields: dict[str, str | int | float] = {}
    ts = r.ts
    if m is not None:
        ts = parse_access_time(m.group("t")) or r.ts
        size = m.group("b")
        gunicorn_500 = (
            m.group("s") == "500" and size == "0" and m.group("f") == "-" and m.group("a") == "-"
        )
        if gunicorn_500:
            fields["gunicorn_500"] = 1
        fields["client"] = m.group("h")
    else:
        m = UVICORN_ACCESS.match(body)
        if m is None:
            return None
        fields["client"] = m.group("client")
    request = m.group("r").split(" ")
    if len(request) >= 2:
        fields["method"] = request[0]
        fields["path"] = request[1]
    fields["status"] = int(m.group("s"))
    p.counts.recognized += 1
    # Only a syslog access line names its pid: the worker that served the request.
    return Event(
        Kind.ACCESS,
        r.number,
        r.text,
        r.source,
        ts,
        r.instance,
        pid=worker,
        emitter=worker,
        fields=fields,
    )


def _fields(
    m: re.Match[str], groups: dict[str, str | None] | None = None
) -> dict[str, str | int | float]:
    source = groups if groups is not None else m.groupdict()
    out: dict[str, str | int | float] = {}
    for key, value in source.items():
        if value is None or value == "":
            continue
        out[key] = int(value) if key in _INT_FIELDS else value
    return out

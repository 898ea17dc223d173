"""Recognizers: one log line in, a typed event (or nothing) out.

`LineParser` finds the Gunicorn core of each line wherever it sits, matches the
message against the templates, and assembles the tracebacks that follow a
record. It keeps a count of what every line turned out to be, so the report
accounts for every line read.
"""

from __future__ import annotations

import re

from diagnoser.envelopes import LineCounts, Record
from diagnoser.events import Event, Kind
from diagnoser.recognizers import app, django, gunicorn, platform
from diagnoser.recognizers.companion import Companion
from diagnoser.recognizers.frames import classify
from diagnoser.recognizers.traceback import TRACEBACK_START, TracebackBuilder
from diagnoser.timestamps import find_timestamp, parse_access_time

ACCESS = re.compile(
    r'(?P<h>\S+) (?P<l>\S+) (?P<u>\S+) \[(?P<t>[^\]]+)\] "(?P<r>(?:[^"\\]|\\.)*)" '
    r'(?P<s>\d{3}) (?P<b>\S+)(?: "(?P<f>(?:[^"\\]|\\.)*)" "(?P<a>(?:[^"\\]|\\.)*)")?'
)
UVICORN_ACCESS = re.compile(
    r'(?P<client>\S+:\d+) - "(?P<r>[^"]*)" (?P<s>\d{3})(?: (?P<phrase>.*))?$'
)
CONFIG_LINE = re.compile(r"  (?P<name>\w+): (?P<value>.*)$")
_INT_FIELDS = frozenset({"master", "code", "count", "backlog", "limit"})
_NO_EVENTS: tuple[Event, ...] = ()
PROGRESS_LINES = 5  # a timeout this close after a progress bar happened during it
_DERIVED_FROM_TRACEBACK = frozenset({Kind.DB_CONNECTION_ERROR, Kind.DB_STATEMENT_TIMEOUT})


class LineParser:
    """Turns numbered lines into events; feed lines in order, then call `finish`."""

    def __init__(self, counts: LineCounts | None = None) -> None:
        # Shared with the envelope stage, which counts `read` and `wrapper`.
        self.counts = counts if counts is not None else LineCounts()
        self._header: Event | None = None  # a record that may be followed by a traceback
        self._tb: TracebackBuilder | None = None
        self._tb_event: Event | None = None
        self._tb_emitted = False
        self._block: Event | None = None  # a record followed by an indented block
        self._echo = ""  # the message of the traceback that just ended
        self._progress_line = -(10**9)  # the last progress-bar line seen

    # -- public -----------------------------------------------------------------

    def feed(self, record: Record) -> tuple[Event, ...] | list[Event]:
        """The events completed by this record (usually none or one)."""
        if record.counted:
            return self._message(record, record.message, record.ts, record.instance)
        # A later message of a physical line already counted: keep it out of the totals.
        real, self.counts = self.counts, LineCounts()
        try:
            return self._message(record, record.message, record.ts, record.instance)
        finally:
            self.counts = real

    def _message(
        self, line: Record, message: str, env_ts: float | None, instance: str
    ) -> tuple[Event, ...] | list[Event]:
        """One logical log message, its wrapper already removed."""
        out: list[Event] | None = None

        if self._tb is not None:
            if self._tb.offer(line.number, message):
                self.counts.traceback += 1
                if self._tb.done and not self._tb_emitted:
                    return self._emit_traceback()
                return _NO_EVENTS
            out = self._close_traceback()
            if self._echo and message == self._echo:
                # Gunicorn 24.1+ prints a boot exception's text again, raw.
                self._echo = ""
                self.counts.traceback += 1
                return out or _NO_EVENTS
        self._echo = ""

        if self._block is not None:
            m = CONFIG_LINE.match(message)
            if m is not None:
                self._block.fields[m.group("name")] = app.config_value(m.group("value"))
                self.counts.recognized += 1
                return out or _NO_EVENTS
            out = (out or []) + [self._block]
            self._block = None

        if message.startswith(TRACEBACK_START):
            header = self._header
            self._header = None
            if header is None:
                header = Event(Kind.TRACEBACK, line.number, message, line.source, env_ts, instance)
            self._tb = TracebackBuilder(line.number, message)
            self._tb_event = header
            self._tb_emitted = False
            self.counts.traceback += 1
            return out or _NO_EVENTS

        if self._header is not None:
            out = (out or []) + [self._header]
            self._header = None

        event = self._recognize(line, message, env_ts, instance)
        if event is None:
            return out or _NO_EVENTS
        return (out or []) + [event] if out else (event,)

    def finish(self) -> list[Event]:
        """Events still held back at end of input (a header, a traceback, a block)."""
        out: list[Event] = []
        if self._tb is not None:
            out.extend(self._close_traceback())
        if self._block is not None:
            out.append(self._block)
            self._block = None
        if self._header is not None:
            out.append(self._header)
            self._header = None
        return out

    # -- internals ----------------------------------------------------------------

    def _recognized(
        self,
        kind: Kind,
        line: Record,
        ts: float | None,
        instance: str,
        fields: dict[str, str | int | float],
        pid: int | None = None,
    ) -> Event:
        """A line that became an event, counted as recognized."""
        self.counts.recognized += 1
        return Event(
            kind, line.number, line.text, line.source, ts, instance, pid=pid, fields=fields
        )

    def _companion(
        self, line: Record, companion: Companion, ts: float | None, instance: str
    ) -> Event:
        return self._recognized(
            companion.kind, line, ts, instance, dict(companion.fields), companion.pid
        )

    def _emit_traceback(self) -> list[Event]:
        assert self._tb is not None and self._tb_event is not None
        event = self._tb_event
        event.traceback = self._tb.build()
        self._tb_emitted = True
        if event.kind is Kind.REQUEST_ERROR and event.traceback.is_abort:
            event.kind = Kind.WORKER_ABORT
        if event.kind in (Kind.WORKER_ABORT, Kind.TRACEBACK) and event.traceback.is_abort:
            event.fields["stuck_in"] = classify(event.traceback.frames)
            frame = event.traceback.stuck_frame()
            app = event.traceback.app_frame()
            if frame is not None:
                event.fields["stuck_frame"] = f"{frame.file}:{frame.line} in {frame.function}"
            if app is not None:
                event.fields["app_frame"] = f"{app.file}:{app.line} in {app.function}"
        out = [event]
        if event.traceback.exception:
            event.fields["exception"] = event.traceback.exception
            # A database error ending a traceback is also a database event.
            derived = platform.match_companion(event.traceback.exception)
            if derived is not None and derived.kind in _DERIVED_FROM_TRACEBACK:
                out.append(
                    Event(
                        derived.kind,
                        event.line,
                        event.traceback.exception,
                        event.source,
                        event.ts,
                        event.instance,
                        pid=event.pid,
                        emitter=event.emitter,
                        fields=dict(derived.fields),
                        traceback=event.traceback,
                    )
                )
        return out

    def _close_traceback(self) -> list[Event]:
        """The traceback ended (a line that is not part of it arrived)."""
        assert self._tb is not None and self._tb_event is not None
        if self._tb_emitted:
            # A chain after the first exception line: refresh the already emitted event.
            self._tb_event.traceback = self._tb.build()
            if self._tb_event.traceback.exception:
                self._tb_event.fields["exception"] = self._tb_event.traceback.exception
            out: list[Event] = []
        else:
            out = self._emit_traceback()
        exception = self._tb.exception
        self._echo = exception.split(": ", 1)[1] if ": " in exception else ""
        self._tb = None
        self._tb_event = None
        return out

    def _recognize(
        self, line: Record, message: str, env_ts: float | None, instance: str
    ) -> Event | None:
        if not message:
            self.counts.blank += 1
            return None
        core = gunicorn.CORE.search(message)
        level = ""
        if core is not None:
            emitter = int(core.group(1))
            level = core.group(2)
            body = message[core.end() :]
            prefix = message[: core.start()]
        else:
            core = gunicorn.SYSLOG_CORE.search(message)
            if core is not None:
                emitter = int(core.group(1))
                body = message[core.end() :]
                prefix = message[: core.start()]
        if core is not None:
            ts = (find_timestamp(prefix) if prefix else None) or env_ts
            event = self._from_template(line, message, body, ts, instance, emitter, level)
            if (
                event is not None
                and event.kind is Kind.WORKER_TIMEOUT
                and (app.is_progress(prefix) or line.number - self._progress_line <= PROGRESS_LINES)
            ):
                # Timed out while the app was still loading (a progress bar is showing).
                event.fields["during_progress"] = 1
            return event

        if '"' in message:
            event = self._access(line, message, message, env_ts, instance)
            if event is not None:
                return event
            syslog = gunicorn.SYSLOG_ACCESS_CORE.search(message)
            if syslog is not None:
                body = message[syslog.end() :]
                event = self._access(line, message, body, env_ts, instance, int(syslog.group(1)))
                if event is not None:
                    return event

        uvi = gunicorn.UVICORN_CORE.match(message)
        if uvi is not None:
            body = message[uvi.end() :]
            if '"' in body:
                event = self._access(line, message, body, env_ts, instance)
                if event is not None:
                    return event
            event = self._from_template(
                line, message, body, env_ts, instance, None, uvi.group(1), quiet=True
            )
            if event is not None or self._header is not None:
                return event
            companion = platform.match_companion(body)
            if companion is not None:
                return self._companion(line, companion, env_ts, instance)
            self.counts.app += 1
            return None

        sql = django.match_sql(message)
        if sql is not None:
            return self._recognized(
                Kind.SQL_QUERY, line, find_timestamp(message) or env_ts, instance, sql
            )
        django_error = django.match_request_error(message)
        if django_error is not None:
            self._header = self._recognized(
                Kind.DJANGO_REQUEST_ERROR, line, env_ts, instance, django_error
            )
            return None

        companion = platform.match_companion(message)
        if companion is not None:
            return self._companion(line, companion, find_timestamp(message) or env_ts, instance)
        exception = app.match_exception(message)
        if exception is not None:
            return self._recognized(Kind.EXCEPTION_LINE, line, env_ts, instance, exception)
        if app.is_progress(message):
            self._progress_line = line.number
            return self._recognized(Kind.APP_PROGRESS, line, env_ts, instance, {})
        config = app.match_config_json(message)
        if config is not None:
            return self._recognized(Kind.CONFIG_DUMP, line, env_ts, instance, config)
        level_only = gunicorn.LEVEL_CORE.match(message)
        if level_only is not None:
            # `[ERROR] Exception in worker process`: a log viewer dropped time and pid.
            body = message[level_only.end() :]
            return self._from_template(
                line, message, body, env_ts, instance, None, level_only.group(1)
            )

        raw = gunicorn.match_raw(message)
        if raw is not None:
            template, m = raw
            return self._recognized(template.kind, line, env_ts, instance, _fields(m))
        self.counts.unrecognized += 1
        return None

    def _from_template(
        self,
        line: Record,
        message: str,
        body: str,
        ts: float | None,
        instance: str,
        emitter: int | None,
        level: str,
        *,
        quiet: bool = False,
    ) -> Event | None:
        found = gunicorn.match_message(body)
        if found is None:
            if not quiet:
                self.counts.app += 1
            return None
        template, m = found
        self.counts.recognized += 1
        groups = m.groupdict()
        pid_text = groups.pop("pid", None)
        pid = int(pid_text) if pid_text else (emitter if template.about_worker else None)
        if template.kind is Kind.WORKER_SIGNALED:
            fields = gunicorn.signal_fields(groups)
        else:
            fields = _fields(m, groups)
        event = Event(
            template.kind,
            line.number,
            line.text,
            line.source,
            ts,
            instance,
            level,
            pid,
            emitter,
            fields,
        )
        if template.takes_traceback:
            self._header = event
            return None
        if template.takes_block:
            self._block = event
            return None
        return event

    def _access(
        self,
        line: Record,
        message: str,
        body: str,
        env_ts: float | None,
        instance: str,
        worker: int | None = None,
    ) -> Event | None:
        m = ACCESS.match(body)
        fields: dict[str, str | int | float] = {}
        ts = env_ts
        if m is not None:
            ts = parse_access_time(m.group("t")) or env_ts
            size = m.group("b")
            gunicorn_500 = (
                m.group("s") == "500"
                and size == "0"
                and m.group("f") == "-"
                and m.group("a") == "-"
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
        self.counts.recognized += 1
        # Only a syslog access line names its pid: the worker that served the request.
        return Event(
            Kind.ACCESS,
            line.number,
            line.text,
            line.source,
            ts,
            instance,
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

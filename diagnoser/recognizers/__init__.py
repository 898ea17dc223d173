"""Recognizers: one log line in, a typed event (or nothing) out.

`LineParser` finds the Gunicorn core of each line wherever it sits, matches the
message against the templates, and assembles the tracebacks that follow a
record. It keeps a count of what every line turned out to be, so the report
accounts for every line read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diagnoser.envelopes import unwrap
from diagnoser.events import Event, Kind
from diagnoser.recognizers import django, gunicorn
from diagnoser.recognizers.frames import classify
from diagnoser.recognizers.traceback import TRACEBACK_START, TracebackBuilder
from diagnoser.sources import Line
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


@dataclass(slots=True)
class LineCounts:
    """What every line read turned out to be; the categories add up to `read`."""

    read: int = 0
    recognized: int = 0  # a typed event (or a line of its block)
    traceback: int = 0  # part of an assembled traceback
    app: int = 0  # a known log format whose message no template knows (app logging)
    unrecognized: int = 0
    blank: int = 0


class LineParser:
    """Turns numbered lines into events; feed lines in order, then call `finish`."""

    def __init__(self) -> None:
        self.counts = LineCounts()
        self._header: Event | None = None  # a record that may be followed by a traceback
        self._tb: TracebackBuilder | None = None
        self._tb_event: Event | None = None
        self._tb_emitted = False
        self._block: Event | None = None  # a record followed by an indented block
        self._echo = ""  # the message of the traceback that just ended

    # -- public -----------------------------------------------------------------

    def feed(self, line: Line) -> tuple[Event, ...] | list[Event]:
        """The events completed by this line (usually none or one)."""
        self.counts.read += 1
        message, env_ts, instance = unwrap(line.text)
        out: list[Event] | None = None

        if self._tb is not None:
            if self._tb.offer(line.number, message):
                self.counts.traceback += 1
                if self._tb.done and not self._tb_emitted:
                    return [self._emit_traceback()]
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
                self._block.fields[m.group("name")] = m.group("value")
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

    def _emit_traceback(self) -> Event:
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
        if event.traceback.exception:
            event.fields["exception"] = event.traceback.exception
        return event

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
            out = [self._emit_traceback()]
        exception = self._tb.exception
        self._echo = exception.split(": ", 1)[1] if ": " in exception else ""
        self._tb = None
        self._tb_event = None
        return out

    def _recognize(
        self, line: Line, message: str, env_ts: float | None, instance: str
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
            return self._from_template(line, message, body, ts, instance, emitter, level)

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
            return self._from_template(line, message, body, env_ts, instance, None, uvi.group(1))

        sql = django.match_sql(message)
        if sql is not None:
            self.counts.recognized += 1
            return Event(
                Kind.SQL_QUERY,
                line.number,
                line.text,
                line.source,
                find_timestamp(message) or env_ts,
                instance,
                fields=sql,
            )
        django_error = django.match_request_error(message)
        if django_error is not None:
            self.counts.recognized += 1
            self._header = Event(
                Kind.DJANGO_REQUEST_ERROR,
                line.number,
                line.text,
                line.source,
                env_ts,
                instance,
                fields=django_error,
            )
            return None

        raw = gunicorn.match_raw(message)
        if raw is not None:
            template, m = raw
            self.counts.recognized += 1
            return Event(
                template.kind,
                line.number,
                line.text,
                line.source,
                env_ts,
                instance,
                fields=_fields(m),
            )
        self.counts.unrecognized += 1
        return None

    def _from_template(
        self,
        line: Line,
        message: str,
        body: str,
        ts: float | None,
        instance: str,
        emitter: int | None,
        level: str,
    ) -> Event | None:
        found = gunicorn.match_message(body)
        if found is None:
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
        line: Line,
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

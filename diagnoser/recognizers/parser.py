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
from diagnoser.recognizers import app, platform
from diagnoser.recognizers.frames import classify, during_boot
from diagnoser.recognizers.lines import RECOGNIZERS, UNCLAIMED
from diagnoser.recognizers.traceback import ANY_FRAME, TRACEBACK_START, TracebackBuilder

CONFIG_LINE = re.compile(r"  (?P<name>\w+): (?P<value>.*)$")
_NO_EVENTS: tuple[Event, ...] = ()
# Widths at which pastes, mail and terminals hard-wrap lines.
WRAP_WIDTHS = frozenset({72, 76, 78, 79, 80, 100, 120, 132})
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
        self.progress_line = -(10**9)  # the last progress-bar line seen
        # the last bare exception line (`SystemExit: 1`): Sentry puts it before the frames
        self.exception_line: tuple[int, str] = (-1, "")
        self._wrapped: Record | None = None  # an unrecognized line of a wrapping width
        self._wrapped_lines = 0
        self._pre_exception = ""

    # -- public -----------------------------------------------------------------

    def feed(self, record: Record) -> tuple[Event, ...] | list[Event]:
        """The events completed by this record (usually none or one)."""
        if self._tb is None and _binary(record.message):
            # bytes that are not text match no template, however loose (a `7%|` in noise)
            if record.counted:
                self.counts.unrecognized += 1
            return _NO_EVENTS
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

        cut = 'File "' in message and ANY_FRAME.search(message) is not None
        if cut or message.startswith(TRACEBACK_START):
            # a traceback, or one whose top was cut off (a paste, a Sentry dump)
            header = self._header
            self._header = None
            if header is None:
                header = Event(Kind.TRACEBACK, line.number, message, line.source, env_ts, instance)
            self._tb = TracebackBuilder(line.number, message)
            if cut:
                self._tb.lines.clear()
                self._tb.offer(line.number, message)
                number, text = self.exception_line
                self._pre_exception = text if number == line.number - 1 else ""
            self._tb_event = header
            self._tb_emitted = False
            self.counts.traceback += 1
            return out or _NO_EVENTS

        if self._header is not None:
            out = (out or []) + [self._header]
            self._header = None

        event = self._recognize(line)
        if event is None:
            return out or _NO_EVENTS
        return (out or []) + [event] if out else (event,)

    @property
    def idle(self) -> bool:
        """Nothing is held back: the next line starts afresh (bulk lines may be skipped)."""
        return self._tb is None and self._header is None and self._block is None and not self._echo

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

    def recognized(
        self,
        kind: Kind,
        record: Record,
        ts: float | None,
        fields: dict[str, str | int | float],
        pid: int | None = None,
    ) -> Event:
        """A record that became an event, counted as recognized."""
        self.counts.recognized += 1
        return Event(
            kind,
            record.number,
            record.text,
            record.source,
            ts,
            record.instance,
            pid=pid,
            fields=fields,
        )

    def hold_header(self, event: Event) -> None:
        """Keep `event` back: a traceback may follow it."""
        self._header = event

    def hold_block(self, event: Event) -> None:
        """Keep `event` back: an indented `name: value` block follows it."""
        self._block = event

    @property
    def holds_header(self) -> bool:
        return self._header is not None

    def _emit_traceback(self) -> list[Event]:
        assert self._tb is not None and self._tb_event is not None
        event = self._tb_event
        event.traceback = self._tb.build()
        if not event.traceback.exception and self._pre_exception:
            event.traceback.exception = self._pre_exception  # written above the frames
        self._pre_exception = ""
        self._tb_emitted = True
        if event.kind in (Kind.REQUEST_ERROR, Kind.TRACEBACK) and event.traceback.is_abort:
            # Only Gunicorn's SIGABRT handler ends a traceback in `handle_abort`: a
            # timeout abort even when no Gunicorn line came with it.
            event.kind = Kind.WORKER_ABORT
        if event.traceback.frames and event.kind is not Kind.WORKER_ABORT:
            # where an exception came from: a database driver, the network, ...
            event.fields["failed_in"] = classify(event.traceback.frames)
        if event.kind is Kind.WORKER_ABORT:
            frames = event.traceback.frames
            event.fields["stuck_in"] = "boot" if during_boot(frames) else classify(frames)
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

    def _recognize(self, record: Record) -> Event | None:
        """The first recognizer in the table that claims the record decides it."""
        if not record.message:
            self.counts.blank += 1
            return None
        for recognizer in RECOGNIZERS:
            event = recognizer(self, record)
            if event is not UNCLAIMED:
                self._wrapped = None
                return event
        wrapped = self._wrapped
        if wrapped is not None and record.number == wrapped.number + self._wrapped_lines:
            # (a line read in bulk in between, or a record of another line: not a wrap)
            # The line before was cut at a terminal's or an editor's width: read
            # the two (or more) as the one line they were.
            joined = Record(
                wrapped.source,
                wrapped.number,
                wrapped.text + record.text,
                wrapped.message + record.message,
                wrapped.ts,
                wrapped.instance,
                wrapped.wrapper,
            )
            parts = self._wrapped_lines + 1
            for recognizer in RECOGNIZERS:
                event = recognizer(self, joined)
                if event is not UNCLAIMED:
                    self._wrapped = None
                    # the earlier parts were counted unrecognized; the joined record
                    # counted itself once
                    self.counts.unrecognized -= parts - 1
                    self.counts.recognized += parts - 1 if event is not None else 0
                    self.counts.app += parts - 1 if event is None else 0
                    return event
            if len(record.text) == len(wrapped.text):
                self._wrapped = joined  # cut again at the same width
                self._wrapped_lines = parts
                self.counts.unrecognized += 1
                return None
        self._wrapped = None
        if len(record.text) in WRAP_WIDTHS:
            self._wrapped = record
            self._wrapped_lines = 1
        self.counts.unrecognized += 1
        return None


def _binary(text: str) -> bool:
    """Whether a line is mostly not text: more than a tenth of it undecodable or NUL."""
    if "\ufffd" not in text and "\x00" not in text:
        return False
    return (text.count("\ufffd") + text.count("\x00")) * 10 > len(text)

"""The envelope stage: physical lines in, `Record`s out, in order.

One `EnvelopeStage` per input holds the state that spans lines (a pretty-printed
JSON object being assembled) and counts what it alone can see: every line
read, and the lines that were only the structure of a multi-line record.
"""

from __future__ import annotations

import re

from diagnoser.envelopes.json import JsonObjectAssembler, object_layer, starts_object
from diagnoser.envelopes.record import LineCounts, Record
from diagnoser.envelopes.unwrap import unwrap
from diagnoser.sources import Line

_NO_RECORDS: tuple[Record, ...] = ()
# Gunicorn's own prefix, where a viewer glued several records into one line.
_GUNICORN_PREFIX = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\] ")


class EnvelopeStage:
    """Feed physical lines in order; each call returns the records they completed."""

    __slots__ = ("_json", "_last", "counts")

    def __init__(self, counts: LineCounts | None = None) -> None:
        # The parser shares this object and counts the categories of the records.
        self.counts = counts if counts is not None else LineCounts()
        self._json: JsonObjectAssembler | None = None
        self._last = Line("", 0, "")  # the last line of the open record

    @property
    def idle(self) -> bool:
        """No multi-line JSON record is open."""
        return self._json is None

    def feed(self, line: Line) -> tuple[Record, ...] | list[Record]:
        """The records this line completes: usually one, none inside a JSON object."""
        self.counts.read += 1
        text = line.text
        if self._json is not None or starts_object(text):
            return self._json_line(line)
        return self._plain(line)

    def _plain(self, line: Line) -> tuple[Record, ...] | list[Record]:
        """The records of a line outside any multi-line record."""
        text = line.text
        message, ts, instance, wrapper = unwrap(text)
        if "\n" in message:
            # A whole traceback JSON-escaped into one record: read it line by line.
            return _split(line, message, ts, instance, wrapper)
        if message.count("] [") >= 4:
            glued = _unglue(message)
            if glued:
                # A viewer dropped the newlines between Gunicorn records.
                return _split(line, glued, ts, instance, wrapper)
        return (Record(line.source, line.number, text, message, ts, instance, wrapper),)

    def _json_line(self, line: Line) -> tuple[Record, ...] | list[Record]:
        """A line of a pretty-printed JSON record (`render logs -o json`)."""
        self._last = line
        if self._json is None:
            self._json = JsonObjectAssembler()
            self.counts.wrapper += 1
            return _NO_RECORDS
        assembler = self._json
        objects, still_open = assembler.feed(line.text)
        if objects is None:
            # `{` … `}` that is not JSON (or nests too deep): its lines are plain lines
            self._json = None
            if still_open:  # `}{`: the next object starts on the closing line
                self._json = JsonObjectAssembler(line.text[1:].strip(), shared=True)
            return self._release(line, assembler)
        if not still_open:
            self._json = None
        elif assembler.too_long:
            self._json = None
            return self._release(line, assembler)
        if not objects:
            self.counts.wrapper += 1
            return _NO_RECORDS
        out: list[Record] = []
        for entry in objects:
            message, ts, instance, wrapper = object_layer(entry)
            # The closing line is counted once, by the first record of its first object.
            out.extend(_split(line, message, ts, instance, wrapper, counted=bool(out)))
        return out

    def finish(self) -> list[Record]:
        """End of input: the lines of a record still open, read as plain lines."""
        assembler = self._json
        if assembler is None:
            return []
        self._json = None
        self.counts.wrapper -= 1  # the last line held was counted as structure too
        return self._release(self._last, assembler)

    def _release(self, line: Line, assembler: JsonObjectAssembler) -> list[Record]:
        """The lines held for a record given up on, up to `line`, read as plain lines:
        none is lost, and each is counted once by what it turns out to be."""
        held = assembler.lines
        # All but the last were counted as structure while held; a `shared` first
        # line was the rest of a `}{` line, which the object before counted.
        self.counts.wrapper -= len(held) - 1 - assembler.shared
        first = line.number - len(held) + 1
        out: list[Record] = []
        for offset, text in enumerate(held):
            records = self._plain(Line(line.source, first + offset, text))
            if offset == 0 and assembler.shared:
                for record in records:
                    record.counted = False
            out.extend(records)
        return out


def _split(
    line: Line,
    message: str,
    ts: float | None,
    instance: str,
    wrapper: str,
    counted: bool = False,
) -> list[Record]:
    """One record per line of a multi-line message; the physical line is counted once.

    Evidence shows each record's own text, numbered by its physical line.
    """
    out: list[Record] = []
    for part in message.rstrip("\n").split("\n"):
        part = part.rstrip("\r")
        out.append(Record(line.source, line.number, part, part, ts, instance, wrapper, not counted))
        counted = True
    return out


def _unglue(message: str) -> str:
    """`message` with a newline before each Gunicorn prefix after its start, or ""."""
    starts = [m.start() for m in _GUNICORN_PREFIX.finditer(message) if m.start() > 0]
    if not starts:
        return ""
    parts = []
    previous = 0
    for start in starts:
        parts.append(message[previous:start])
        previous = start
    parts.append(message[previous:])
    return "\n".join(parts)

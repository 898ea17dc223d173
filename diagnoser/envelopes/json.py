"""JSON envelopes: one object per line (JSON-lines loggers, docker json-file, the
Render API) and pretty-printed objects spread over lines (`render logs -o json`).

Both are read by `entry_layer`, from one set of key lists, so an object gives
the same message, timestamp and instance whether it arrived on one line or many.

The Render CLI writes each log entry with `json.MarshalIndent` and no separator,
so entries meet as `}{` and the last one has no newline until the next arrives.
Objects like that are never valid line by line; `JsonObjectAssembler` collects
their lines and decodes each object as soon as its closing brace (at column 0)
is read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from diagnoser.envelopes.record import Layer
from diagnoser.timestamps import json_ts

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\([A-Z0-9]")
MESSAGE_KEYS = ("message", "msg", "log", "text", "event")
TS_KEYS = ("timestamp", "time", "ts", "@timestamp", "asctime")
INSTANCE_KEYS = ("instance", "pod", "container_name", "hostname", "host")
INSTANCE_LABELS = ("instance", "resource")  # Render API labels, most specific first
# Render request logs name method, path and status only in labels (lost in text).
REQUEST_LABELS = ("method", "path", "statusCode", "host")
# Where JSON loggers put a traceback: one string with newlines, or a list of lines
# (python-json-logger, structlog, Sentry-style dumps). Read after the message.
EXCEPTION_KEYS = ("exc_info", "exception", "exc_text", "stack_trace", "stacktrace", "traceback")
# A pretty-printed record still open past either bound is given up on: the lines
# held are read as plain text (none dropped), so one that never closes cannot
# grow without limit.
MAX_RECORD_LINES = 10_000
MAX_RECORD_CHARS = 1 << 20  # 1 Mi characters of held text
# JSON nested deeper than this is not read as a log object: the decoder (and
# `json.dumps` on what it built) recurse once per level, and real log objects are
# a few levels deep.
MAX_NESTING = 100
# What a wrapper's numeric time may be: years 1 to 9999, what a date can show.
_TS_RANGE = (-62_135_596_800.0, 253_402_300_799.0)

_DECODER = json.JSONDecoder()
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def entry_layer(obj: dict[str, Any]) -> Layer | None:
    """(message, ts, instance, wrapper) of one decoded log object; None without a message."""
    for key in MESSAGE_KEYS:
        message = obj.get(key)
        if isinstance(message, str):
            break
    else:
        return None
    wrapper = "json"
    if key == "log":
        if message.endswith("\n"):
            message = message[:-1]  # docker's json-file keeps the line's newline
        if "stream" in obj:
            wrapper = "docker-json"
    if message.endswith("\r"):
        message = message[:-1]
    trace = _traceback_text(obj)
    if trace:
        message = f"{message}\n{trace}"
    if "\x1b" in message:
        message = ANSI.sub("", message)  # JSON carries colour codes as \u001b
    ts, instance, labelled = _context(obj)
    if labelled:
        wrapper = "render-json"
        if "responseTimeMS=" in message:
            message = _with_request_labels(message, obj["labels"])
    return message, ts, instance, wrapper


def _traceback_text(obj: dict[str, Any]) -> str:
    """The traceback an object carries beside its message, as lines of text, or ""."""
    for key in EXCEPTION_KEYS:
        value = obj.get(key)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = "".join(item if item.endswith("\n") else item + "\n" for item in value)
        if isinstance(value, str) and ("Traceback (most recent" in value or 'File "' in value):
            return value.rstrip("\n")
    return ""


def _context(obj: dict[str, Any]) -> tuple[float | None, str, bool]:
    """(timestamp, instance, whether Render labels were there) of a log object."""
    ts: float | None = None
    for key in TS_KEYS:
        if key in obj:
            ts = _json_time(obj[key])
            if ts is not None:
                break
    instance = ""
    labels = obj.get("labels")
    labelled = isinstance(labels, list)
    if isinstance(labels, list):
        # The Render API log object (§1.2): labels are a list of {name, value}.
        named = {
            label.get("name"): label.get("value") for label in labels if isinstance(label, dict)
        }
        for name in INSTANCE_LABELS:
            value = named.get(name)
            if isinstance(value, str) and value:
                instance = value
                break
    if not instance:
        for key in INSTANCE_KEYS:
            value = obj.get(key)
            if isinstance(value, str) and value:
                instance = value
                break
    return ts, instance, labelled


def _json_time(value: object) -> float | None:
    """A timestamp field's epoch seconds; None for one no date can show (`1e300`,
    `Infinity`, an integer of 400 digits)."""
    try:
        ts = json_ts(value)
    except OverflowError:
        return None
    if ts is None or not math.isfinite(ts) or not _TS_RANGE[0] <= ts <= _TS_RANGE[1]:
        return None
    return ts


def _with_request_labels(message: str, labels: list[Any]) -> str:
    """A Render request log with the labels that only the JSON carries appended."""
    request = [
        f"{label.get('name')}={json.dumps(str(label.get('value', '')))}"
        for label in labels
        if isinstance(label, dict) and label.get("name") in REQUEST_LABELS
    ]
    return f"{message} {' '.join(request)}" if request else message


def shallow(text: str) -> bool:
    """Whether `text` nests no deeper than `MAX_NESTING` (brackets in strings aside).

    Counting the openers is enough for nearly every line; only one with more
    than `MAX_NESTING` of them is measured.
    """
    if text.count("{") + text.count("[") <= MAX_NESTING:
        return True
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        if bracket in "{[":
            depth += 1
            if depth > MAX_NESTING:
                return False
        else:
            depth -= 1
    return True


def loads(text: str) -> Any:
    """`text` decoded as one JSON value, or None when it is not JSON, nests deeper
    than `MAX_NESTING` or holds a number Python will not convert (over 4300 digits)."""
    if not shallow(text):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def json_line(text: str) -> Layer | None:
    """One JSON object on one line with a message field, or None."""
    if text[-1:] != "}" and not text.rstrip().endswith("}"):
        return None
    obj = loads(text)
    if not isinstance(obj, dict):
        return None
    # A JSON line without a message (a config dump, corpus 105) stays whole.
    return entry_layer(obj)


def object_layer(obj: dict[str, Any]) -> Layer:
    """A pretty-printed record's layer; one without a message is read as its JSON text."""
    layer = entry_layer(obj)
    if layer is not None:
        return layer
    ts, instance, labelled = _context(obj)
    wrapper = "render-json" if labelled else "json"
    return json.dumps(obj, ensure_ascii=False), ts, instance, wrapper


def starts_object(text: str) -> bool:
    """True for the first line of a pretty-printed object: a lone `{`."""
    return text == "{" or text == "{\r"


class JsonObjectAssembler:
    """Collects the lines of one top-level object; `feed` says when it is complete.

    `lines` are the lines held, the first being `{`; `shared` says that it was the
    rest of a `}{` line, whose physical line the object before it counted.
    """

    __slots__ = ("chars", "lines", "shared")

    def __init__(self, first: str = "{", shared: bool = False) -> None:
        self.lines: list[str] = [first]
        self.chars = len(first)
        self.shared = shared

    def feed(self, text: str) -> tuple[list[dict[str, Any]] | None, bool]:
        """Add a line. Returns (the objects decoded, whether another object is open).

        The objects are None when a `}` closed text that is not JSON: `lines` then
        holds what to read as plain lines, up to the closing one, and a `}{` line
        opens another object all the same.
        """
        if not text.startswith("}"):
            self.lines.append(text)
            self.chars += len(text) + 1
            return [], True
        # `}` closes the object; `}{` closes it and opens the next one.
        held = self.lines
        held.append("}")
        objects = list(_decode_all("\n".join(held)))
        rest = text[1:].strip()
        if not objects:
            held[-1] = text  # read as plain lines, the closing one as it was
            return None, rest.startswith("{")
        if rest.startswith("{"):
            self.lines, self.chars, self.shared = [rest], len(rest), True
            return objects, True
        self.lines = []
        return objects, False

    @property
    def too_long(self) -> bool:
        return len(self.lines) > MAX_RECORD_LINES or self.chars > MAX_RECORD_CHARS


def _decode_all(text: str) -> Iterator[dict[str, Any]]:
    """The objects in `text`, one after another; none past a value that is not JSON."""
    if not shallow(text):
        return
    index = 0
    length = len(text)
    while index < length:
        while index < length and text[index] in " \t\r\n":
            index += 1
        if index >= length:
            return
        try:
            value, index = _DECODER.raw_decode(text, index)
        except (ValueError, RecursionError):  # a number of over 4300 digits is a ValueError
            return
        if isinstance(value, dict):
            yield value

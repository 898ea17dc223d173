"""Pretty-printed JSON objects spread over lines, as `render logs -o json` prints them.

The Render CLI writes each log entry with `json.MarshalIndent` and no separator,
so entries meet as `}{` and the last one has no newline until the next arrives.
Objects like that are never valid line by line; this assembler collects their
lines and decodes each object as soon as its closing brace (at column 0) is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_DECODER = json.JSONDecoder()
MAX_OBJECT_LINES = 10_000  # a runaway "object" is given up on, its lines read as text
_REQUEST_LABELS = ("method", "path", "statusCode", "host")


def starts_object(text: str) -> bool:
    """True for the first line of a pretty-printed object: a lone `{`."""
    return text == "{" or text == "{\r"


class JsonObjectAssembler:
    """Collects the lines of one top-level object; `feed` says when it is complete."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = ["{"]

    def feed(self, text: str) -> tuple[list[dict[str, Any]], bool]:
        """Add a line. Returns (decoded objects, whether another object is open)."""
        if not text.startswith("}"):
            self.lines.append(text)
            return [], True
        # `}` closes the object; `}{` closes it and opens the next one.
        self.lines.append("}")
        objects = list(_decode_all("\n".join(self.lines)))
        rest = text[1:].strip()
        if rest.startswith("{"):
            self.lines = [rest]
            return objects, True
        self.lines = []
        return objects, False

    @property
    def too_long(self) -> bool:
        return len(self.lines) > MAX_OBJECT_LINES


def _decode_all(text: str) -> Iterator[dict[str, Any]]:
    index = 0
    length = len(text)
    while index < length:
        while index < length and text[index] in " \t\r\n":
            index += 1
        if index >= length:
            return
        try:
            value, index = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError:
            return
        if isinstance(value, dict):
            yield value


def render_entry(entry: dict[str, Any]) -> tuple[str, str | None, str]:
    """(message, timestamp text, instance) of a Render API log entry or a similar object."""
    message = entry.get("message")
    if not isinstance(message, str):
        for key in ("msg", "log", "text"):
            if isinstance(entry.get(key), str):
                message = entry[key]
                break
        else:
            message = json.dumps(entry, ensure_ascii=False)
    instance = ""
    labels = entry.get("labels")
    if isinstance(labels, list):
        request: list[str] = []
        for label in labels:
            if not isinstance(label, dict):
                continue
            name, value = label.get("name"), str(label.get("value", ""))
            if name == "instance":
                instance = value
            elif name in _REQUEST_LABELS and "responseTimeMS=" in message:
                # Request logs name method, path and status only in labels (lost in text).
                request.append(f"{name}={json.dumps(value)}")
        if request:
            message = f"{message} {' '.join(request)}"
    elif isinstance(entry.get("instance"), str):
        instance = entry["instance"]
    stamp = entry.get("timestamp") or entry.get("time")
    return message, stamp if isinstance(stamp, str) else None, instance

"""What the envelope stage hands on: one `Record` per logical log message.

Plain lines, JSON lines and multi-line JSON records all come out as the same
type, so the recognizers never need to know how a message was carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Envelope(NamedTuple):
    """What `unwrap` found: the line inside the wrappers, and what they said about it."""

    message: str  # the inner line; ANSI codes and a trailing \r removed
    ts: float | None  # the outermost wrapper timestamp, epoch seconds (zone-less = UTC)
    instance: str  # the outermost instance / dyno / container / pod / host named, or ""
    wrapper: str  # ids of the wrappers peeled, outermost first, joined by "+"; "" for none


# One peeled layer: (inner text, timestamp, instance, wrapper id).
Layer = tuple[str, float | None, str, str]


@dataclass(slots=True)
class Record:
    """One logical log message, its wrappers removed.

    `text` is what evidence shows (the physical line, or the record's own line
    when one physical line carried several); `counted` is False for the second
    and later messages of one physical line, which the totals count once.
    """

    source: str
    number: int
    text: str
    message: str
    ts: float | None = None
    instance: str = ""
    wrapper: str = ""
    counted: bool = True


@dataclass(slots=True)
class LineCounts:
    """What every line read turned out to be; the categories add up to `read`.

    The envelope stage counts `read` and `wrapper`; the parser the rest.
    """

    read: int = 0
    recognized: int = 0  # a typed event (or a line of its block)
    traceback: int = 0  # part of an assembled traceback
    app: int = 0  # a known log format whose message no template knows (app logging)
    unrecognized: int = 0
    blank: int = 0
    wrapper: int = 0  # structure of multi-line records (the lines of a JSON object)

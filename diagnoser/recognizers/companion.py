"""The typed result of a companion-line recognizer (platform, kernel, proxy, database)."""

from __future__ import annotations

from dataclasses import dataclass

from diagnoser.events import Kind

FieldValue = str | int | float
Fields = dict[str, FieldValue]


@dataclass(slots=True, frozen=True)
class Companion:
    """One recognized companion line."""

    kind: Kind
    fields: dict[str, str | int | float]
    pid: int | None = None  # the process the line is about (e.g. the OOM victim), if any

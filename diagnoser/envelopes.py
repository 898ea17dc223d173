"""Envelopes: the wrappers a log line arrives in, stripped before recognition.

A line may reach us bare, or wrapped by a platform (timestamps, instance names,
colour codes). `unwrap` returns the message inside with whatever the wrapper
told about it. The Gunicorn core `[pid] [LEVEL]` is found anywhere in the line
by the recognizers, so an unknown prefix never hides a Gunicorn line.
"""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\([A-Z0-9]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor sequences."""
    if "\x1b" not in text:
        return text
    return ANSI.sub("", text)


def unwrap(text: str) -> tuple[str, float | None, str]:
    """(message, timestamp from the envelope or None, instance or "")."""
    return strip_ansi(text), None, ""

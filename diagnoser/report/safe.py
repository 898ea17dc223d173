"""Text from logs is untrusted: show it literally, never as markup or control codes."""

from __future__ import annotations

import re

from rich.text import Text

# C0 and C1 controls (tab excepted), DEL, and the bidi overrides that can reorder text.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character replaced by a visible escape."""
    if keep_newlines:
        return "\n".join(printable(part) for part in text.split("\n"))
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def literal(text: str, style: str = "") -> Text:
    """A rich Text that prints `text` exactly (no markup, no control codes)."""
    return Text(printable(text), style=style)

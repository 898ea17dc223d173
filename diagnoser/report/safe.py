"""Text from logs is untrusted: show it literally, never as markup or control codes.

One definition, `UNSAFE`, says which characters are not printable text: C0 and C1
controls and DEL (category Cc), format characters (Cf: the bidi marks, embeddings,
overrides and isolates, U+061C, zero-width characters, U+FEFF, the tag characters
U+E0001-U+E007F), line and paragraph separators (Zl, Zp) and lone surrogates (Cs).
Text and markdown show each as a visible escape (`\\x1b`, `\\u202e`,
`\\U000e0041`); JSON writes each as a `\\uXXXX` escape (a surrogate pair past
U+FFFF), so the string decodes to what the log said but the raw bytes hold none.

Every piece of log text a report carries is an excerpt of at most
`EXCERPT_CHARS` characters, cut where the report's model is built (so every
format shows the same cut) with a marker saying how much was left out.
"""

from __future__ import annotations

import json
from typing import Any

import regex
from rich.text import Text

# Characters that are not printable text, tab excepted (see the module's docstring).
_NOT_PRINTABLE = r"\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}"
UNSAFE = regex.compile(rf"(?!\t)[{_NOT_PRINTABLE}]")
# In serialized JSON the encoder has escaped every C0 control inside strings, so a
# raw newline there is the indentation between tokens.
_UNSAFE_IN_JSON = regex.compile(rf"(?![\t\n])[{_NOT_PRINTABLE}]")
_BACKTICKS = regex.compile(r"`+")

# The most characters of one piece of log text (an evidence line, an exception
# message, a frame, a value quoted in a title) that a report keeps.
EXCERPT_CHARS = 500


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text`, or its first `limit` characters and a marker of how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [+{len(text) - limit} chars]"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every character that is not printable replaced by a visible escape."""
    if keep_newlines:
        return "\n".join(printable(part) for part in text.split("\n"))
    if text.isascii() and text.isprintable():
        return text
    return UNSAFE.sub(_escape, text)


def _escape(m: regex.Match[str]) -> str:
    code = ord(m.group(0))
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def literal(text: str, style: str = "") -> Text:
    """A rich Text that prints `text` exactly (no markup, no control codes)."""
    return Text(printable(text), style=style)


def json_dumps(value: Any, *, indent: int | None = None) -> str:
    """`value` as JSON, non-ASCII text kept as it is but every character that is not
    printable written as a `\\uXXXX` escape (a surrogate pair past U+FFFF)."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(value, ensure_ascii=False, indent=indent))


def _json_escape(m: regex.Match[str]) -> str:
    code = ord(m.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def backtick_span(text: str) -> str:
    """`text` as one CommonMark code span: delimited by a backtick run longer than any
    inside it, padded with a space when it starts or ends with a backtick or space."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    if text[:1] == "`" or text[-1:] == "`" or (text[:1] == text[-1:] == " " and text.strip()):
        text = f" {text} "
    return f"{ticks}{text}{ticks}"


def code_chunks(text: str) -> list[tuple[bool, str]]:
    """Split `text` into (is_code_span, chunk) as CommonMark pairs backtick runs."""
    runs = list(_BACKTICKS.finditer(text))
    chunks: list[tuple[bool, str]] = []
    prose_from = 0
    i = 0
    while i < len(runs):
        opener = runs[i]
        width = opener.end() - opener.start()
        closer = next(
            (j for j in range(i + 1, len(runs)) if runs[j].end() - runs[j].start() == width),
            None,
        )
        if closer is None:  # an unmatched run is literal text
            i += 1
            continue
        chunks.append((False, text[prose_from : opener.start()]))
        chunks.append((True, text[opener.start() : runs[closer].end()]))
        prose_from = runs[closer].end()
        i = closer + 1
    chunks.append((False, text[prose_from:]))
    return chunks

"""Python tracebacks, assembled from the raw lines that follow a log record.

Gunicorn's `log.exception(...)` writes the traceback as unprefixed lines after
the message. This module tells those lines apart and builds a `Traceback`.
"""

from __future__ import annotations

import re

from diagnoser.events import Frame, Traceback

TRACEBACK_START = "Traceback (most recent call last):"
CHAIN_MARKERS = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)
FRAME = re.compile(r'\s+File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<function>.+)$')
# A frame in any rendering: indentation stripped by a paste or a CSV export, or a
# logging prefix in front of every line of the traceback.
ANY_FRAME = re.compile(
    r'(?:^|\s)File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<function>\S.*?)\s*$'
)
# An exception line that is surely not source code: `pkg.SomeError: message`.
NAMED_EXCEPTION = re.compile(
    r"[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Canceled|Cancelled|Timeout)\b"
)
# The final `Type: message` line: a dotted identifier, then a colon or nothing.
EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(?::(?: .*)?)?$")


class TracebackBuilder:
    """Collects the lines of one traceback (and its chained predecessors)."""

    __slots__ = ("_bare", "_chained", "_code_expected", "_done", "exception", "frames", "lines")

    def __init__(self, number: int, text: str) -> None:
        self.lines: list[tuple[int, str]] = [(number, text)]
        self.frames: list[Frame] = []
        self.exception = ""
        self._chained: list[str] = []
        self._done = False
        self._code_expected = False
        self._bare = False  # the last frame line had no indentation

    @property
    def done(self) -> bool:
        """True once the final exception line was read (a chain may still follow)."""
        return self._done

    def offer(self, number: int, text: str) -> bool:
        """Take `text` if it belongs to this traceback; False means it does not."""
        if self._done:
            # After the exception line only a chain continues the traceback.
            if text == "" or text in CHAIN_MARKERS:
                self.lines.append((number, text))
                return True
            if text == TRACEBACK_START and self.lines[-1][1] in ("", *CHAIN_MARKERS):
                self._chained.append(self.exception)
                self.exception = ""
                self.frames = []
                self._done = False
                self.lines.append((number, text))
                return True
            return False
        if not text.startswith(" ") and 'File "' in text:
            m = ANY_FRAME.search(text)
            if m is not None:
                self._frame(m)
                self._bare = True
                self.lines.append((number, text))
                return True
        if (
            self._code_expected
            and self._bare
            and self.frames
            and text
            and not text.startswith(" ")
            and NAMED_EXCEPTION.match(text) is None
            and not text.startswith("Traceback (most recent call last)")
        ):
            # the source line of a frame whose indentation a paste stripped
            self.frames[-1].code = text.strip()
            self._code_expected = False
            self.lines.append((number, text))
            return True
        if text.startswith(" "):
            m = FRAME.match(text)
            if m is not None:
                self._bare = False
                self.frames.append(
                    Frame(m.group("file"), int(m.group("line")), m.group("function").strip())
                )
                self._code_expected = True
            elif self._code_expected and self.frames and not text.strip().startswith(("^", "~")):
                self.frames[-1].code = text.strip()
                self._code_expected = False
            self.lines.append((number, text))
            return True
        if text.startswith("Traceback (most recent call last)"):
            self.lines.append((number, text))
            return True
        if EXCEPTION_LINE.match(text) and (self.frames or len(self.lines) > 1):
            self.exception = text
            self._done = True
            self.lines.append((number, text))
            return True
        return False

    def _frame(self, m: re.Match[str]) -> None:
        function = m.group("function").strip()
        self.frames.append(Frame(m.group("file"), int(m.group("line")), function))
        self._code_expected = True

    def build(self) -> Traceback:
        # Trailing blank lines belong to a chain that never came.
        lines = self.lines
        while len(lines) > 1 and lines[-1][1] == "":
            lines = lines[:-1]
        return Traceback(list(self.frames), self.exception, lines, list(self._chained))

"""What a syslog connection carries: frames (RFC 6587), and in each the token and the service.

Framing is found from a connection's first byte and kept for its life: a digit
starts RFC 6587 octet counting (`<len> <msg>`), anything else is taken as
newline-delimited (LF, CRLF, or NUL, which Python's `SysLogHandler` ends messages
with). A message longer than `max_message` bytes is cut to its first
`max_message` bytes, handed on at once and counted; the rest of it is skipped up
to its frame's end (the octet count, or the next delimiter). So a `Framer` never
holds more than `max_message` bytes, whatever the client sends.

Render's documentation says a Log Stream may carry a token "with every log line"
but not where in the message it goes, so `open_frame` accepts it where syslog
receivers conventionally look (see docs/render.md): before the `<PRI>` (a
prefix), as an RFC 5424 structured-data element (`[TOKEN@41058]`, or any element
with a parameter whose value is the token), or as the first word of MSG. It is
compared in constant time and removed from the message handed on.
"""

from __future__ import annotations

import hmac
import re
from typing import Final

OCTET_COUNTING: Final = "octet-counting"
NEWLINE: Final = "newline"
_LENGTH_DIGITS = 10  # an octet count longer than this is not a count: 10 digits is ~9 GB
_PRI = re.compile(rb"<\d{1,3}>")
# RFC 5424 header before STRUCTURED-DATA: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID `
_HEADER = re.compile(rb"<\d{1,3}>1 \S+ (\S+) \S+ \S+ \S+ ")

# What `open_frame` returns for a frame that is not handed on.
REJECTED: Final = 1  # a token is required, and the frame does not carry it
MALFORMED: Final = 2  # not a syslog message (no `<PRI>` in front)


class Framer:
    """Cuts one connection's bytes into syslog messages, framing found from the first byte."""

    __slots__ = (
        "_buffer",
        "_need",
        "_skip",
        "_skip_line",
        "broken",
        "cut",
        "framing",
        "max_message",
    )

    def __init__(self, max_message: int) -> None:
        self.max_message = max_message
        self.framing = ""  # OCTET_COUNTING or NEWLINE once the first byte is in
        self.cut = 0  # messages cut to max_message
        # an octet count that is not a number: the stream cannot be followed further
        self.broken = False
        self._buffer = bytearray()  # the count's digits, or the start of a message
        self._need = -1  # octet counting: bytes of the current message still to come
        self._skip = 0  # octet counting: bytes of a cut message still to skip
        self._skip_line = False  # newline: skipping a cut message up to its delimiter

    @property
    def buffered(self) -> int:
        """Bytes held for a message not yet complete (at most `max_message`)."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        """The messages `data` completes (or cuts). After a bad octet count, those before
        it, and `broken` is set: nothing more can be read from this connection."""
        if self.broken:
            return []
        if not self.framing:
            data = data.lstrip(b"\r\n\0 ")
            if not data:
                return []
            self.framing = OCTET_COUNTING if data[:1].isdigit() else NEWLINE
        if self.framing == NEWLINE:
            return self._lines(data)
        return self._octets(data)

    def _octets(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        buf = self._buffer
        if self._need < 0 and buf:  # digits of a count cut by the read
            data = bytes(buf) + data
            buf.clear()
        pos, end = 0, len(data)
        while pos < end:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            if self._need < 0:
                space = data.find(b" ", pos, pos + _LENGTH_DIGITS + 1)
                head = data[pos:space] if space >= 0 else data[pos : pos + _LENGTH_DIGITS + 1]
                if not head.isdigit() or head[:1] == b"0":
                    self.broken = True
                    break
                if space < 0:
                    if len(head) > _LENGTH_DIGITS:
                        self.broken = True
                    else:
                        buf += head  # the count goes on in the next read
                    break
                self._need = int(head)
                pos = space + 1
            room = self.max_message - len(buf)
            step = min(self._need, end - pos, room)
            if not buf and step == self._need:  # the whole message is in this read
                out.append(data[pos : pos + step])
                pos += step
                self._need = -1
                continue
            buf += data[pos : pos + step]
            pos += step
            self._need -= step
            if self._need == 0:
                out.append(bytes(buf))
            elif len(buf) >= self.max_message:
                out.append(bytes(buf))
                self.cut += 1
                self._skip = self._need
            else:
                continue
            buf.clear()
            self._need = -1
        return out

    def _lines(self, data: bytes) -> list[bytes]:
        if b"\0" in data:
            data = data.replace(b"\0", b"\n")
        if self._skip_line:
            newline = data.find(b"\n")
            if newline < 0:
                return []
            data = data[newline + 1 :]
            self._skip_line = False
        buf = self._buffer
        if buf:
            data = bytes(buf) + data
            buf.clear()
        parts = data.split(b"\n")
        tail = parts.pop()
        out: list[bytes] = []
        limit = self.max_message
        for part in parts:
            if part[-1:] == b"\r":
                part = part[:-1]
            if not part:
                continue
            if len(part) > limit:
                part = part[:limit]
                self.cut += 1
            out.append(part)
        if len(tail) > limit:
            out.append(tail[:limit])
            self.cut += 1
            self._skip_line = True
        else:
            buf += tail
        return out


def _sd_end(text: bytes, start: int) -> int:
    """The index just past the SD-ELEMENT opening at `start` (`[`), or -1 if unclosed."""
    quoted = False
    i, end = start + 1, len(text)
    while i < end:
        c = text[i]
        if c == 0x5C:  # a backslash escapes `"`, `\` and `]` inside a value
            i += 2
            continue
        if c == 0x22:
            quoted = not quoted
        elif c == 0x5D and not quoted:
            return i + 1
        i += 1
    return -1


def _element_holds(element: bytes, token: bytes) -> bool:
    """`[TOKEN@NNNN ...]`, `[TOKEN ...]`, or `[id@NNNN name="TOKEN"]`."""
    inner = element[1:-1]
    sd_id = inner.split(b" ", 1)[0]
    found = hmac.compare_digest(sd_id.split(b"@", 1)[0], token)
    for value in re.findall(rb'="((?:[^"\\]|\\.)*)"', inner):
        found |= hmac.compare_digest(value, token)
    return found


def _without_token(frame: bytes, token: bytes) -> bytes | None:
    """`frame` with its token taken out, or None if it does not carry it."""
    if frame[:1] != b"<":  # a prefix: `TOKEN <PRI>1 ...`
        word, _, rest = frame.partition(b" ")
        if rest[:1] == b"<" and hmac.compare_digest(word, token):
            return rest
        return None
    header = _HEADER.match(frame)
    if header is None:  # not RFC 5424: only a prefix could carry it
        return None
    pos = header.end()
    if frame[pos : pos + 1] == b"[":
        start = pos
        while frame[pos : pos + 1] == b"[":
            after = _sd_end(frame, pos)
            if after < 0:
                return None
            if _element_holds(frame[pos:after], token):
                rest = frame[start:pos] + frame[after:]
                if rest[:1] != b"[":
                    rest = b"-" + rest  # the only element: STRUCTURED-DATA becomes NILVALUE
                return frame[:start] + rest
            pos = after
    elif frame[pos : pos + 1] == b"-":
        pos += 1
    else:
        return None
    # the first word of MSG
    if frame[pos : pos + 1] != b" ":
        return None
    word_end = frame.find(b" ", pos + 1)
    word = frame[pos + 1 : word_end] if word_end >= 0 else frame[pos + 1 :]
    if not hmac.compare_digest(word, token):
        return None
    return frame[:pos] + (frame[word_end:] if word_end >= 0 else b"")


def open_frame(frame: bytes, token: bytes | None) -> tuple[bytes, bytes] | int:
    """(HOSTNAME, message) for a frame to hand on (HOSTNAME is b"" when the message
    has none), the message with its token taken out; else REJECTED or MALFORMED."""
    if token is not None:
        opened = _without_token(frame, token)
        if opened is None:
            return REJECTED
        frame = opened
    pri = _PRI.match(frame)
    if pri is None:
        return MALFORMED
    host = b""
    if frame[pri.end() : pri.end() + 2] == b"1 ":
        fields = frame.split(b" ", 3)
        if len(fields) > 3 and fields[2] != b"-":
            host = fields[2]
    return host, frame

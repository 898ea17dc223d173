"""`unwrap`: peel the wrappers off one physical line, as they nest.

A line may reach us bare, or wrapped by whatever carried it: `render logs -o text`,
a Render dashboard export or syslog stream, `docker logs --timestamps`, Docker
Compose, `kubectl logs --prefix/--timestamps`, CRI node files, journald/syslog,
dmesg, Heroku (CLI and drain), Fly, JSON-lines loggers, a k9s pane. `unwrap`
returns the message inside with what the wrappers said about it: a timestamp,
an instance name and which wrappers they were. The Gunicorn core `[pid] [LEVEL]`
is found anywhere in the message by the recognizers, so an unknown prefix never
hides a Gunicorn line; this stage only has to be right about the prefixes it
does remove.

It runs once per input line, so the common cases are decided by a look at the
first characters: a bare Gunicorn line costs a few string tests and no regex.
"""

from __future__ import annotations

from collections.abc import Callable

from diagnoser.envelopes import containers, platforms, syslog
from diagnoser.envelopes.json import ANSI, json_line
from diagnoser.envelopes.record import Envelope, Layer
from diagnoser.timestamps import RFC3339, rfc3339_ts

_MAX_DEPTH = 4  # real nesting is two or three deep (compose > docker ts > JSON)
_new_envelope = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path


def _iso(text: str) -> Layer | None:
    """Everything that starts with an RFC 3339 timestamp and a space."""
    m = RFC3339.match(text)
    if m is None:
        return None
    end = m.end()
    if text[end : end + 1] != " ":
        return None
    end += 1
    ts = rfc3339_ts(m)
    rest = text[end:]
    lead = rest[:1]
    if lead == "s":
        layer = containers.cri(rest, ts)
        if layer is not None:
            return layer
    elif lead == "a" or lead == "h" or lead == "p" or lead == "r":
        layer = platforms.heroku_or_fly(text, end, ts)
        if layer is not None:
            return layer
    if m.group(3) != "Z":
        # journalctl -o short-iso prints a numeric offset (without a colon, §6);
        # docker, kubelet and Render print UTC as `Z`, so `host ident:` is only
        # looked for here, where it cannot be an app line's `Booting worker:`.
        return syslog.journal_iso(text, end, ts) or (rest, ts, "", "rfc3339")
    return containers.docker_or_render(rest, ts, m.group(2))


def _digits(text: str) -> Layer | None:
    if text[4:5] == "-":
        tenth = text[10:11]
        if tenth == "T":
            return _iso(text)
        if tenth == " ":
            return platforms.date_space(text)
        return None
    return platforms.heroku_drain(text)


def _bracket(text: str) -> Layer | None:
    second = text[1:2]
    if second == "p":
        return containers.kubectl_prefix(text)
    if second == " " or "0" <= second <= "9":
        return syslog.dmesg(text)
    if "A" <= second <= "Z":
        return syslog.dmesg_t(text)
    return None


def _number(text: str) -> Layer | None:
    layer = _digits(text)
    if layer is None and "  |" in text:
        return containers.compose(text)
    return layer


def _upper(text: str) -> Layer | None:
    if text[:3] in syslog.MONTHS:
        layer = syslog.syslog(text, 0, "syslog")
        if layer is not None:
            return layer
    if "  |" in text:
        return containers.compose(text)
    return None


def _lower(text: str) -> Layer | None:
    if "  |" in text:
        return containers.compose(text)
    return None


# The first character decides which wrappers can be there at all; a line whose
# first character is not a key (most bare app lines) costs one dict lookup.
_BY_FIRST: dict[str, Callable[[str], Layer | None]] = {
    "[": _bracket,
    "{": json_line,
    "<": syslog.pri,
    "│": containers.k9s,
    " ": syslog.indented_syslog,
    **dict.fromkeys("0123456789", _number),
    **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _upper),
    **dict.fromkeys("abcdefghijklmnopqrstuvwxyz", _lower),
}


def _peel(text: str) -> Layer | None:
    """Remove one wrapper from the start of `text`, or None when none is there."""
    peel = _BY_FIRST.get(text[:1])
    return None if peel is None else peel(text)


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor sequences."""
    if "\x1b" not in text:
        return text
    return ANSI.sub("", text)


def unwrap(text: str) -> Envelope:
    """The message inside the line's wrappers, with their timestamp, instance and ids."""
    if "\x1b" in text:
        text = ANSI.sub("", text)
    if text[-1:] == "\r":
        text = text[:-1]
    # Gunicorn's own `[2025-…` line (and any bracketed-date line) is never wrapped.
    if text[:1] == "[" and text[5:6] == "-":
        return _new_envelope(Envelope, (text, None, "", ""))
    peel = _BY_FIRST.get(text[:1])
    layer = None if peel is None else peel(text)
    if layer is None:
        return _new_envelope(Envelope, (text, None, "", ""))
    message = layer[0]
    if message[:1] == "[" and message[5:6] == "-":
        return _new_envelope(Envelope, layer)  # the usual: one wrapper around Gunicorn
    ts, instance, wrapper = layer[1], layer[2], layer[3]
    for _ in range(_MAX_DEPTH - 1):
        inner = _peel(message)
        if inner is None:
            break
        message = inner[0]
        if ts is None:
            ts = inner[1]
        if not instance:
            instance = inner[2]
        wrapper = f"{wrapper}+{inner[3]}"
        if message[:1] == "[" and message[5:6] == "-":
            break
    return _new_envelope(Envelope, (message, ts, instance, wrapper))

"""Envelopes: the wrappers a log line arrives in, stripped before recognition.

A line may reach us bare, or wrapped by whatever carried it: `render logs -o text`,
a Render dashboard export or syslog stream, `docker logs --timestamps`, Docker
Compose, `kubectl logs --prefix/--timestamps`, CRI node files, journald/syslog,
dmesg, Heroku (CLI and drain), Fly, JSON-lines loggers, a k9s pane. `unwrap`
peels those wrappers off (repeatedly, as they nest) and returns the message
inside with what the wrappers said about it: a timestamp, an instance name and
which wrappers they were. The Gunicorn core `[pid] [LEVEL]` is found anywhere in
the message by the recognizers, so an unknown prefix never hides a Gunicorn line;
this stage only has to be right about the prefixes it does remove.

It runs once per input line, so the common cases are decided by a look at the
first characters: a bare Gunicorn line costs a few string tests and no regex.
The templates come from `shared/reference/platform-log-formats.md` (§ numbers
below refer to it) and the real-log corpus.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from diagnoser.timestamps import find_timestamp

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\([A-Z0-9]")


class Envelope(NamedTuple):
    """What `unwrap` found: the line inside the wrappers, and what they said about it."""

    message: str  # the inner line; ANSI codes and a trailing \r removed
    ts: float | None  # the outermost wrapper timestamp, epoch seconds (zone-less = UTC)
    instance: str  # the outermost instance / dyno / container / pod / host named, or ""
    wrapper: str  # ids of the wrappers peeled, outermost first, joined by "+"; "" for none


# One peeled layer: (inner text, timestamp, instance, wrapper id).
_Layer = tuple[str, float | None, str, str]

_MAX_DEPTH = 4  # real nesting is two or three deep (compose > docker ts > JSON)
_new_envelope = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path

# -- templates ------------------------------------------------------------------

# RFC 3339 at line start (§0.3: 0-9 fraction digits, Z or an offset with or without
# a colon): docker/kubectl --timestamps, CRI files, Render dashboard, Heroku, Fly,
# journalctl -o short-iso.
_ISO = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{0,9})?(Z|[+-]\d\d:?\d\d)")
# `YYYY-MM-DD HH:MM:SS` (render logs -o text, §1.3; a viewer's stamp, corpus 116).
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
# Heroku CLI source (§3.1): `app[web.1]: `, `heroku[router]: `.
_HEROKU_SOURCE = re.compile(r"(app|heroku)\[([^\]\s]+)\]:(?: |$)")
# Fly (§5.4): `app[8e40d3b769e2d8] dfw [info]` then the message, no separator.
_FLY = re.compile(r"(?:app|proxy|runner)\[([0-9a-z]+)\] [a-z0-9]{3,4} \[[a-z]+\]")
# journald/syslog after the timestamp: `host ident[pid]: ` (§6).
_HOST_IDENT = re.compile(r"(\S+) ([^\s\[:]+)(?:\[\d+\])?:(?: |$)")
# journalctl short / short-precise, syslog files, RFC 3164 after `<PRI>` (§4.1, §6).
_SYSLOG = re.compile(
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)"
    r"(\.\d{1,6})? (\S+) ([^\s\[:]+)(?:\[\d+\])?:(?: |$)"
)
# RFC 5424 (§2.6, §6): `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`; SD is `-` or
# elements whose quoted values may hold `]`.
_RFC5424 = re.compile(
    r"<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) "
    r'(-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: |$)'
)
_PRI = re.compile(r"<\d{1,3}>")
# Heroku drain frame (§3.4): `<len> <PRI>1 <ts> host <app|heroku> <proc> - <msg>`, and
# some frames carry `- -`. No SD parsing: `[GIN] …` messages would pass for SD.
_HEROKU_DRAIN = re.compile(r"\d+ <\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) -(?: -)?(?: |$)")
# dmesg (§4.1): `[  142.890123] ` seconds since boot; `dmesg -T`: `[Mon Jan 15 10:23:45 2024] `.
_DMESG = re.compile(r"\[ *\d+\.\d+\] ")
_DMESG_T = re.compile(r"\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4})\] ")
# kubectl logs --prefix: `[pod/<pod>/<container>] `.
_KUBECTL_PREFIX = re.compile(r"\[pod/([^/\]\s]+)/[^\]\s]*\] ")
# Docker Compose (§6; corpus 109/117/122): the name is padded to the widest name + 1,
# then ` | `, so at least two spaces stand before the bar.
_COMPOSE = re.compile(r"([A-Za-z0-9][\w.-]*)  +\|(?: |$)")
# Papertrail-style Heroku idents (corpus 104): `heroku/web.1`, `app/web.1`.
_HEROKU_IDENT = re.compile(r"(?:app|heroku)/(\S+)")

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_CRI_STREAMS = ("stdout ", "stderr ")
_CRI_TAGS = ("F", "P")
_MESSAGE_KEYS = ("message", "msg", "log", "text", "event")
_TS_KEYS = ("timestamp", "time", "ts", "@timestamp", "asctime")
_INSTANCE_KEYS = ("instance", "pod", "container_name", "hostname", "host")

# -- timestamps -------------------------------------------------------------------

# Consecutive lines share their whole-second part, so that part is converted once
# and the fraction added: a dict lookup per line, not a datetime.
_CACHE_LIMIT = 4096
_seconds: dict[str, float | None] = {}


def _remember(key: str, value: float | None) -> float | None:
    if len(_seconds) >= _CACHE_LIMIT:
        _seconds.clear()
    _seconds[key] = value
    return value


def _with_fraction(base: float | None, frac: str | None) -> float | None:
    if base is None or frac is None or len(frac) < 2:
        return base
    return base + float(frac)


def _iso_ts(m: re.Match[str]) -> float | None:
    """Epoch seconds of an `_ISO` match."""
    seconds, frac, zone = m.groups()
    key = seconds + zone
    base = _seconds.get(key, -1.0)
    if base == -1.0:
        base = _remember(key, find_timestamp(key))
    # `_with_fraction`, inlined: this is the docker/kubectl/Render per-line path.
    if base is None or frac is None or len(frac) < 2:
        return base
    return base + float(frac)


def _naive_ts(text: str) -> float | None:
    """`YYYY-MM-DD HH:MM:SS` read as UTC."""
    base = _seconds.get(text, -1.0)
    if base == -1.0:
        base = _remember(text, find_timestamp(text))
    return base


def _yearless_ts(month: str, day: str, clock: str, frac: str | None) -> float | None:
    """A syslog `Mmm dd hh:mm:ss`, in the latest year that does not put it in the future."""
    key = f"{month} {day} {clock}"
    base = _seconds.get(key, -1.0)
    if base == -1.0:
        base = _remember(key, _latest_year(_MONTHS[month], int(day), clock))
    return _with_fraction(base, frac)


def _latest_year(month: int, day: int, clock: str) -> float | None:
    # A day of slack: a zone-less stamp read as UTC may run up to 14 h ahead of UTC.
    latest = datetime.now(UTC) + timedelta(days=1)
    hour, minute, second = int(clock[0:2]), int(clock[3:5]), int(clock[6:8])
    for year in range(latest.year, latest.year - 8, -1):  # back to a leap year for Feb 29
        try:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            continue
        if moment <= latest:
            return moment.timestamp()
    return None


def _dmesg_t_ts(m: re.Match[str]) -> float | None:
    month, day, clock, year = m.groups()
    key = f"{year} {month} {day} {clock}"
    base = _seconds.get(key, -1.0)
    if base != -1.0:
        return base
    try:
        moment = datetime(
            int(year),
            _MONTHS.get(month, 0),
            int(day),
            int(clock[0:2]),
            int(clock[3:5]),
            int(clock[6:8]),
            tzinfo=UTC,
        )
    except ValueError:
        return _remember(key, None)
    return _remember(key, moment.timestamp())


def _epoch(value: float) -> float:
    """Epoch seconds from a number that may be in ms, µs or ns (JSON loggers differ)."""
    magnitude = abs(value)
    if magnitude >= 1e17:
        return value / 1e9
    if magnitude >= 1e14:
        return value / 1e6
    if magnitude >= 1e11:
        return value / 1e3
    return value


def _json_ts(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch(float(value))
    if isinstance(value, str):
        found = find_timestamp(value)
        if found is not None:
            return found
        try:
            return _epoch(float(value))
        except ValueError:
            return None
    return None


# -- the wrappers -----------------------------------------------------------------


def _after_ident(text: str, ident_at: int, end: int, host: str, ident: str) -> tuple[str, str]:
    """(message, instance) after a syslog `host ident[pid]: ` ending at `end`."""
    if ident.startswith("gunicorn."):
        # `--log-syslog` tags (`gunicorn.<name>.error:`) tell error from access lines
        # and are what the recognizers key on: keep them.
        return text[ident_at:], host
    message = text[end:]
    if ident == "kernel" and message[:1] == "[":
        # rsyslog keeps the dmesg seconds-since-boot prefix: `kernel: [5618442.047786] …`.
        boot = _DMESG.match(message)
        if boot is not None:
            message = message[boot.end() :]
    elif "/" in ident:
        # Papertrail-style Heroku (`<app> heroku/web.1:`): the host column is the app
        # name, the dyno is the instance.
        dyno = _HEROKU_IDENT.fullmatch(ident)
        if dyno is not None:
            return message, dyno.group(1)
    return message, host


def _syslog(text: str, pos: int, wrapper: str) -> _Layer | None:
    """`Mmm dd hh:mm:ss[.uuuuuu] host ident[pid]: msg` starting at `pos`."""
    m = _SYSLOG.match(text, pos)
    if m is None:
        return None
    month, day, clock, frac, host, ident = m.groups()
    message, instance = _after_ident(text, m.start(6), m.end(), host, ident)
    return message, _yearless_ts(month, day, clock, frac), instance, wrapper


def _iso(text: str) -> _Layer | None:
    """Everything that starts with an RFC 3339 timestamp and a space."""
    m = _ISO.match(text)
    if m is None:
        return None
    end = m.end()
    if text[end : end + 1] != " ":
        return None
    end += 1
    ts = _iso_ts(m)
    rest = text[end:]
    lead = rest[:1]
    # CRI node log file: `<ts> stdout|stderr F|P <line>` (P marks a partial line).
    if lead == "s" and rest[:7] in _CRI_STREAMS and rest[7:8] in _CRI_TAGS:
        if rest[8:9] in (" ", ""):
            return rest[9:], ts, "", "cri"
    elif lead == "a" or lead == "h" or lead == "p" or lead == "r":
        heroku = _HEROKU_SOURCE.match(text, end)
        if heroku is not None:
            return text[heroku.end() :], ts, heroku.group(2), "heroku"
        fly = _FLY.match(text, end)
        if fly is not None:
            return text[fly.end() :], ts, fly.group(1), "fly"
    zone = m.group(3)
    if zone != "Z":
        # journalctl -o short-iso prints a numeric offset (without a colon, §6);
        # docker, kubelet and Render print UTC as `Z`, so `host ident:` is only
        # looked for here, where it cannot be an app line's `Booting worker:`.
        journal = _HOST_IDENT.match(text, end)
        if journal is not None:
            host, ident = journal.groups()
            message, instance = _after_ident(text, journal.start(2), journal.end(), host, ident)
            return message, ts, instance, "journal-iso"
        return rest, ts, "", "rfc3339"
    frac = m.group(2)
    # docker/kubelet print a fixed 9-digit fraction; Render's RFC3339Nano drops
    # trailing zeros (§0.3). A 9-digit Render line cannot be told from docker.
    if frac is not None and len(frac) == 10:
        return rest, ts, "", "docker"
    return rest, ts, "", "render-dashboard"


def _date_space(text: str) -> _Layer | None:
    """`YYYY-MM-DD HH:MM:SS  msg` (render-text) or `… [YYYY-…` (a viewer's stamp)."""
    if text[13:14] != ":" or text[16:17] != ":":
        return None
    sep = text[19:21]
    if sep == "  ":
        wrapper, cut = "render-text", 21
    elif sep == " [" and text[25:26] == "-" and text[21:25].isdigit():
        # Only before a bracketed date (Gunicorn's own stamp, corpus 116): Gunicorn
        # 0.x `2012-07-13 14:59:27 [2] [CRITICAL]` and `%(asctime)s [%(levelname)s]`
        # app lines keep their timestamp.
        wrapper, cut = "date-prefix", 20
    else:
        return None
    if _DATE_TIME.match(text) is None:
        return None
    return text[cut:], _naive_ts(text[:19]), "", wrapper


def _digits(text: str) -> _Layer | None:
    if text[4:5] == "-":
        tenth = text[10:11]
        if tenth == "T":
            return _iso(text)
        if tenth == " ":
            return _date_space(text)
        return None
    drain = _HEROKU_DRAIN.match(text)
    if drain is None:
        return None
    stamp, _, _, proc = drain.groups()
    iso = _ISO.fullmatch(stamp)
    return text[drain.end() :], _iso_ts(iso) if iso else None, proc, "heroku-drain"


def _bracket(text: str) -> _Layer | None:
    second = text[1:2]
    if second == "p":
        m = _KUBECTL_PREFIX.match(text)
        if m is not None:
            return text[m.end() :], None, m.group(1), "kubectl-prefix"
        return None
    if second == " " or "0" <= second <= "9":
        m = _DMESG.match(text)
        if m is not None:
            return text[m.end() :], None, "", "dmesg"  # seconds since boot: no wall time
        return None
    if "A" <= second <= "Z":
        m = _DMESG_T.match(text)
        if m is not None:
            return text[m.end() :], _dmesg_t_ts(m), "", "dmesg-T"
    return None


def _pri(text: str) -> _Layer | None:
    pri = _PRI.match(text)
    if pri is None:
        return None
    if text[pri.end() : pri.end() + 2] != "1 ":
        return _syslog(text, pri.end(), "rfc3164")
    m = _RFC5424.match(text)
    if m is None:
        return None
    stamp, host, app, _procid, _msgid, _sd = m.groups()
    message = text[m.end() :]
    if message[:1] == "\ufeff":
        message = message[1:]  # RFC 5424 marks UTF-8 messages with a BOM
    if app.startswith("gunicorn."):
        message = f"{app}: {message}"  # the `--log-syslog` tag, as in a syslog file
    iso = _ISO.fullmatch(stamp)
    # Render's log streams put the instance in APP-NAME (§2.6 example: cron-12345).
    instance = app if app != "-" else (host if host != "-" else "")
    return message, _iso_ts(iso) if iso else None, instance, "rfc5424"


def _json(text: str) -> _Layer | None:
    """One JSON object with a message field (JSON-lines loggers, docker json-file, Render API)."""
    if text[-1:] != "}" and not text.rstrip().endswith("}"):
        return None
    try:
        obj: Any = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    for key in _MESSAGE_KEYS:
        message = obj.get(key)
        if isinstance(message, str):
            break
    else:
        return None  # a JSON line without a message (a config dump, corpus 105) stays whole
    wrapper = "json"
    if key == "log":
        if message.endswith("\n"):
            message = message[:-1]  # docker's json-file keeps the line's newline
        if "stream" in obj:
            wrapper = "docker-json"
    if message.endswith("\r"):
        message = message[:-1]
    if "\x1b" in message:
        message = ANSI.sub("", message)  # JSON carries colour codes as \u001b
    ts: float | None = None
    for key in _TS_KEYS:
        if key in obj:
            ts = _json_ts(obj[key])
            if ts is not None:
                break
    instance = ""
    labels = obj.get("labels")
    if isinstance(labels, list):
        # The Render API log object (§1.2): labels are a list of {name, value}.
        wrapper = "render-json"
        named = {
            label.get("name"): label.get("value") for label in labels if isinstance(label, dict)
        }
        for name in ("instance", "resource"):
            value = named.get(name)
            if isinstance(value, str) and value:
                instance = value
                break
    if not instance:
        for key in _INSTANCE_KEYS:
            value = obj.get(key)
            if isinstance(value, str) and value:
                instance = value
                break
    return message, ts, instance, wrapper


def _compose(text: str) -> _Layer | None:
    m = _COMPOSE.match(text)
    if m is None:
        return None
    name = m.group(1)
    if name.isupper() or name.isdigit():
        return None  # `INFO     | …`, `200   | …`: an app's own columns, not a service
    return text[m.end() :], None, name, "docker-compose"


def _k9s(text: str) -> _Layer | None:
    # A k9s pane border (corpus 102); the pane pads lines with spaces on the right.
    if text[1:2] in (" ", ""):
        return text[2:].rstrip(" "), None, "", "k9s"
    return None


def _space(text: str) -> _Layer | None:
    # Corpus 104 kept a pasted leading space before a syslog line. Anything else
    # indented (a traceback frame) is a message, never a wrapper.
    if text[1:4] in _MONTHS:
        return _syslog(text, 1, "syslog")
    return None


def _number(text: str) -> _Layer | None:
    layer = _digits(text)
    if layer is None and "  |" in text:
        return _compose(text)
    return layer


def _upper(text: str) -> _Layer | None:
    if text[:3] in _MONTHS:
        layer = _syslog(text, 0, "syslog")
        if layer is not None:
            return layer
    if "  |" in text:
        return _compose(text)
    return None


def _lower(text: str) -> _Layer | None:
    if "  |" in text:
        return _compose(text)
    return None


# The first character decides which wrappers can be there at all; a line whose
# first character is not a key (most bare app lines) costs one dict lookup.
_BY_FIRST: dict[str, Callable[[str], _Layer | None]] = {
    "[": _bracket,
    "{": _json,
    "<": _pri,
    "│": _k9s,
    " ": _space,
    **dict.fromkeys("0123456789", _number),
    **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _upper),
    **dict.fromkeys("abcdefghijklmnopqrstuvwxyz", _lower),
}


def _peel(text: str) -> _Layer | None:
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

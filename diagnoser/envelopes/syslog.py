"""Syslog-family wrappers: syslog files and journalctl (`Mmm dd hh:mm:ss host
ident[pid]: `), RFC 3164 and RFC 5424 frames (`<PRI>…`), journalctl
short-iso's `host ident:` after an RFC 3339 stamp, and dmesg's bracketed stamps.

§ numbers refer to `shared/reference/platform-log-formats.md`.
"""

from __future__ import annotations

import re

from diagnoser.envelopes.record import Layer
from diagnoser.timestamps import dated_ts, rfc3339_text_ts, yearless_ts

MONTHS = frozenset(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
)
# journald/syslog after the timestamp: `host ident[pid]: ` (§6).
HOST_IDENT = re.compile(r"(\S+) ([^\s\[:]+)(?:\[\d+\])?:(?: |$)")
# journalctl short / short-precise, syslog files, RFC 3164 after `<PRI>` (§4.1, §6).
SYSLOG = re.compile(
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)"
    r"(\.\d{1,6})? (\S+) ([^\s\[:]+)(?:\[\d+\])?:(?: |$)"
)
# RFC 5424 (§2.6, §6): `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`; SD is `-` or
# elements whose quoted values may hold `]`.
RFC5424 = re.compile(
    r"<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) "
    r'(-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: |$)'
)
PRI = re.compile(r"<\d{1,3}>")
# dmesg (§4.1): `[  142.890123] ` seconds since boot; `dmesg -T`: `[Mon Jan 15 10:23:45 2024] `.
DMESG = re.compile(r"\[ *\d+\.\d+\] ")
DMESG_T = re.compile(r"\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4})\] ")
# Papertrail-style Heroku idents (corpus 104): `heroku/web.1`, `app/web.1`.
HEROKU_IDENT = re.compile(r"(?:app|heroku)/(\S+)")


def after_ident(text: str, ident_at: int, end: int, host: str, ident: str) -> tuple[str, str]:
    """(message, instance) after a syslog `host ident[pid]: ` ending at `end`."""
    if ident.startswith("gunicorn."):
        # `--log-syslog` tags (`gunicorn.<name>.error:`) tell error from access lines
        # and are what the recognizers key on: keep them.
        return text[ident_at:], host
    message = text[end:]
    if ident == "kernel" and message[:1] == "[":
        # rsyslog keeps the dmesg seconds-since-boot prefix: `kernel: [5618442.047786] …`.
        boot = DMESG.match(message)
        if boot is not None:
            message = message[boot.end() :]
    elif "/" in ident:
        # Papertrail-style Heroku (`<app> heroku/web.1:`): the host column is the app
        # name, the dyno is the instance.
        dyno = HEROKU_IDENT.fullmatch(ident)
        if dyno is not None:
            return message, dyno.group(1)
    return message, host


def syslog(text: str, pos: int, wrapper: str) -> Layer | None:
    """`Mmm dd hh:mm:ss[.uuuuuu] host ident[pid]: msg` starting at `pos`."""
    m = SYSLOG.match(text, pos)
    if m is None:
        return None
    month, day, clock, frac, host, ident = m.groups()
    message, instance = after_ident(text, m.start(6), m.end(), host, ident)
    return message, yearless_ts(month, day, clock, frac), instance, wrapper


def journal_iso(text: str, end: int, ts: float | None) -> Layer | None:
    """journalctl -o short-iso's `host ident[pid]: ` after the stamp ending at `end`."""
    journal = HOST_IDENT.match(text, end)
    if journal is None:
        return None
    host, ident = journal.groups()
    message, instance = after_ident(text, journal.start(2), journal.end(), host, ident)
    return message, ts, instance, "journal-iso"


def pri(text: str) -> Layer | None:
    """An RFC 3164 (`<PRI>Mmm dd …`) or RFC 5424 (`<PRI>1 …`) frame."""
    head = PRI.match(text)
    if head is None:
        return None
    if text[head.end() : head.end() + 2] != "1 ":
        return syslog(text, head.end(), "rfc3164")
    m = RFC5424.match(text)
    if m is None:
        return None
    stamp, host, app, _procid, _msgid, _sd = m.groups()
    message = text[m.end() :]
    if message[:1] == "\ufeff":
        message = message[1:]  # RFC 5424 marks UTF-8 messages with a BOM
    if app.startswith("gunicorn."):
        message = f"{app}: {message}"  # the `--log-syslog` tag, as in a syslog file
    # Render's log streams put the instance in APP-NAME (§2.6 example: cron-12345).
    instance = app if app != "-" else (host if host != "-" else "")
    return message, rfc3339_text_ts(stamp), instance, "rfc5424"


def dmesg(text: str) -> Layer | None:
    """`[  142.890123] `: seconds since boot, so no wall time."""
    m = DMESG.match(text)
    if m is None:
        return None
    return text[m.end() :], None, "", "dmesg"


def dmesg_t(text: str) -> Layer | None:
    """`dmesg -T`'s `[Mon Jan 15 10:23:45 2024] `."""
    m = DMESG_T.match(text)
    if m is None:
        return None
    month, day, clock, year = m.groups()
    return text[m.end() :], dated_ts(year, month, day, clock), "", "dmesg-T"


def indented_syslog(text: str) -> Layer | None:
    # Corpus 104 kept a pasted leading space before a syslog line. Anything else
    # indented (a traceback frame) is a message, never a wrapper.
    if text[1:4] in MONTHS:
        return syslog(text, 1, "syslog")
    return None

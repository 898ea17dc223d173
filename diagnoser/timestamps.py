"""Timestamps found in log lines and their wrappers, turned into epoch seconds.

Consecutive lines mostly share a timestamp string, so the last conversions are
cached: the hot path is a dict lookup, not a datetime parse.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# Gunicorn's `[%Y-%m-%d %H:%M:%S %z]`, ISO 8601 / RFC 3339 (any fraction, Z or
# offset), and Python logging's `2025-07-30 11:10:08,123`.
TIMESTAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"(?: ?(Z|[+-]\d\d:?\d\d)(?![\d:]))?"
)
# A slash date as rich's console handler writes it (`[%x %X]`, C locale):
# `07/30/25 11:10:08`, also with a four-digit year. Read as UTC, month first.
SLASH_TIMESTAMP = re.compile(r"(?<![\d/])(\d\d)/(\d\d)/(\d\d|\d{4}) (\d\d):(\d\d):(\d\d)(?![\d/])")
# Gunicorn's access-log `%(t)s`: `[30/Jul/2025:11:10:08 +0000]`
ACCESS_TIME = re.compile(r"(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_CACHE_LIMIT = 4096
_cache: dict[str, float | None] = {}


def _zone(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _convert(m: re.Match[str]) -> float | None:
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=_zone(zone),
        )
    except ValueError:
        return None
    value = moment.timestamp()
    if frac:
        value += int(frac) / 10 ** len(frac)
    return value


def find_timestamp(text: str) -> float | None:
    """The first timestamp in `text` as epoch seconds (zone-less ones read as UTC)."""
    m = TIMESTAMP.search(text)
    if m is None:
        return _slash_timestamp(text) if "/" in text else None
    key = m.group(0)
    cached = _cache.get(key, -1.0)
    if cached != -1.0:
        return cached
    return _remember(key, _convert(m))


def _slash_timestamp(text: str) -> float | None:
    m = SLASH_TIMESTAMP.search(text)
    if m is None:
        return None
    key = m.group(0)
    cached = _cache.get(key, -1.0)
    if cached != -1.0:
        return cached
    month, day, year, hour, minute, second = (int(g) for g in m.groups())
    if year < 100:
        year += 2000
    try:
        value: float | None = datetime(
            year, month, day, hour, minute, second, tzinfo=UTC
        ).timestamp()
    except ValueError:
        value = None
    return _remember(key, value)


def parse_access_time(text: str) -> float | None:
    """Epoch seconds of an access-log `%(t)s` value."""
    cached = _cache.get(text, -1.0)
    if cached != -1.0:
        return cached
    return _remember(text, _access_time(text))


def _remember(key: str, value: float | None) -> float | None:
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = value
    return value


def _access_time(text: str) -> float | None:
    m = ACCESS_TIME.search(text)
    if m is None:
        return None
    day, mon, year, hour, minute, second, zone = m.groups()
    month = _MONTHS.get(mon)
    if month is None:
        return None
    try:
        moment = datetime(
            int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=_zone(zone)
        )
    except ValueError:
        return None
    return moment.timestamp()


# -- wrapper timestamps -------------------------------------------------------------
# Consecutive lines share their whole-second part, so that part is converted once
# and the fraction added: a dict lookup per line, not a datetime.
_seconds: dict[str, float | None] = {}


def _remember_seconds(key: str, value: float | None) -> float | None:
    if len(_seconds) >= _CACHE_LIMIT:
        _seconds.clear()
    _seconds[key] = value
    return value


def _with_fraction(base: float | None, frac: str | None) -> float | None:
    if base is None or frac is None or len(frac) < 2:
        return base
    return base + float(frac)


def iso_ts(seconds: str, frac: str | None, zone: str) -> float | None:
    """Epoch seconds of an RFC 3339 stamp given as whole seconds, `.fraction` and zone."""
    key = seconds + zone
    base = _seconds.get(key, -1.0)
    if base == -1.0:
        base = _remember_seconds(key, find_timestamp(key))
    # `_with_fraction`, inlined: this is the docker/kubectl/Render per-line path.
    if base is None or frac is None or len(frac) < 2:
        return base
    return base + float(frac)


def naive_ts(text: str) -> float | None:
    """`YYYY-MM-DD HH:MM:SS` read as UTC."""
    base = _seconds.get(text, -1.0)
    if base == -1.0:
        base = _remember_seconds(text, find_timestamp(text))
    return base


def yearless_ts(month: str, day: str, clock: str, frac: str | None) -> float | None:
    """A syslog `Mmm dd hh:mm:ss`, in the latest year that does not put it in the future."""
    key = f"{month} {day} {clock}"
    base = _seconds.get(key, -1.0)
    if base == -1.0:
        base = _remember_seconds(key, _latest_year(_MONTHS[month], int(day), clock))
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


def dated_ts(year: str, month: str, day: str, clock: str) -> float | None:
    """`dmesg -T`'s `Mon Jan 15 10:23:45 2024`, given as its parts, read as UTC."""
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
        return _remember_seconds(key, None)
    return _remember_seconds(key, moment.timestamp())


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


def json_ts(value: object) -> float | None:
    """Epoch seconds of a JSON timestamp value: RFC 3339 text or a number of s/ms/µs/ns."""
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


# RFC 3339 at a wrapper's start (§0.3: 0-9 fraction digits, Z or an offset with or
# without a colon): docker/kubectl --timestamps, CRI files, Render dashboard,
# Heroku, Fly, journalctl -o short-iso, RFC 5424 frames.
RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{0,9})?(Z|[+-]\d\d:?\d\d)")


def rfc3339_ts(m: re.Match[str]) -> float | None:
    """Epoch seconds of an `RFC3339` match."""
    seconds, frac, zone = m.groups()
    return iso_ts(seconds, frac, zone)


def rfc3339_text_ts(text: str) -> float | None:
    """Epoch seconds of a whole RFC 3339 field (a syslog frame's TIMESTAMP), or None."""
    m = RFC3339.fullmatch(text)
    return rfc3339_ts(m) if m is not None else None


# -- the log's own time, for the report -----------------------------------------------


def log_time(ts: float, text: str) -> str:
    """`ts` in ISO 8601 as the line `text` wrote it: with the offset of the stamp in it
    that is this instant (a zone-less one stays without offset), else in UTC (`Z`)."""
    naive: str | None = None
    for m in TIMESTAMP.finditer(text):
        value = _convert(m)
        if value is None or abs(value - ts) >= 1:
            continue
        if m.group(8) is not None:
            return _iso(ts, _zone(m.group(8)))
        naive = naive or _iso(ts, UTC)[:-1]  # read as UTC: the same wall clock, no zone
    access = ACCESS_TIME.search(text)
    if access is not None and naive is None:
        value = _access_time(access.group(0))
        if value is not None and abs(value - ts) < 1:
            return _iso(ts, _zone(access.group(7)))
    return naive if naive is not None else _iso(ts, UTC)


def _iso(ts: float, zone: timezone) -> str:
    moment = datetime.fromtimestamp(ts, zone)
    text = moment.isoformat(timespec="milliseconds" if ts % 1 else "seconds")
    return text.replace("+00:00", "Z") if zone is UTC else text

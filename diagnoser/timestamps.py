"""Timestamps found in log lines, turned into epoch seconds.

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
        return None
    key = m.group(0)
    cached = _cache.get(key, -1.0)
    if cached != -1.0:
        return cached
    return _remember(key, _convert(m))


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

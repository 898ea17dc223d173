"""Django lines seen next to Gunicorn timeouts.

`django.db.backends` at DEBUG logs every query after it returns, with its
duration in seconds: `(%.3f) %s; args=%s` (3.2) and `…; alias=%s` (4.0+). The
line may carry a logging prefix, so the pattern is searched, not anchored.
"""

from __future__ import annotations

import re

SQL = re.compile(
    r"(?:^|\s)\((?P<duration>\d+\.\d{3})\) (?P<sql>.*?); args=(?P<args>.*?)"
    r"(?:; alias=(?P<alias>\w+))?$"
)
REQUEST = re.compile(
    r"(?P<reason>Internal Server Error|Service Unavailable|Gateway Timeout): (?P<path>/\S*)$"
)
MAX_SQL = 300  # characters of SQL kept in a field: enough to name the query


def match_sql(message: str) -> dict[str, str | int | float] | None:
    """Fields of a Django SQL debug line, or None."""
    if "; args=" not in message:
        return None
    m = SQL.search(message)
    if m is None:
        return None
    sql = m.group("sql")
    fields: dict[str, str | int | float] = {
        "duration": float(m.group("duration")),
        "sql": sql if len(sql) <= MAX_SQL else sql[:MAX_SQL] + "…",
    }
    if m.group("alias"):
        fields["alias"] = m.group("alias")
    return fields


def match_request_error(message: str) -> dict[str, str | int | float] | None:
    """`Internal Server Error: /path` from `django.request` (a traceback follows)."""
    if "Error: /" not in message and ": /" not in message:
        return None
    m = REQUEST.search(message)
    if m is None:
        return None
    return {"reason": m.group("reason"), "path": m.group("path")}

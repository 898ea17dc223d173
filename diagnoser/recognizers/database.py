"""PostgreSQL and its drivers: statement timeouts, slow-query durations and
connection failures, from the server log or the app's own exception lines
(catalogue §8).
"""

from __future__ import annotations

import re

from diagnoser.events import Kind
from diagnoser.recognizers.companion import Companion, Fields
from diagnoser.recognizers.django import MAX_SQL

_PG_LEVELS = (
    "LOG|ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|DEBUG[1-5]|STATEMENT|DETAIL|HINT|CONTEXT"
    "|QUERY|LOCATION"
)
# `<log_line_prefix>LEVEL:  message`: PostgreSQL puts two spaces after the level.
PG_LINE = re.compile(rf"(?:^|(?<=\s))(?P<level>{_PG_LEVELS}):  (?P<msg>\S.*)")
PG_PID = re.compile(r"\[(\d+)\]")  # %p in the default `%m [%p] ` prefix
PG_DURATION = re.compile(
    r"duration: (?P<ms>\d+(?:\.\d+)?) ms"
    r"(?:  (?:statement|(?:execute|parse|bind) [^:]*): (?P<sql>.*))?$"
)
PG_CANCEL = re.compile(
    r"(?:(?P<exc>[A-Za-z_][\w.]*): )?(?:\((?P<inner>[\w.]+)\) )?"
    r"(?:canceling statement due to (?P<why>statement timeout|lock timeout|user request)"
    r"|terminating connection due to (?P<idle>idle-in-transaction) timeout)"
)
_CANCEL_REASONS = {
    "statement timeout": "statement_timeout",
    "lock timeout": "lock_timeout",
    "user request": "user_request",
}
# An exception name at the start of an app line: `psycopg_pool.PoolTimeout: …`.
APP_EXCEPTION = re.compile(
    r"(?P<exc>(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Canceled|Timeout)): (?=\S)"
)
PG_CONNECT_FAILED = re.compile(r"connection to server (?:at|on socket) .*? failed: ")
POOL_WAIT = re.compile(r"(?:couldn't get a connection after|, timeout) (\d+(?:\.\d+)?)")


def match_database(message: str) -> Companion | None:
    """PostgreSQL server lines and the driver/pool errors an app logs about its database."""
    pg = PG_LINE.search(message) if ":  " in message else None
    if pg is not None:
        return _postgres(message, pg)
    fields: Fields = {}
    exc = APP_EXCEPTION.match(message)
    if exc is not None:
        fields["exception"] = exc["exc"]
    return _db_problem(message, fields)


def _postgres(message: str, pg: re.Match[str]) -> Companion | None:
    """`<log_line_prefix>LEVEL:  message` (default prefix `%m [%p] `)."""
    level = pg["level"]
    text = pg["msg"]
    fields: Fields = {"level": level}
    pid = PG_PID.search(message, 0, pg.start())
    if pid is not None:
        fields["backend_pid"] = int(pid.group(1))
    else:  # a driver that kept the server's `FATAL:  ` (psycopg2 connection errors)
        exc = APP_EXCEPTION.match(message)
        if exc is not None:
            fields["exception"] = exc["exc"]
    # Lines that carry SQL text come first: the query may hold any words.
    if level == "LOG" and text.startswith("duration: "):
        m = PG_DURATION.match(text)
        if m is not None:
            out: Fields = {"duration": float(m["ms"]) / 1000}
            sql = m["sql"]
            if sql:
                out["sql"] = _cut(sql)
            if pid is not None:
                out["backend_pid"] = fields["backend_pid"]
            return Companion(Kind.SQL_QUERY, out)
    if level != "STATEMENT":
        found = _db_problem(text, fields)
        if found is not None:
            return found
    if pid is None:
        # A bare `WARNING:  …` is also uvicorn's own format: only a prefixed line is PG's.
        return None
    fields["message"] = _cut(text)
    if level == "STATEMENT":
        fields["sql"] = fields["message"]
    return Companion(Kind.DB_LOG, fields)


def _db_problem(text: str, fields: Fields) -> Companion | None:
    """A statement cancelled by a timeout, or a failure to get a connection."""
    if "canceling statement due to " in text or "idle-in-transaction" in text:
        m = PG_CANCEL.search(text)
        if m is not None:
            why = m["why"]
            fields["reason"] = _CANCEL_REASONS[why] if why else "idle_in_transaction"
            if "level" not in fields and (m["exc"] or m["inner"]):
                fields["exception"] = m["exc"] or m["inner"]
            return Companion(Kind.DB_STATEMENT_TIMEOUT, fields)
    error = _connection_error(text)
    if error is None:
        return None
    fields["error"] = error
    if error == "pool_timeout":
        wait = POOL_WAIT.search(text)
        if wait is not None:
            fields["wait_s"] = float(wait.group(1))
    return Companion(Kind.DB_CONNECTION_ERROR, fields)


def _cut(text: str) -> str:
    """At most MAX_SQL characters, as Django's SQL events keep them."""
    return text if len(text) <= MAX_SQL else text[:MAX_SQL] + "…"


def _connection_error(text: str) -> str | None:
    """A short id for a failure to get or keep a database connection, or None."""
    if "couldn't get a connection after" in text or "QueuePool limit of size" in text:
        return "pool_timeout"
    if "too many clients already" in text or "remaining connection slots are reserved" in text:
        return "too_many_connections"
    if "password authentication failed" in text:
        return "auth_failed"
    if "server closed the connection unexpectedly" in text:
        return "closed"
    if "could not translate host name" in text:
        return "dns"
    if "the database system is " in text and (
        "starting up" in text or "shutting down" in text or "in recovery mode" in text
    ):
        return "unavailable"
    if "could not connect to server" in text or PG_CONNECT_FAILED.search(text):
        if "Connection refused" in text or "No such file or directory" in text:
            return "refused"
        if "timed out" in text or "timeout expired" in text:
            return "timeout"
        return "connect_failed"
    return None

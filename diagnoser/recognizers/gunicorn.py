"""Gunicorn and Uvicorn-worker message templates, every version 19.9 to 27.0.1.

Each template is the exact text Gunicorn logs (see docs/log-templates.md). The
line prefix `[pid] [LEVEL]` is found by `CORE` wherever it sits in the line, so
a missing or reformatted timestamp, or a platform prefix, does not hide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diagnoser.events import Kind

# `[pid] [LEVEL] message`: the part of Gunicorn's error_fmt that never changed.
CORE = re.compile(r"\[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ")
# `--log-syslog`: `gunicorn.<name>.error: [pid] message` (no level).
SYSLOG_CORE = re.compile(r"gunicorn\.[\w.-]*\.error: \[(\d+)\] ")
# `--log-syslog` access lines: `gunicorn.<name>.access: [pid] <access line>`.
SYSLOG_ACCESS_CORE = re.compile(r"gunicorn\.[\w.-]*\.access: \[(\d+)\] ")
# `[ERROR] message` at the start of a line: a log viewer dropped the time and pid.
LEVEL_CORE = re.compile(r"\s*\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ")
# Standalone uvicorn: `INFO:     message` (level, colon, padding to 9 columns).
UVICORN_CORE = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s+")

# The message cores worth finding anywhere in a line, whatever precedes them: a
# logging format, a viewer's columns, a cut first line. Spacing may be doubled or
# tabbed by a paste; `normalize` folds it before the templates are tried.
KEYWORDS = re.compile(
    r"WORKER\s+TIMEOUT"
    r"|Worker\s*\(pid:"
    r"|Worker with pid \d+ was terminated"
    r"|Worker\s+exiting"
    r"|Booting\s+worker"
    r"|Reason:\s+(?:Worker failed to boot|App failed to load)"
    r"|Shutting down: Master"
    r"|Exception in worker process"
    r"|Exception while loading the application"
    r"|Connection in use: "
    r"|Can't connect to "
    r"|Invalid address: "
    r"|Failed to find (?:attribute|application object) '"
    r"|Starting gunicorn \d"
    r"|Listening at: "
    r"|Using worker: "
    r"|Handling signal: "
    r"|Autorestarting worker"
    r"|Worker graceful timeout"
    r"|Error handling request"
)
# The level word a foreign prefix carries (`CRITICAL gunicorn.error`, `[critical ]`).
PREFIX_LEVEL = re.compile(
    r"(?<![A-Za-z])(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)(?![A-Za-z])", re.IGNORECASE
)
# A bracketed pid column in a foreign prefix: `[85]`.
PREFIX_PID = re.compile(r"\[(\d{1,9})\]")
_SPACES = re.compile(r"[ \t\u00a0]+")
# What loggers and viewers put after the message: rich's `file.py:123` column,
# structlog's `[logger]`, a pane border, a JSON tail.
TRAILER = re.compile(r"(?:\s{2,}(?:[\w.-]+\.py:\d+|\[[\w.-]+\]|│))+\s*$|\s+$")


def normalize(body: str) -> str:
    """A message core as a paste or a foreign logger left it, in Gunicorn's own spacing."""
    body = TRAILER.sub("", body)
    body = _SPACES.sub(" ", body)
    if "WORKER TIMEOUT" in body or "Worker (" in body:
        body = body.replace("(pid: ", "(pid:")
    return body


SIGNAL_NAMES = {
    1: "SIGHUP",
    2: "SIGINT",
    3: "SIGQUIT",
    4: "SIGILL",
    6: "SIGABRT",
    7: "SIGBUS",
    8: "SIGFPE",
    9: "SIGKILL",
    10: "SIGUSR1",
    11: "SIGSEGV",
    12: "SIGUSR2",
    13: "SIGPIPE",
    14: "SIGALRM",
    15: "SIGTERM",
}
SIGNAL_NUMBERS = {name: num for num, name in SIGNAL_NAMES.items()}


@dataclass(slots=True, frozen=True)
class Template:
    """One message template: a compiled regex anchored at the message start."""

    kind: Kind
    pattern: re.Pattern[str]
    about_worker: bool  # True: the line is about the worker pid (bracket pid or a group)
    takes_traceback: bool = False
    takes_block: bool = False  # an indented `name: value` block follows (config dump)


def _t(
    kind: Kind,
    pattern: str,
    about_worker: bool = False,
    *,
    traceback: bool = False,
    block: bool = False,
) -> Template:
    return Template(kind, re.compile(pattern), about_worker, traceback, block)


# Order matters only inside a first-word bucket: the first match wins.
TEMPLATES: tuple[Template, ...] = (
    # arbiter
    _t(Kind.MASTER_START, r"Starting gunicorn (?P<version>\S+)"),
    _t(Kind.ARBITER_BOOTED, r"Arbiter booted$"),
    _t(Kind.LISTENING, r"Listening at: (?P<listeners>.+?)(?: \((?P<master>\d+)\))?$"),
    _t(Kind.USING_WORKER, r"Using worker: (?P<worker_class>\S+)"),
    _t(Kind.CONFIG_DUMP, r"Current configuration:", block=True),
    _t(Kind.WORKER_BOOT, r"Booting worker with pid: (?P<pid>\d+)"),
    # the pid is left out when people quote the line in prose
    _t(Kind.WORKER_TIMEOUT, r"WORKER TIMEOUT(?: \(pid:(?P<pid>\d+)\)|$)"),
    _t(Kind.MASTER_OTHER, r"DIRTY WORKER TIMEOUT \(pid:(?P<dirty_pid>\d+)\)"),
    _t(
        Kind.WORKER_SIGNALED,
        r"Worker with pid (?P<pid>\d+) was terminated due to signal (?P<signum>\d+)",
    ),
    _t(
        Kind.WORKER_EXIT_CODE,
        r"Worker \(pid:(?P<pid>\d+)\) exited with code (?P<code>-?\d+)(?P<period>\.?)$",
    ),
    _t(
        Kind.WORKER_SIGNALED,
        r"Worker \(pid:(?P<pid>\d+)\) was sent (?:(?P<signame>SIG[A-Z0-9]+)"
        r"|code (?P<rawcode>\d+)|signal (?P<signum>\d+))!(?P<oom_hint> Perhaps out of memory\?)?",
    ),
    _t(Kind.WORKER_EXITING, r"Worker exiting \(pid: ?(?P<pid>\d+)\)", True),
    _t(Kind.WORKER_EXCEPTION, r"Exception in worker process", True, traceback=True),
    _t(
        Kind.APP_LOAD_ERROR,
        r"Exception while loading the application",
        True,
        traceback=True,
    ),
    _t(Kind.WORKER_OTHER, r"Exception during worker exit:", True, traceback=True),
    _t(Kind.MASTER_SHUTDOWN, r"Shutting down: (?P<master_name>.+)"),
    _t(Kind.HALT_REASON, r"Reason: (?P<reason>.+)"),
    _t(Kind.SIGNAL_HANDLED, r"Handling signal: (?P<signal>\w+)"),
    _t(Kind.UNHANDLED_SIGNAL, r"Unhandled signal: (?P<signal>\w+)"),
    _t(Kind.MASTER_OTHER, r"Ignoring unknown signal: "),
    _t(Kind.HANG_UP, r"Hang up: (?P<master_name>.+)"),
    _t(Kind.MASTER_OTHER, r"Master has been promoted\."),
    _t(Kind.MASTER_OTHER, r"USR2 signal ignored\. (?:Child|Parent) exists\."),
    _t(Kind.MASTER_OTHER, r"graceful stop of workers"),
    _t(Kind.MASTER_OTHER, r"SIGWINCH ignored\. Not daemonized"),
    _t(Kind.MASTER_CRASH, r"Unhandled exception in main loop", traceback=True),
    _t(Kind.WORKER_COUNT, r"(?P<count>\d+) workers$"),
    _t(Kind.MASTER_OTHER, r"socket backlog: (?P<backlog>\d+)"),
    _t(Kind.MASTER_OTHER, r"Quick shutdown requested"),
    _t(Kind.CONTROL_SOCKET, r"Control socket listening at (?P<path>.+)"),
    _t(Kind.MASTER_OTHER, r"Failed to start control socket: "),
    _t(Kind.MASTER_OTHER, r"Control socket disabled"),
    _t(Kind.MASTER_OTHER, r"Spawned dirty arbiter \(pid: ?\d+\)"),
    _t(Kind.MASTER_OTHER, r"Dirty arbiter \(pid:\d+\) (?:exited with code|killed by signal)"),
    _t(Kind.MASTER_OTHER, r"reloading the logger configuration failed"),
    _t(Kind.MASTER_OTHER, r"Reaped unknown child process \(pid:\d+, status:-?\d+\)"),
    _t(Kind.BIND_ERROR, r"Connection in use: (?P<address>.+)"),
    _t(Kind.BIND_ERROR, r"Invalid address: (?P<address>.+)"),
    _t(Kind.BIND_ERROR, r"connection to (?P<address>.+) failed: (?P<error>.+)"),
    _t(Kind.BIND_ERROR, r"Retrying in 1 second\."),
    _t(Kind.BIND_ERROR, r"Can't connect to (?P<address>.+)"),
    # worker
    _t(
        Kind.REQUEST_ERROR,
        r"Error handling request(?: (?P<no_uri>\(no URI read\))"
        r"| (?P<method>[A-Z]+) (?P<uri>\S.*)| (?P<raw_uri>\S.*))?$",
        True,
        traceback=True,
    ),
    _t(Kind.WORKER_OTHER, r"Exception in post_request hook", True, traceback=True),
    _t(Kind.SOCKET_ERROR, r"Socket error processing request\.", True, traceback=True),
    _t(Kind.WORKER_OTHER, r"Ignoring (?:EPIPE|connection epipe|connection reset)", True),
    _t(Kind.WORKER_OTHER, r"Ignoring socket not connected", True),
    _t(Kind.WORKER_OTHER, r"Ignored premature client disconnection\.", True),
    _t(Kind.WORKER_OTHER, r"Closing connection\.", True),
    _t(Kind.WORKER_OTHER, r"ssl connection closed", True),
    _t(Kind.WORKER_OTHER, r"Error processing SSL request\.", True),
    _t(Kind.WORKER_OTHER, r"Failed to send error message\.", True),
    _t(Kind.WORKER_OTHER, r"worker: SIGWINCH ignored\.", True),
    _t(Kind.INVALID_REQUEST, r"Invalid request from ip=(?P<ip>\S+): (?P<error>.*)", True),
    _t(Kind.MAX_REQUESTS, r"Autorestarting worker after current request\.", True),
    _t(Kind.PARENT_CHANGED, r"Parent changed, shutting down: ", True),
    _t(Kind.WORKER_RELOADING, r"Worker reloading: (?P<file>.+) modified", True),
    _t(Kind.WORKER_OTHER, r"Reloader is on\. Use in development only!", True),
    _t(Kind.GRACEFUL_TIMEOUT, r"Worker graceful timeout \(pid:(?P<pid>\d+)\)", True),
    _t(Kind.WORKER_OTHER, r"No keepalived connections can be handled\.", True),
    _t(Kind.WORKER_OTHER, r"HTTP/2 ", True),
    # gunicorn's own ASGI worker (24.0+)
    _t(Kind.WORKER_OTHER, r"ASGI server listening on ", True),
    _t(Kind.WORKER_OTHER, r"Worker shutting down\.\.\.", True),
    _t(Kind.WORKER_OTHER, r"Waiting for \d+ connections to finish\.\.\.", True),
    _t(Kind.WORKER_OTHER, r"Forcing close of \d+ connections", True),
    _t(Kind.UVICORN_STARTUP_FAILED, r"ASGI lifespan startup failed: (?P<error>.*)", True),
    _t(Kind.WORKER_OTHER, r"Worker exception: ", True),
    # uvicorn, through the Gunicorn worker or standalone
    _t(Kind.UVICORN_STARTED, r"Started server process \[(?P<pid>\d+)\]", True),
    _t(Kind.UVICORN_STARTUP, r"Waiting for application startup\.", True),
    _t(Kind.UVICORN_STARTUP, r"Application startup complete\.", True),
    _t(Kind.UVICORN_STARTUP_FAILED, r"Application startup failed\. Exiting\.", True),
    _t(Kind.UVICORN_OTHER, r"ASGI 'lifespan' protocol appears unsupported\.", True),
    _t(Kind.UVICORN_OTHER, r"Exception in 'lifespan' protocol", True, traceback=True),
    _t(Kind.UVICORN_OTHER, r"Uvicorn running on ", True),
    _t(Kind.UVICORN_SHUTDOWN, r"Shutting down$", True),
    _t(Kind.UVICORN_OTHER, r"Waiting for (?:connections to close|background tasks)", True),
    _t(Kind.UVICORN_OTHER, r"Cancel \d+ running task\(s\), timeout graceful shutdown", True),
    _t(Kind.UVICORN_SHUTDOWN, r"Waiting for application shutdown\.", True),
    _t(Kind.UVICORN_SHUTDOWN, r"Application shutdown complete\.", True),
    _t(Kind.UVICORN_FINISHED, r"Finished server process \[(?P<pid>\d+)\]", True),
    # uvicorn's own multiprocess supervisor (`uvicorn --workers N`)
    _t(Kind.UVICORN_OTHER, r"Started parent process \[(?P<parent>\d+)\]"),
    _t(Kind.UVICORN_OTHER, r"Waiting for child process \[(?P<child>\d+)\]"),
    _t(
        Kind.MAX_REQUESTS,
        r"Maximum request limit of (?P<limit>\d+) exceeded\. Terminating process\.",
        True,
    ),
)

# Raw (unprefixed) text Gunicorn prints on stderr when the app can't be loaded.
RAW_TEMPLATES: tuple[Template, ...] = (
    _t(
        Kind.APP_LOAD_ERROR,
        r"Failed to find attribute '(?P<attribute>[^']*)' in '(?P<module>[^']*)'\.$",
    ),
    _t(
        Kind.APP_LOAD_ERROR,
        r"Failed to find application object '(?P<attribute>[^']*)' in '(?P<module>[^']*)'$",
    ),
    _t(
        Kind.APP_LOAD_ERROR,
        r"Failed to parse '(?P<attribute>[^']*)' as an attribute name or function call\.$",
    ),
    _t(Kind.APP_LOAD_ERROR, r"Application object must be callable\.$"),
)


# What the master prints on stderr, unprefixed, when it cannot start at all
# (gunicorn/app/base.py, app/wsgiapp.py, util.py, pidfile.py, config.py), and
# what a shell or a container runtime says when Gunicorn is not installed.
MASTER_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Error: class uri '(?P<detail>[^']*)' invalid or not found"), "worker_class"),
    (re.compile(r"Error: Already running on PID (?P<detail>\d+)"), "already_running"),
    (re.compile(r"Error: (?P<detail>.*?) is not a valid port number\."), "bad_port"),
    (re.compile(r"Error: No application module specified\."), "no_app"),
    (re.compile(r"Error: (?P<detail>'[^']*') (?:not found|doesn't exist)"), "config_missing"),
    (re.compile(r"Failed to read config file: (?P<detail>.+)"), "config_unreadable"),
    (re.compile(r"Invalid value for (?P<detail>\S+): "), "invalid_setting"),
    (re.compile(r"Error: No such (?:user|group): (?P<detail>.+)"), "no_such_user"),
    (re.compile(r"Error: can't chdir to (?P<detail>.+)"), "chdir"),
    (re.compile(r"Error: '(?P<detail>[^']*)' isn't writable"), "not_writable"),
    (re.compile(r"Error: (?P<detail>.*?) is not a valid file descriptor\."), "bad_fd"),
    (re.compile(r"gunicorn: error: (?P<detail>.+)"), "bad_arguments"),
    (re.compile(r"\bgunicorn: (?:command )?not found"), "not_installed"),
    (re.compile(r'exec: "gunicorn": executable file not found'), "not_installed"),
    (re.compile(r"No module named '?gunicorn'?$"), "not_installed"),
)
_MASTER_ERROR_HINTS = ("Error: ", "Failed to read", "Invalid value", "gunicorn", "No module named")


def match_master_error(text: str) -> tuple[str, str] | None:
    """(error, detail) of a line the master printed when it could not start."""
    if not any(hint in text for hint in _MASTER_ERROR_HINTS):
        return None
    for pattern, error in MASTER_ERRORS:
        m = pattern.search(text)
        if m is not None:
            groups = m.groupdict()
            return error, groups.get("detail") or ""
    return None


def _bucket(templates: tuple[Template, ...]) -> dict[str, tuple[Template, ...]]:
    """Index templates by the first word of their literal text for a fast dispatch."""
    buckets: dict[str, list[Template]] = {}
    for template in templates:
        literal = re.match(r"[A-Za-z0-9'/:]+", template.pattern.pattern)
        key = literal.group(0).split(":")[0] if literal else ""
        if template.pattern.pattern.startswith("(?P<count>"):
            key = ""
        buckets.setdefault(key, []).append(template)
    return {k: tuple(v) for k, v in buckets.items()}


_BUCKETS = _bucket(TEMPLATES)
_FALLBACK = _BUCKETS.get("", ())


def match_message(message: str) -> tuple[Template, re.Match[str]] | None:
    """The template that `message` (the text after `[pid] [LEVEL] `) was printed from."""
    space = message.find(" ")
    first = message if space < 0 else message[:space]
    colon = first.find(":")
    if colon > 0:
        first = first[:colon]
    for template in _BUCKETS.get(first, ()):
        m = template.pattern.match(message)
        if m is not None:
            return template, m
    for template in _FALLBACK:
        m = template.pattern.match(message)
        if m is not None:
            return template, m
    return None


def match_raw(text: str) -> tuple[Template, re.Match[str]] | None:
    """Raw Gunicorn stderr text with no prefix (app load errors)."""
    if not text.startswith(("Failed", "Application")):
        return None
    for template in RAW_TEMPLATES:
        m = template.pattern.match(text)
        if m is not None:
            return template, m
    return None


def signal_fields(groups: dict[str, str | None]) -> dict[str, str | int | float]:
    """Normalise the three ways a worker's death by signal is written.

    `was sent SIGKILL!` (21+), `was sent code 134!` (21-23 with a core dump: the raw
    wait status, so 134 = SIGABRT | 0x80) and `terminated due to signal 9` (20.1).
    """
    fields: dict[str, str | int | float] = {}
    signame = groups.get("signame")
    signum_text = groups.get("signum")
    rawcode = groups.get("rawcode")
    if signame:
        fields["signal"] = signame
        if signame in SIGNAL_NUMBERS:
            fields["signum"] = SIGNAL_NUMBERS[signame]
    elif rawcode:
        raw = int(rawcode)
        num = raw & 0x7F
        fields["signum"] = num
        fields["signal"] = SIGNAL_NAMES.get(num, f"signal {num}")
        fields["core_dumped"] = 1 if raw & 0x80 else 0
    elif signum_text:
        num = int(signum_text)
        fields["signum"] = num
        fields["signal"] = SIGNAL_NAMES.get(num, f"signal {num}")
    if groups.get("oom_hint"):
        fields["oom_hint"] = 1
    return fields

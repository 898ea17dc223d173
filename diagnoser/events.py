"""Typed events: what one recognized log line (or assembled traceback) means.

Events are the currency between the recognizers, the correlator and the rule
engine. They are slotted dataclasses because one is made per recognized line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """Closed vocabulary of event kinds that rules can name."""

    # master (arbiter) lines
    MASTER_START = "master_start"  # Starting gunicorn <version>
    LISTENING = "listening"
    USING_WORKER = "using_worker"
    ARBITER_BOOTED = "arbiter_booted"
    CONFIG_DUMP = "config_dump"
    WORKER_TIMEOUT = "worker_timeout"  # WORKER TIMEOUT (pid:N)
    WORKER_EXIT_CODE = "worker_exit_code"  # Worker (pid:N) exited with code C[.]
    WORKER_SIGNALED = "worker_signaled"  # was sent SIGx! / terminated due to signal S
    SIGNAL_HANDLED = "signal_handled"  # Handling signal: term
    UNHANDLED_SIGNAL = "unhandled_signal"
    HANG_UP = "hang_up"  # Hang up: Master
    MASTER_SHUTDOWN = "master_shutdown"  # Shutting down: Master
    HALT_REASON = "halt_reason"  # Reason: Worker failed to boot.
    MASTER_CRASH = "master_crash"  # Unhandled exception in main loop
    WORKER_COUNT = "worker_count"  # {N} workers (debug)
    CONTROL_SOCKET = "control_socket"  # Control socket listening at ...
    BIND_ERROR = "bind_error"  # Connection in use / Can't connect / Invalid address
    MASTER_OTHER = "master_other"  # known but diagnostically quiet master lines
    # worker lines
    WORKER_BOOT = "worker_boot"  # Booting worker with pid: N
    WORKER_EXITING = "worker_exiting"  # Worker exiting (pid: N)
    REQUEST_ERROR = "request_error"  # Error handling request ... (+ traceback)
    WORKER_ABORT = "worker_abort"  # request_error whose traceback ends in handle_abort
    WORKER_EXCEPTION = "worker_exception"  # Exception in worker process (+ traceback)
    APP_LOAD_ERROR = "app_load_error"  # Exception while loading the application / raw error
    MASTER_ERROR = "master_error"  # the master could not start: `Error: …` on stderr, bad arguments
    MAX_REQUESTS = "max_requests"  # Autorestarting worker after current request.
    PARENT_CHANGED = "parent_changed"
    WORKER_RELOADING = "worker_reloading"
    INVALID_REQUEST = "invalid_request"
    GRACEFUL_TIMEOUT = "graceful_timeout"  # gevent: Worker graceful timeout (pid:N)
    SOCKET_ERROR = "socket_error"
    WORKER_OTHER = "worker_other"
    # uvicorn worker lines
    UVICORN_STARTED = "uvicorn_started"
    UVICORN_STARTUP = "uvicorn_startup"
    UVICORN_STARTUP_FAILED = "uvicorn_startup_failed"
    UVICORN_SHUTDOWN = "uvicorn_shutdown"
    UVICORN_FINISHED = "uvicorn_finished"
    UVICORN_OTHER = "uvicorn_other"
    # requests
    ACCESS = "access"
    # Django
    SQL_QUERY = "sql_query"  # django.db.backends debug line, with its duration
    DJANGO_REQUEST_ERROR = "django_request_error"  # Internal Server Error: /path
    # memory (kernel, systemd, platforms)
    KERNEL_OOM = "kernel_oom"  # Out of memory: Killed process N (comm) ... / oom-kill:...task=,pid=
    OOM_INVOKED = "oom_invoked"  # <comm> invoked oom-killer: ...
    PLATFORM_OOM = "platform_oom"  # Render "Ran out of memory", Fly, Cloud Run, OOMKilled, systemd
    MEMORY_PRESSURE = "memory_pressure"  # Heroku R14 (over quota, swapping)
    MEMORY_KILL = "memory_kill"  # Heroku R15 (vastly over quota: SIGKILL follows)
    MEMORY_SAMPLE = "memory_sample"  # Heroku mem=...M(NN%) / runtime-metrics sample#memory_*
    # platform process lifecycle
    PROCESS_EXIT = "process_exit"  # ==> Exited with status N / Process exited with status N
    PLATFORM_KILL = "platform_kill"  # Heroku: Stopping process with SIGKILL
    PLATFORM_CRASHED = "platform_crashed"  # Heroku: State changed from up to crashed
    PLATFORM_ERROR = "platform_error"  # Heroku R10/R12, Render port scan timeout, Timed Out
    DEPLOY = "deploy"  # Render ==> Deploying..., Running '...', Your service is live
    # requests seen by a router or proxy
    REQUEST_LOG = "request_log"  # Render request log (responseTimeMS), Heroku router line
    PROXY_ERROR = "proxy_error"  # nginx upstream timed out / prematurely closed / refused
    # database
    DB_STATEMENT_TIMEOUT = "db_statement_timeout"  # canceling statement due to statement timeout
    DB_CONNECTION_ERROR = "db_connection_error"  # refused, too many clients, pool timeout
    DB_LOG = "db_log"  # other PostgreSQL server lines
    # a database driver's own logger (psycopg, sqlalchemy) in a worker's line
    DB_DRIVER_LOG = "db_driver_log"
    FORK_SAFETY_CRASH = "fork_safety_crash"  # macOS objc: a forked worker crashed on purpose
    # supervisors
    SUPERVISOR_EXIT = "supervisor_exit"  # supervisord: exited: gunicorn (exit status 1; ...)
    UVICORN_CHILD_DIED = "uvicorn_child_died"  # INFO: Child process [N] died
    # application output around boots
    APP_PROGRESS = "app_progress"  # a tqdm-style progress bar (model download or load)
    EXCEPTION_LINE = "exception_line"  # `SomeError: message` outside any traceback
    # anything with a traceback that no header claimed
    TRACEBACK = "traceback"


@dataclass(slots=True, frozen=True)
class WorkerRef:
    """One worker life: a pid on an instance, numbered across pid reuse."""

    instance: str
    pid: int
    generation: int = 0


@dataclass(slots=True)
class Frame:
    """One `File "...", line N, in func` frame of a traceback, with its code line."""

    file: str
    line: int
    function: str
    code: str = ""


@dataclass(slots=True)
class Traceback:
    """An assembled Python traceback, with the log lines it came from."""

    frames: list[Frame]
    exception: str  # the last line, e.g. "SystemExit: 1"
    lines: list[tuple[int, str]]  # (line number, text) of every traceback line
    chained: list[str] = field(default_factory=list)  # earlier exceptions in a chain

    @property
    def exception_type(self) -> str:
        return self.exception.split(":", 1)[0].strip()

    @property
    def is_abort(self) -> bool:
        """True when this is Gunicorn's timeout abort (SIGABRT handler's SystemExit).

        `handle_abort` in the frames decides; when a paste or a Sentry dump cut
        the frames below the request, `SystemExit: 1` raised inside a Gunicorn
        worker or a web framework's request handling is the same abort.
        """
        return (
            any(f.function == "handle_abort" for f in self.frames)
            or (
                self.exception_type == "SystemExit"
                and any("gunicorn/workers" in f.file for f in self.frames)
            )
            or (
                self.exception.strip() == "SystemExit: 1"
                and any(fragment in f.file for f in self.frames for fragment in _REQUEST_FRAMES)
            )
        )

    def stuck_frame(self) -> Frame | None:
        """The frame that was running when the abort landed: the one above handle_abort."""
        frames = [f for f in self.frames if f.function != "handle_abort"]
        return frames[-1] if frames else None

    def app_frame(self) -> Frame | None:
        """The innermost frame in application code (not the stdlib or site-packages)."""
        for frame in reversed(self.frames):
            if frame.function == "handle_abort":
                continue
            if not _is_library_path(frame.file):
                return frame
        return None


# Where a web framework handles a request: SystemExit: 1 raised under them, in a
# Gunicorn app, is the timeout abort.
_REQUEST_FRAMES = (
    "gunicorn/",
    "flask/",
    "werkzeug/",
    "django/core/handlers/",
    "starlette/",
    "fastapi/",
    "falcon/",
    "pyramid/",
    "bottle.py",
    "connexion/",
)


def _is_library_path(path: str) -> bool:
    return (
        "site-packages" in path
        or "dist-packages" in path
        or "/lib/python" in path
        or path.startswith("<")
        or path.endswith(".pyx")
    )


@dataclass(slots=True)
class Event:
    """One thing that happened, as read from the log.

    `pid` is the worker the line is about (None for master-only lines);
    `emitter` is the pid in the line's brackets, whoever printed it.
    """

    kind: Kind
    line: int
    text: str
    source: str
    ts: float | None = None
    instance: str = ""
    level: str = ""
    pid: int | None = None
    emitter: int | None = None
    fields: dict[str, str | int | float] = field(default_factory=dict)
    traceback: Traceback | None = None
    worker: WorkerRef | None = None  # set by the correlator

    def evidence_lines(self) -> list[tuple[int, str]]:
        """The log lines that show this event: its own line and, when present,
        the telling lines of its traceback (stuck frame and final exception)."""
        out = [(self.line, self.text)]
        tb = self.traceback
        if tb is not None and tb.lines:
            frame = tb.stuck_frame() if tb.is_abort else tb.app_frame()
            if frame is not None:
                for num, text in tb.lines:
                    if f"line {frame.line}, in {frame.function}" in text:
                        out.append((num, text))
                        break
            out.append(tb.lines[-1])
        return out

"""Every log-line template of the Gunicorn catalogue, through the recognizer.

The lines below follow `../shared/reference/gunicorn-log-catalogue.md` (sections
1 to 6 and 9) character for character: `WORKER TIMEOUT (pid:96)` has no space,
`Worker exiting (pid: 96)` has one, the 21.0-23.0 exit line comes twice (without
and with a final period), and so on. Each case id names the template and the
Gunicorn versions that print it. The example sequences of section 9 are copied
verbatim; `test_sequences_are_verbatim_from_the_catalogue` checks that they still
are whenever the shared reference is present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import parse_lines

from diagnoser.events import Event, Kind
from diagnoser.recognizers import LineParser

FieldValue = str | int | float


def parse(text: str) -> tuple[LineParser, list[Event]]:
    """Feed `text` line by line, then finish; check that every line is accounted for."""
    parser, events = parse_lines(text.splitlines())
    assert_accounted(parser, len(text.splitlines()))
    return parser, events


def assert_accounted(parser: LineParser, lines: int) -> None:
    counts = parser.counts
    assert counts.read == lines
    assert counts.read == (
        counts.recognized
        + counts.traceback
        + counts.app
        + counts.unrecognized
        + counts.blank
        + counts.wrapper
    ), counts


def epoch(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


T = "[2025-07-30 11:10:08 +0000]"
TS = epoch(2025, 7, 30, 11, 10, 8)


# -- single-line templates ---------------------------------------------------------


@dataclass(frozen=True)
class Case:
    line: str
    kind: Kind
    pid: int | None
    emitter: int | None
    level: str
    fields: dict[str, FieldValue] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # fields that must not be set


def case(
    case_id: str,
    line: str,
    kind: Kind,
    pid: int | None,
    emitter: int | None,
    level: str,
    fields: dict[str, FieldValue] | None = None,
    absent: tuple[str, ...] = (),
) -> object:
    return pytest.param(Case(line, kind, pid, emitter, level, fields or {}, absent), id=case_id)


K = Kind
REQUEST_VARIANTS = ("method", "uri", "raw_uri", "no_uri")

# The tables below are kept one case per block, not reformatted.
# fmt: off
# §2: master (arbiter) lines, and the boot/bind lines of gunicorn/sock.py.
MASTER_CASES = [
    case(
        "starting-gunicorn-all",
        f"{T} [1] [INFO] Starting gunicorn 23.0.0",
        K.MASTER_START, None, 1, "INFO", {"version": "23.0.0"},
    ),
    case(
        "starting-gunicorn-newest-27.0.1",
        f"{T} [1] [INFO] Starting gunicorn 27.0.1",
        K.MASTER_START, None, 1, "INFO", {"version": "27.0.1"},
    ),
    case(
        "starting-gunicorn-oldest-19.9",
        f"{T} [1] [INFO] Starting gunicorn 19.9.0",
        K.MASTER_START, None, 1, "INFO", {"version": "19.9.0"},
    ),
    case("arbiter-booted-all", f"{T} [1] [DEBUG] Arbiter booted", K.ARBITER_BOOTED, None, 1, "DEBUG"),
    case(
        "listening-at-tcp-with-master-pid-all",
        f"{T} [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
        K.LISTENING, None, 1, "INFO", {"listeners": "http://0.0.0.0:8000", "master": 1},
    ),
    case(
        "listening-at-unix-socket-all",
        f"{T} [1] [INFO] Listening at: unix:/run/gunicorn.sock (1)",
        K.LISTENING, None, 1, "INFO", {"listeners": "unix:/run/gunicorn.sock", "master": 1},
    ),
    case(
        "listening-at-ipv6-all",
        f"{T} [1] [INFO] Listening at: http://[::]:8000 (1)",
        K.LISTENING, None, 1, "INFO", {"listeners": "http://[::]:8000", "master": 1},
    ),
    case(
        "listening-at-comma-joined-https-all",
        f"{T} [85] [INFO] Listening at: http://0.0.0.0:8000,https://0.0.0.0:8443 (85)",
        K.LISTENING, None, 85, "INFO",
        {"listeners": "http://0.0.0.0:8000,https://0.0.0.0:8443", "master": 85},
    ),
    case(
        "listening-at-after-hup-no-pid-all",
        f"{T} [1] [INFO] Listening at: http://0.0.0.0:8001",
        K.LISTENING, None, 1, "INFO", {"listeners": "http://0.0.0.0:8001"}, ("master",),
    ),
    case(
        "using-worker-sync-all",
        f"{T} [1] [INFO] Using worker: sync",
        K.USING_WORKER, None, 1, "INFO", {"worker_class": "sync"},
    ),
    case(
        "using-worker-threads-19.9-20.1",
        f"{T} [1] [INFO] Using worker: threads",
        K.USING_WORKER, None, 1, "INFO", {"worker_class": "threads"},
    ),
    case(
        "using-worker-gthread-21.0+",
        f"{T} [1] [INFO] Using worker: gthread",
        K.USING_WORKER, None, 1, "INFO", {"worker_class": "gthread"},
    ),
    case(
        "using-worker-gevent-all",
        f"{T} [1] [INFO] Using worker: gevent",
        K.USING_WORKER, None, 1, "INFO", {"worker_class": "gevent"},
    ),
    case(
        "using-worker-uvicorn-workers-all",
        f"{T} [1] [INFO] Using worker: uvicorn.workers.UvicornWorker",
        K.USING_WORKER, None, 1, "INFO", {"worker_class": "uvicorn.workers.UvicornWorker"},
    ),
    case(
        "using-worker-uvicorn-worker-package-all",
        f"{T} [1] [INFO] Using worker: uvicorn_worker.UvicornWorker",
        K.USING_WORKER, None, 1, "INFO", {"worker_class": "uvicorn_worker.UvicornWorker"},
    ),
    case(
        "booting-worker-all",
        f"{T} [96] [INFO] Booting worker with pid: 96",
        K.WORKER_BOOT, 96, 96, "INFO",
    ),
    case(
        "worker-exiting-all",
        f"{T} [96] [INFO] Worker exiting (pid: 96)",
        K.WORKER_EXITING, 96, 96, "INFO",
    ),
    case(
        "exception-in-worker-process-all",
        f"{T} [96] [ERROR] Exception in worker process",
        K.WORKER_EXCEPTION, 96, 96, "ERROR",
    ),
    case(
        "exception-while-loading-application-all",
        f"{T} [96] [DEBUG] Exception while loading the application",
        K.APP_LOAD_ERROR, 96, 96, "DEBUG",
    ),
    case(
        "exception-during-worker-exit-all",
        f"{T} [96] [WARNING] Exception during worker exit:",
        K.WORKER_OTHER, 96, 96, "WARNING",
    ),
    case(
        "worker-timeout-all",
        f"{T} [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
        K.WORKER_TIMEOUT, 96, 85, "CRITICAL",
    ),
    # 20.1.0 only: the reaper's numeric signal line.
    case(
        "terminated-due-to-signal-9-20.1",
        f"{T} [85] [WARNING] Worker with pid 96 was terminated due to signal 9",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGKILL", "signum": 9},
        ("oom_hint", "core_dumped"),
    ),
    case(
        "terminated-due-to-signal-6-20.1",
        f"{T} [85] [WARNING] Worker with pid 96 was terminated due to signal 6",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGABRT", "signum": 6}, ("oom_hint",),
    ),
    case(
        "terminated-due-to-signal-15-20.1",
        f"{T} [85] [WARNING] Worker with pid 96 was terminated due to signal 15",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGTERM", "signum": 15},
    ),
    case(
        "terminated-due-to-signal-11-20.1",
        f"{T} [85] [WARNING] Worker with pid 96 was terminated due to signal 11",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGSEGV", "signum": 11},
    ),
    # 21.0-23.0 print every exit twice: without and with the period; 24.0+ only with.
    case(
        "exit-code-no-period-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 1",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 1}, ("period",),
    ),
    case(
        "exit-code-period-21.0+",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 1.",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 1, "period": "."},
    ),
    case(
        "exit-code-3-boot-error-no-period-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 3",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 3}, ("period",),
    ),
    case(
        "exit-code-3-boot-error-period-24.0+",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 3.",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 3, "period": "."},
    ),
    case(
        "exit-code-4-app-load-error-no-period-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 4",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 4}, ("period",),
    ),
    case(
        "exit-code-4-app-load-error-period-24.0+",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 4.",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 4, "period": "."},
    ),
    case(
        "exit-code-255-no-period-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 255",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 255}, ("period",),
    ),
    case(
        "exit-code-255-period-21.0+",
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 255.",
        K.WORKER_EXIT_CODE, 96, 85, "ERROR", {"code": 255, "period": "."},
    ),
    case(
        # gunicorn #3220: an aiohttp worker inherits the <=23 SIGCHLD handler and
        # logs its own subprocess's exit, with the worker's pid in brackets.
        "exit-code-255-from-worker-pid-aiohttp-21.0-23.0",
        f"{T} [49159] [ERROR] Worker (pid:49241) exited with code 255",
        K.WORKER_EXIT_CODE, 49241, 49159, "ERROR", {"code": 255}, ("period",),
    ),
    case(
        "sent-sigkill-perhaps-out-of-memory-21.0+",
        f"{T} [85] [ERROR] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?",
        K.WORKER_SIGNALED, 96, 85, "ERROR", {"signal": "SIGKILL", "signum": 9, "oom_hint": 1},
        ("core_dumped",),
    ),
    case(
        "sent-sigterm-error-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) was sent SIGTERM!",
        K.WORKER_SIGNALED, 96, 85, "ERROR", {"signal": "SIGTERM", "signum": 15}, ("oom_hint",),
    ),
    case(
        "sent-sigterm-warning-24.0",
        f"{T} [85] [WARNING] Worker (pid:96) was sent SIGTERM!",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGTERM", "signum": 15}, ("oom_hint",),
    ),
    case(
        "sent-sigterm-info-24.1+",
        f"{T} [85] [INFO] Worker (pid:96) was sent SIGTERM!",
        K.WORKER_SIGNALED, 96, 85, "INFO", {"signal": "SIGTERM", "signum": 15}, ("oom_hint",),
    ),
    case(
        "sent-sigabrt-error-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) was sent SIGABRT!",
        K.WORKER_SIGNALED, 96, 85, "ERROR", {"signal": "SIGABRT", "signum": 6},
        ("oom_hint", "core_dumped"),
    ),
    case(
        "sent-sigabrt-warning-24.0+",
        f"{T} [85] [WARNING] Worker (pid:96) was sent SIGABRT!",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGABRT", "signum": 6}, ("oom_hint",),
    ),
    case(
        "sent-sigsegv-error-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) was sent SIGSEGV!",
        K.WORKER_SIGNALED, 96, 85, "ERROR", {"signal": "SIGSEGV", "signum": 11},
    ),
    case(
        "sent-sigsegv-warning-24.0+",
        f"{T} [85] [WARNING] Worker (pid:96) was sent SIGSEGV!",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "SIGSEGV", "signum": 11},
    ),
    case(
        "sent-code-134-core-dumped-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) was sent code 134!",
        K.WORKER_SIGNALED, 96, 85, "ERROR",
        {"signal": "SIGABRT", "signum": 6, "core_dumped": 1}, ("oom_hint",),
    ),
    case(
        "sent-code-139-core-dumped-21.0-23.0",
        f"{T} [85] [ERROR] Worker (pid:96) was sent code 139!",
        K.WORKER_SIGNALED, 96, 85, "ERROR", {"signal": "SIGSEGV", "signum": 11, "core_dumped": 1},
    ),
    case(
        "sent-signal-n-fallback-24.0+",
        f"{T} [85] [WARNING] Worker (pid:96) was sent signal 35!",
        K.WORKER_SIGNALED, 96, 85, "WARNING", {"signal": "signal 35", "signum": 35},
    ),
    case(
        # Not a worker: it must not read as a worker exit.
        "reaped-unknown-child-26.1+",
        f"{T} [1] [DEBUG] Reaped unknown child process (pid:33, status:256)",
        K.MASTER_OTHER, None, 1, "DEBUG",
    ),
    case(
        "shutting-down-master-info-all",
        f"{T} [1] [INFO] Shutting down: Master",
        K.MASTER_SHUTDOWN, None, 1, "INFO", {"master_name": "Master"},
    ),
    case(
        "shutting-down-master-error-21.0+",
        f"{T} [1] [ERROR] Shutting down: Master",
        K.MASTER_SHUTDOWN, None, 1, "ERROR", {"master_name": "Master"},
    ),
    case(
        "shutting-down-master-2-usr2-all",
        f"{T} [1] [INFO] Shutting down: Master.2",
        K.MASTER_SHUTDOWN, None, 1, "INFO", {"master_name": "Master.2"},
    ),
    case(
        "reason-worker-failed-to-boot-info-19.9-20.1",
        f"{T} [1] [INFO] Reason: Worker failed to boot.",
        K.HALT_REASON, None, 1, "INFO", {"reason": "Worker failed to boot."},
    ),
    case(
        "reason-worker-failed-to-boot-error-21.0+",
        f"{T} [1] [ERROR] Reason: Worker failed to boot.",
        K.HALT_REASON, None, 1, "ERROR", {"reason": "Worker failed to boot."},
    ),
    case(
        "reason-app-failed-to-load-error-21.0+",
        f"{T} [1] [ERROR] Reason: App failed to load.",
        K.HALT_REASON, None, 1, "ERROR", {"reason": "App failed to load."},
    ),
    *[
        case(
            f"handling-signal-{name}-all",
            f"{T} [1] [INFO] Handling signal: {name}",
            K.SIGNAL_HANDLED, None, 1, "INFO", {"signal": name},
        )
        for name in ("term", "int", "quit", "hup", "ttin", "ttou", "usr1", "usr2", "winch")
    ],
    case(
        "handling-signal-chld-debug-24.0+",
        f"{T} [1] [DEBUG] Handling signal: chld",
        K.SIGNAL_HANDLED, None, 1, "DEBUG", {"signal": "chld"},
    ),
    case(
        "handling-signal-cld-debug-linux-24.1+",
        f"{T} [1] [DEBUG] Handling signal: cld",
        K.SIGNAL_HANDLED, None, 1, "DEBUG", {"signal": "cld"},
    ),
    case(
        "unhandled-signal-cld-linux-24.0.0",
        f"{T} [1] [ERROR] Unhandled signal: cld",
        K.UNHANDLED_SIGNAL, None, 1, "ERROR", {"signal": "cld"},
    ),
    case(
        "ignoring-unknown-signal-all",
        f"{T} [1] [INFO] Ignoring unknown signal: 99",
        K.MASTER_OTHER, None, 1, "INFO",
    ),
    case(
        "hang-up-all",
        f"{T} [1] [INFO] Hang up: Master",
        K.HANG_UP, None, 1, "INFO", {"master_name": "Master"},
    ),
    case(
        "master-has-been-promoted-all",
        f"{T} [1] [INFO] Master has been promoted.",
        K.MASTER_OTHER, None, 1, "INFO",
    ),
    case(
        "usr2-ignored-child-exists-all",
        f"{T} [1] [WARNING] USR2 signal ignored. Child exists.",
        K.MASTER_OTHER, None, 1, "WARNING",
    ),
    case(
        "usr2-ignored-parent-exists-all",
        f"{T} [1] [WARNING] USR2 signal ignored. Parent exists.",
        K.MASTER_OTHER, None, 1, "WARNING",
    ),
    case(
        "graceful-stop-of-workers-all",
        f"{T} [1] [INFO] graceful stop of workers",
        K.MASTER_OTHER, None, 1, "INFO",
    ),
    case(
        "sigwinch-ignored-not-daemonized-all",
        f"{T} [1] [DEBUG] SIGWINCH ignored. Not daemonized",
        K.MASTER_OTHER, None, 1, "DEBUG",
    ),
    case(
        "unhandled-exception-in-main-loop-info-19.9-20.1",
        f"{T} [1] [INFO] Unhandled exception in main loop",
        K.MASTER_CRASH, None, 1, "INFO",
    ),
    case(
        "unhandled-exception-in-main-loop-error-21.0+",
        f"{T} [1] [ERROR] Unhandled exception in main loop",
        K.MASTER_CRASH, None, 1, "ERROR",
    ),
    case("n-workers-gauge-all", f"{T} [1] [DEBUG] 3 workers", K.WORKER_COUNT, None, 1, "DEBUG", {"count": 3}),
    case(
        "socket-backlog-gauge-24.1+",
        f"{T} [1] [DEBUG] socket backlog: 12",
        K.MASTER_OTHER, None, 1, "DEBUG", {"backlog": 12},
    ),
    case(
        "quick-shutdown-requested-25.0+",
        f"{T} [1] [INFO] Quick shutdown requested",
        K.MASTER_OTHER, None, 1, "INFO",
    ),
    case(
        "control-socket-listening-25.1+",
        f"{T} [1] [INFO] Control socket listening at /home/app/.gunicorn/gunicorn.ctl",
        K.CONTROL_SOCKET, None, 1, "INFO", {"path": "/home/app/.gunicorn/gunicorn.ctl"},
    ),
    case(
        "control-socket-listening-xdg-runtime-dir-25.1+",
        f"{T} [1] [INFO] Control socket listening at /run/user/1000/gunicorn.ctl",
        K.CONTROL_SOCKET, None, 1, "INFO", {"path": "/run/user/1000/gunicorn.ctl"},
    ),
    case(
        "failed-to-start-control-socket-25.1+",
        f"{T} [1] [WARNING] Failed to start control socket: [Errno 13] Permission denied",
        K.MASTER_OTHER, None, 1, "WARNING",
    ),
    case(
        "control-socket-disabled-25.1+",
        f"{T} [1] [DEBUG] Control socket disabled",
        K.MASTER_OTHER, None, 1, "DEBUG",
    ),
    case(
        "spawned-dirty-arbiter-25.0+",
        f"{T} [1] [INFO] Spawned dirty arbiter (pid: 40) at /tmp/gunicorn-dirty.sock",
        K.MASTER_OTHER, None, 1, "INFO",
    ),
    case(
        # A dirty arbiter is not a worker: no worker exit event.
        "dirty-arbiter-exited-with-code-25.0+",
        f"{T} [1] [ERROR] Dirty arbiter (pid:40) exited with code 1",
        K.MASTER_OTHER, None, 1, "ERROR", {}, ("code",),
    ),
    case(
        "dirty-arbiter-killed-by-signal-25.0+",
        f"{T} [1] [WARNING] Dirty arbiter (pid:40) killed by signal 9",
        K.MASTER_OTHER, None, 1, "WARNING", {}, ("signal", "signum"),
    ),
    case(
        # Not a Gunicorn worker timeout: it must not read as WORKER_TIMEOUT.
        "dirty-worker-timeout-25.0+",
        f"{T} [40] [CRITICAL] DIRTY WORKER TIMEOUT (pid:41)",
        K.MASTER_OTHER, None, 40, "CRITICAL",
    ),
    case(
        "reloading-logger-configuration-failed-26.1+",
        f"{T} [1] [ERROR] reloading the logger configuration failed, keeping the previous one",
        K.MASTER_OTHER, None, 1, "ERROR",
    ),
    case(
        "connection-in-use-all",
        f"{T} [1] [ERROR] Connection in use: ('0.0.0.0', 8000)",
        K.BIND_ERROR, None, 1, "ERROR", {"address": "('0.0.0.0', 8000)"},
    ),
    case(
        "invalid-address-all",
        f"{T} [1] [ERROR] Invalid address: ('999.0.0.1', 8000)",
        K.BIND_ERROR, None, 1, "ERROR", {"address": "('999.0.0.1', 8000)"},
    ),
    case(
        "connection-failed-debug-19.9-22.0",
        f"{T} [1] [DEBUG] connection to ('0.0.0.0', 8000) failed: [Errno 98] Address already in use",
        K.BIND_ERROR, None, 1, "DEBUG",
        {"address": "('0.0.0.0', 8000)", "error": "[Errno 98] Address already in use"},
    ),
    case(
        "connection-failed-error-23.0+",
        f"{T} [1] [ERROR] connection to ('0.0.0.0', 8000) failed: [Errno 98] Address already in use",
        K.BIND_ERROR, None, 1, "ERROR",
        {"address": "('0.0.0.0', 8000)", "error": "[Errno 98] Address already in use"},
    ),
    case(
        "retrying-in-1-second-error-19.9-22.0",
        f"{T} [1] [ERROR] Retrying in 1 second.",
        K.BIND_ERROR, None, 1, "ERROR",
    ),
    case(
        "retrying-in-1-second-debug-23.0+",
        f"{T} [1] [DEBUG] Retrying in 1 second.",
        K.BIND_ERROR, None, 1, "DEBUG",
    ),
    case(
        "cant-connect-all",
        f"{T} [1] [ERROR] Can't connect to ('0.0.0.0', 8000)",
        K.BIND_ERROR, None, 1, "ERROR", {"address": "('0.0.0.0', 8000)"},
    ),
]

# §5: worker-side lines; the bracket pid is the worker's.
WORKER_CASES = [
    case(
        "error-handling-request-raw-uri-19.9-25.1",
        f"{T} [96] [ERROR] Error handling request /slow?x=1",
        K.REQUEST_ERROR, 96, 96, "ERROR", {"raw_uri": "/slow?x=1"}, ("method", "uri", "no_uri"),
    ),
    case(
        "error-handling-request-no-uri-read-22.0+",
        f"{T} [96] [ERROR] Error handling request (no URI read)",
        K.REQUEST_ERROR, 96, 96, "ERROR", {"no_uri": "(no URI read)"}, ("method", "uri", "raw_uri"),
    ),
    case(
        "error-handling-request-method-uri-25.2+",
        f"{T} [96] [ERROR] Error handling request GET /slow",
        K.REQUEST_ERROR, 96, 96, "ERROR", {"method": "GET", "uri": "/slow"}, ("raw_uri", "no_uri"),
    ),
    case(
        "error-handling-request-method-uri-query-25.2+",
        f"{T} [96] [ERROR] Error handling request POST /reports/export?format=csv",
        K.REQUEST_ERROR, 96, 96, "ERROR",
        {"method": "POST", "uri": "/reports/export?format=csv"}, ("raw_uri", "no_uri"),
    ),
    case(
        "error-handling-request-after-headers-sent-all",
        f"{T} [96] [ERROR] Error handling request",
        K.REQUEST_ERROR, 96, 96, "ERROR", {}, REQUEST_VARIANTS,
    ),
    case(
        "exception-in-post-request-hook-all",
        f"{T} [96] [ERROR] Exception in post_request hook",
        K.WORKER_OTHER, 96, 96, "ERROR",
    ),
    case(
        "socket-error-processing-request-all",
        f"{T} [96] [ERROR] Socket error processing request.",
        K.SOCKET_ERROR, 96, 96, "ERROR",
    ),
    case("ignoring-epipe-all", f"{T} [96] [DEBUG] Ignoring EPIPE", K.WORKER_OTHER, 96, 96, "DEBUG"),
    case(
        "ignoring-connection-epipe-gthread-all",
        f"{T} [96] [DEBUG] Ignoring connection epipe",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "ignoring-connection-reset-all",
        f"{T} [96] [DEBUG] Ignoring connection reset",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "ignoring-socket-not-connected-20.1+",
        f"{T} [96] [DEBUG] Ignoring socket not connected",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "ignored-premature-client-disconnection-all",
        f"{T} [96] [DEBUG] Ignored premature client disconnection. No more data after: b''",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "closing-connection-all",
        f"{T} [96] [DEBUG] Closing connection. [Errno 104] Connection reset by peer",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "ssl-connection-closed-all",
        f"{T} [96] [DEBUG] ssl connection closed",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "error-processing-ssl-request-all",
        f"{T} [96] [DEBUG] Error processing SSL request.",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "invalid-request-debug-19.9-20.1",
        f"{T} [96] [DEBUG] Invalid request from ip=10.0.3.17: Invalid HTTP request line: ''",
        K.INVALID_REQUEST, 96, 96, "DEBUG",
        {"ip": "10.0.3.17", "error": "Invalid HTTP request line: ''"},
    ),
    case(
        "invalid-request-warning-21.0+",
        f"{T} [96] [WARNING] Invalid request from ip=10.0.3.17: Invalid HTTP method: 'X'",
        K.INVALID_REQUEST, 96, 96, "WARNING", {"ip": "10.0.3.17", "error": "Invalid HTTP method: 'X'"},
    ),
    case(
        "invalid-request-line-too-large-21.0+",
        f"{T} [96] [WARNING] Invalid request from ip=10.0.3.17: Request Line is too large (8192 > 4094)",
        K.INVALID_REQUEST, 96, 96, "WARNING",
        {"ip": "10.0.3.17", "error": "Request Line is too large (8192 > 4094)"},
    ),
    case(
        "failed-to-send-error-message-all",
        f"{T} [96] [DEBUG] Failed to send error message.",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "autorestarting-worker-max-requests-all",
        f"{T} [96] [INFO] Autorestarting worker after current request.",
        K.MAX_REQUESTS, 96, 96, "INFO",
    ),
    case(
        "parent-changed-all",
        f"{T} [96] [INFO] Parent changed, shutting down: "
        "<gunicorn.workers.sync.SyncWorker object at 0x7f3a2c1e5d50>",
        K.PARENT_CHANGED, 96, 96, "INFO",
    ),
    case(
        "worker-reloading-all",
        f"{T} [96] [INFO] Worker reloading: /app/app.py modified",
        K.WORKER_RELOADING, 96, 96, "INFO", {"file": "/app/app.py"},
    ),
    case(
        "reloader-is-on-25.0+",
        f"{T} [96] [WARNING] Reloader is on. Use in development only!",
        K.WORKER_OTHER, 96, 96, "WARNING",
    ),
    case(
        "worker-sigwinch-ignored-all",
        f"{T} [96] [DEBUG] worker: SIGWINCH ignored.",
        K.WORKER_OTHER, 96, 96, "DEBUG",
    ),
    case(
        "worker-graceful-timeout-gevent-all",
        f"{T} [96] [WARNING] Worker graceful timeout (pid:96)",
        K.GRACEFUL_TIMEOUT, 96, 96, "WARNING",
    ),
    case(
        "no-keepalived-connections-gthread-all",
        f"{T} [96] [WARNING] No keepalived connections can be handled. "
        "Check the number of worker connections and threads.",
        K.WORKER_OTHER, 96, 96, "WARNING",
    ),
    case(
        "http2-not-supported-by-sync-worker-25.0+",
        f"{T} [96] [WARNING] HTTP/2 is not supported by the sync worker. "
        "Use gthread or an async worker.",
        K.WORKER_OTHER, 96, 96, "WARNING",
    ),
    # Gunicorn's own ASGI worker (-k asgi), 24.0+.
    case(
        "asgi-server-listening-24.0+",
        f"{T} [96] [INFO] ASGI server listening on http://0.0.0.0:8000",
        K.WORKER_OTHER, 96, 96, "INFO",
    ),
    case(
        "asgi-worker-shutting-down-24.0+",
        f"{T} [96] [INFO] Worker shutting down...",
        K.WORKER_OTHER, 96, 96, "INFO",
    ),
    case(
        "asgi-waiting-for-connections-24.0+",
        f"{T} [96] [INFO] Waiting for 3 connections to finish...",
        K.WORKER_OTHER, 96, 96, "INFO",
    ),
    case(
        "asgi-forcing-close-24.0+",
        f"{T} [96] [WARNING] Forcing close of 3 connections",
        K.WORKER_OTHER, 96, 96, "WARNING",
    ),
    case(
        "asgi-lifespan-startup-failed-24.0+",
        f"{T} [96] [ERROR] ASGI lifespan startup failed: database unreachable",
        K.UVICORN_STARTUP_FAILED, 96, 96, "ERROR", {"error": "database unreachable"},
    ),
    case(
        "asgi-worker-exception-24.0+",
        f"{T} [96] [ERROR] Worker exception: boom",
        K.WORKER_OTHER, 96, 96, "ERROR",
    ),
]

# §6: uvicorn messages through the Gunicorn worker (Gunicorn prefix, worker pid).
UVICORN_WORKER_CASES = [
    case(
        "uvicorn-worker-started-server-process",
        f"{T} [96] [INFO] Started server process [96]",
        K.UVICORN_STARTED, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-waiting-for-application-startup",
        f"{T} [96] [INFO] Waiting for application startup.",
        K.UVICORN_STARTUP, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-application-startup-complete",
        f"{T} [96] [INFO] Application startup complete.",
        K.UVICORN_STARTUP, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-application-startup-failed",
        f"{T} [96] [ERROR] Application startup failed. Exiting.",
        K.UVICORN_STARTUP_FAILED, 96, 96, "ERROR",
    ),
    case(
        "uvicorn-worker-lifespan-unsupported",
        f"{T} [96] [INFO] ASGI 'lifespan' protocol appears unsupported.",
        K.UVICORN_OTHER, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-exception-in-lifespan",
        f"{T} [96] [ERROR] Exception in 'lifespan' protocol",
        K.UVICORN_OTHER, 96, 96, "ERROR",
    ),
    case(
        "uvicorn-worker-shutting-down",
        f"{T} [96] [INFO] Shutting down",
        K.UVICORN_SHUTDOWN, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-waiting-for-connections-to-close",
        f"{T} [96] [INFO] Waiting for connections to close. (CTRL+C to force quit)",
        K.UVICORN_OTHER, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-waiting-for-background-tasks",
        f"{T} [96] [INFO] Waiting for background tasks to complete. (CTRL+C to force quit)",
        K.UVICORN_OTHER, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-cancel-running-tasks",
        f"{T} [96] [ERROR] Cancel 2 running task(s), timeout graceful shutdown exceeded",
        K.UVICORN_OTHER, 96, 96, "ERROR",
    ),
    case(
        "uvicorn-worker-waiting-for-application-shutdown",
        f"{T} [96] [INFO] Waiting for application shutdown.",
        K.UVICORN_SHUTDOWN, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-application-shutdown-complete",
        f"{T} [96] [INFO] Application shutdown complete.",
        K.UVICORN_SHUTDOWN, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-finished-server-process",
        f"{T} [96] [INFO] Finished server process [96]",
        K.UVICORN_FINISHED, 96, 96, "INFO",
    ),
    case(
        "uvicorn-worker-max-request-limit-warning-uvicorn-0.32-0.35",
        f"{T} [96] [WARNING] Maximum request limit of 2 exceeded. Terminating process.",
        K.MAX_REQUESTS, 96, 96, "WARNING", {"limit": 2},
    ),
    case(
        "uvicorn-worker-max-request-limit-info-uvicorn-0.54",
        f"{T} [96] [INFO] Maximum request limit of 2 exceeded. Terminating process.",
        K.MAX_REQUESTS, 96, 96, "INFO", {"limit": 2},
    ),
]

# §1.3/§6: standalone uvicorn, `%(levelprefix)s %(message)s` (level, colon, padding).
STANDALONE_UVICORN_CASES = [
    case(
        "standalone-uvicorn-started-server-process",
        "INFO:     Started server process [17139]",
        K.UVICORN_STARTED, 17139, None, "INFO",
    ),
    case(
        "standalone-uvicorn-waiting-for-application-startup",
        "INFO:     Waiting for application startup.",
        K.UVICORN_STARTUP, None, None, "INFO",
    ),
    case(
        "standalone-uvicorn-application-startup-complete",
        "INFO:     Application startup complete.",
        K.UVICORN_STARTUP, None, None, "INFO",
    ),
    case(
        "standalone-uvicorn-running-on",
        "INFO:     Uvicorn running on http://127.0.0.1:18950 (Press CTRL+C to quit)",
        K.UVICORN_OTHER, None, None, "INFO",
    ),
    case(
        "standalone-uvicorn-application-startup-failed-error-4-spaces",
        "ERROR:    Application startup failed. Exiting.",
        K.UVICORN_STARTUP_FAILED, None, None, "ERROR",
    ),
    case(
        "standalone-uvicorn-shutting-down",
        "INFO:     Shutting down",
        K.UVICORN_SHUTDOWN, None, None, "INFO",
    ),
    case(
        "standalone-uvicorn-waiting-for-application-shutdown",
        "INFO:     Waiting for application shutdown.",
        K.UVICORN_SHUTDOWN, None, None, "INFO",
    ),
    case(
        "standalone-uvicorn-application-shutdown-complete",
        "INFO:     Application shutdown complete.",
        K.UVICORN_SHUTDOWN, None, None, "INFO",
    ),
    case(
        "standalone-uvicorn-finished-server-process",
        "INFO:     Finished server process [17139]",
        K.UVICORN_FINISHED, 17139, None, "INFO",
    ),
    case(
        "standalone-uvicorn-max-request-limit-warning-2-spaces-0.32-0.35",
        "WARNING:  Maximum request limit of 5 exceeded. Terminating process.",
        K.MAX_REQUESTS, None, None, "WARNING", {"limit": 5},
    ),
    case(
        "standalone-uvicorn-cancel-running-tasks-error",
        "ERROR:    Cancel 1 running task(s), timeout graceful shutdown exceeded",
        K.UVICORN_OTHER, None, None, "ERROR",
    ),
]

# §1.1/§2/§9.6: text Gunicorn prints raw on stderr when the app object can't be loaded.
RAW_CASES = [
    case(
        "raw-failed-to-find-attribute-all",
        "Failed to find attribute 'application' in 'myapp.wsgi'.",
        K.APP_LOAD_ERROR, None, None, "", {"attribute": "application", "module": "myapp.wsgi"},
    ),
    case(
        "raw-failed-to-find-attribute-short-module-all",
        "Failed to find attribute 'app' in 'mod'.",
        K.APP_LOAD_ERROR, None, None, "", {"attribute": "app", "module": "mod"},
    ),
]

# fmt: on


@pytest.mark.parametrize(
    "c",
    MASTER_CASES + WORKER_CASES + UVICORN_WORKER_CASES + STANDALONE_UVICORN_CASES + RAW_CASES,
)
def test_template(c: Case) -> None:
    parser, events = parse(c.line)
    assert len(events) == 1, events
    event = events[0]
    assert event.kind is c.kind
    assert (event.pid, event.emitter, event.level) == (c.pid, c.emitter, c.level)
    for key, value in c.fields.items():
        assert event.fields.get(key) == value, (key, event.fields)
    for key in c.absent:
        assert key not in event.fields, (key, event.fields)
    assert event.ts == (TS if c.line.startswith(T) else None)
    assert (event.line, event.text, event.source) == (1, c.line, "test.log")
    assert event.traceback is None
    assert parser.counts.recognized == 1


def test_config_dump_block_collects_its_settings() -> None:
    text = f"""\
{T} [1] [DEBUG] Current configuration:
  config: ./gunicorn.conf.py
  bind: ['0.0.0.0:8000']
  workers: 2
  worker_class: sync
  timeout: 30
  graceful_timeout: 30
{T} [1] [DEBUG] Arbiter booted
"""
    parser, events = parse(text)
    assert [e.kind for e in events] == [Kind.CONFIG_DUMP, Kind.ARBITER_BOOTED]
    dump = events[0]
    assert (dump.pid, dump.emitter, dump.level, dump.ts) == (None, 1, "DEBUG", TS)
    assert dump.fields["timeout"] == 30  # numeric settings are typed
    assert dump.fields["workers"] == 2
    assert dump.fields["worker_class"] == "sync"
    assert dump.fields["bind"] == "['0.0.0.0:8000']"
    assert parser.counts.recognized == 8


def test_exit_code_pair_21_0_to_23_0_gives_two_events() -> None:
    """21.0-23.0: the same exit logged twice, without and with the final period."""
    _, events = parse(
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 1\n"
        f"{T} [85] [ERROR] Worker (pid:96) exited with code 1.\n"
    )
    assert [(e.kind, e.pid, e.fields["code"]) for e in events] == [
        (Kind.WORKER_EXIT_CODE, 96, 1),
        (Kind.WORKER_EXIT_CODE, 96, 1),
    ]
    assert "period" not in events[0].fields
    assert events[1].fields["period"] == "."


# -- access lines ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fields", "absent", "ts"),
    [
        pytest.param(
            '127.0.0.1 - - [28/Nov/2026:09:51:53 +0000] "GET /a HTTP/1.1" 200 3 "-" "curl/7.88.1"',
            {"client": "127.0.0.1", "method": "GET", "path": "/a", "status": 200},
            ("gunicorn_500",),
            epoch(2026, 11, 28, 9, 51, 53),
            id="access-default-format-19.9+",
        ),
        pytest.param(
            '127.0.0.1 - - [30/Jul/2025:09:48:53 +0000] "GET /slow HTTP/1.1" 500 0 "-" "-"',
            {"method": "GET", "path": "/slow", "status": 500, "gunicorn_500": 1},
            (),
            epoch(2025, 7, 30, 9, 48, 53),
            id="access-gunicorn-made-500-0-dash-dash-all",
        ),
        pytest.param(
            '10.0.3.17 - - [30/Jul/2025:09:53:07 +0000] "GET /sleep/3 HTTP/1.1" 500 145 "-" "curl/7.88.1"',
            {"client": "10.0.3.17", "path": "/sleep/3", "status": 500},
            ("gunicorn_500",),
            epoch(2025, 7, 30, 9, 53, 7),
            id="access-app-made-500-all",
        ),
        pytest.param(
            '10.0.3.17 - - [30/Jul/2025:09:53:07 +0000] "GET /x HTTP/1.1" 500 0 "-" "curl/7.88.1"',
            {"status": 500},
            ("gunicorn_500",),
            epoch(2025, 7, 30, 9, 53, 7),
            id="access-500-size-0-with-user-agent-is-not-gunicorn-made-all",
        ),
        pytest.param(
            '10.0.3.17 - alice [30/Jul/2025:11:10:08 -0300] "HEAD /health?probe=1 HTTP/1.1" 304 - '
            '"https://example.com/" "Mozilla/5.0 \\"quoted\\""',
            {"client": "10.0.3.17", "method": "HEAD", "path": "/health?probe=1", "status": 304},
            ("gunicorn_500",),
            epoch(2025, 7, 30, 14, 10, 8),
            id="access-basic-auth-user-dash-bytes-escaped-quote-offset-all",
        ),
        pytest.param(
            '127.0.0.1:37562 - "GET / HTTP/1.1" 200',
            {"client": "127.0.0.1:37562", "method": "GET", "path": "/", "status": 200},
            ("gunicorn_500",),
            None,
            id="access-uvicorn-through-gunicorn-bare",
        ),
        pytest.param(
            'INFO:     127.0.0.1:42740 - "GET / HTTP/1.1" 200 OK',
            {"client": "127.0.0.1:42740", "method": "GET", "path": "/", "status": 200},
            (),
            None,
            id="access-standalone-uvicorn-with-status-phrase",
        ),
        pytest.param(
            'INFO:     127.0.0.1:42740 - "POST /items HTTP/1.1" 500 Internal Server Error',
            {"method": "POST", "path": "/items", "status": 500},
            ("gunicorn_500",),
            None,
            id="access-standalone-uvicorn-500",
        ),
    ],
)
def test_access_line(
    line: str, fields: dict[str, FieldValue], absent: tuple[str, ...], ts: float | None
) -> None:
    parser, events = parse(line)
    assert len(events) == 1
    event = events[0]
    assert event.kind is Kind.ACCESS
    for key, value in fields.items():
        assert event.fields.get(key) == value, (key, event.fields)
    for key in absent:
        assert key not in event.fields
    assert event.ts == ts
    assert parser.counts.recognized == 1


def test_syslog_access_line_names_the_worker() -> None:
    """§1.1: with --log-syslog, access lines read `gunicorn.<name>.access: [pid] …`."""
    line = (
        'gunicorn.myapp.access: [96] 127.0.0.1 - - [28/Nov/2026:09:51:53 +0000] "GET /a HTTP/1.1" '
        '200 3 "-" "curl/7.88.1"'
    )
    parser, events = parse(line)
    assert len(events) == 1
    event = events[0]
    assert event.kind is Kind.ACCESS
    assert (event.pid, event.emitter) == (96, 96)
    assert event.fields["status"] == 200
    assert event.fields["path"] == "/a"
    assert event.ts == epoch(2026, 11, 28, 9, 51, 53)
    assert parser.counts.recognized == 1


# -- where the core sits: platform prefixes, other or missing timestamps, syslog --

CORE = "[85] [CRITICAL] WORKER TIMEOUT (pid:96)"
NO_TS_CHECK = object()  # a timestamp format not read as one: only the core matters


@pytest.mark.parametrize(
    ("line", "ts"),
    [
        pytest.param(
            f"[2025-07-30 11:10:08 -0300] {CORE}",
            epoch(2025, 7, 30, 14, 10, 8),
            id="gunicorn-timestamp-offset",
        ),
        pytest.param(f"[2025-07-30 11:10:08 +0000] {CORE}", TS, id="gunicorn-timestamp-utc"),
        pytest.param(CORE, None, id="no-timestamp"),
        pytest.param(f"[…] {CORE}", None, id="elided-timestamp"),
        pytest.param(
            f"2025-07-30T11:10:08.123Z stdout F {CORE}",
            TS + 0.123,
            id="cri-k8s-prefix-no-gunicorn-timestamp",
        ),
        pytest.param(
            f"2025-07-30T11:10:08.123Z stdout F [2025-07-30 11:10:08 +0000] {CORE}",
            pytest.approx(TS, abs=0.5),  # either stamp: they name the same second
            id="cri-k8s-prefix-and-gunicorn-timestamp",
        ),
        pytest.param(
            f"web-1  | [2025-07-30 11:10:08 -0300] {CORE}",
            epoch(2025, 7, 30, 14, 10, 8),
            id="docker-compose-prefix",
        ),
        pytest.param(f"web-1  | {CORE}", None, id="docker-compose-prefix-no-timestamp"),
        pytest.param(f"2025-07-30 11:10:08,123 {CORE}", TS + 0.123, id="python-logging-asctime"),
        pytest.param(f"2025-07-30T11:10:08+00:00 {CORE}", TS, id="iso-8601-with-offset"),
        pytest.param(
            f"Jul 30 11:10:08 web-1 gunicorn[85]: [2025-07-30 11:10:08 +0000] {CORE}",
            TS,
            id="journald-prefix",
        ),
        pytest.param(f"[30/Jul/2025:11:10:08 +0000] {CORE}", NO_TS_CHECK, id="custom-datefmt"),
        pytest.param(f"\x1b[31m[2025-07-30 11:10:08 +0000] {CORE}\x1b[0m", TS, id="ansi-colour"),
    ],
)
def test_core_found_wherever_it_sits(line: str, ts: object) -> None:
    parser, events = parse(line)
    assert len(events) == 1
    event = events[0]
    assert event.kind is Kind.WORKER_TIMEOUT
    assert (event.pid, event.emitter, event.level) == (96, 85, "CRITICAL")
    if ts is None:
        assert event.ts is None
    elif ts is not NO_TS_CHECK:
        assert event.ts == ts
    assert parser.counts.recognized == 1


def test_timestamp_is_epoch_seconds_with_its_offset() -> None:
    _, events = parse("[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)")
    assert events[0].ts == datetime(2025, 7, 30, 14, 10, 8, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("line", "kind", "pid", "emitter", "fields"),
    [
        pytest.param(
            "gunicorn.myapp.error: [85] WORKER TIMEOUT (pid:96)",
            Kind.WORKER_TIMEOUT,
            96,
            85,
            {},
            id="syslog-worker-timeout",
        ),
        pytest.param(
            "Jul 30 11:10:08 web-1 gunicorn.myapp.error: [85] WORKER TIMEOUT (pid:96)",
            Kind.WORKER_TIMEOUT,
            96,
            85,
            {},
            id="syslog-worker-timeout-as-received-by-rsyslog",
        ),
        pytest.param(
            "gunicorn.gunicorn.error: [96] Booting worker with pid: 96",
            Kind.WORKER_BOOT,
            96,
            96,
            {},
            id="syslog-default-proc-name-booting-worker",
        ),
        pytest.param(
            "gunicorn.myapp.wsgi.error: [85] Worker (pid:96) was sent SIGKILL! Perhaps out of memory?",
            Kind.WORKER_SIGNALED,
            96,
            85,
            {"signal": "SIGKILL", "oom_hint": 1},
            id="syslog-proc-name-colon-to-dot-sigkill",
        ),
        pytest.param(
            "gunicorn.myapp.error: [85] Worker (pid:96) exited with code 1.",
            Kind.WORKER_EXIT_CODE,
            96,
            85,
            {"code": 1, "period": "."},
            id="syslog-exit-code",
        ),
    ],
)
def test_syslog_form(
    line: str, kind: Kind, pid: int, emitter: int, fields: dict[str, FieldValue]
) -> None:
    parser, events = parse(line)
    assert len(events) == 1
    event = events[0]
    assert event.kind is kind
    assert (event.pid, event.emitter, event.level) == (pid, emitter, "")
    for key, value in fields.items():
        assert event.fields[key] == value
    assert parser.counts.recognized == 1


# -- §9: the full example sequences, verbatim ---------------------------------------

SEQ_9_2_TIMEOUT_VS_OOM_23 = """\
[2025-07-30 11:12:10 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:12)
[2025-07-30 11:12:11 +0000] [1] [ERROR] Worker (pid:12) was sent SIGKILL! Perhaps out of memory?
[2025-07-30 11:12:11 +0000] [19] [INFO] Booting worker with pid: 19
...
[2025-07-30 11:40:02 +0000] [1] [ERROR] Worker (pid:19) was sent SIGKILL! Perhaps out of memory?
[2025-07-30 11:40:02 +0000] [23] [INFO] Booting worker with pid: 23
"""

SEQ_9_3_SLOW_REQUEST_20_1 = """\
[2025-07-30 09:47:42 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:14)
[2025-07-30 09:47:42 +0000] [14] [INFO] Worker exiting (pid: 14)
[2025-07-30 09:47:42 +0000] [17] [INFO] Booting worker with pid: 17
"""

SEQ_9_3_SLOW_REQUEST_21_2 = """\
[2025-07-30 09:47:58 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:14)
[2025-07-30 09:47:58 +0000] [14] [INFO] Worker exiting (pid: 14)
[2025-07-30 09:47:58 +0000] [1] [ERROR] Worker (pid:14) exited with code 1
[2025-07-30 09:47:58 +0000] [1] [ERROR] Worker (pid:14) exited with code 1.
[2025-07-30 09:47:58 +0000] [17] [INFO] Booting worker with pid: 17
"""

SEQ_9_3_ABORT_27_0_1 = """\
[2025-07-30 09:48:47 +0000] [1] [INFO] Starting gunicorn 27.0.1
[2025-07-30 09:48:47 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)
[2025-07-30 09:48:47 +0000] [1] [INFO] Using worker: sync
[2025-07-30 09:48:47 +0000] [14] [INFO] Booting worker with pid: 14
[2025-07-30 09:48:47 +0000] [1] [INFO] Control socket listening at /home/app/.gunicorn/gunicorn.ctl
[2025-07-30 09:48:53 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:14)
[2025-07-30 09:48:53 +0000] [14] [ERROR] Error handling request GET /slow
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 141, in handle
    self.handle_request(listener, req, client, addr)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 184, in handle_request
    respiter = self.wsgi(environ, resp.start_response)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/app/app.py", line 10, in app
    slow_view()
  File "/app/app.py", line 5, in slow_view
    time.sleep(10)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 200, in handle_abort
    sys.exit(1)
SystemExit: 1
127.0.0.1 - - [30/Jul/2025:09:48:53 +0000] "GET /slow HTTP/1.1" 500 0 "-" "-"
[2025-07-30 09:48:53 +0000] [14] [INFO] Worker exiting (pid: 14)
[2025-07-30 09:48:53 +0000] [17] [INFO] Booting worker with pid: 17
[2025-07-30 09:48:53 +0000] [1] [INFO] Control socket listening at /home/app/.gunicorn/gunicorn.ctl
"""

SEQ_9_1_PSYCOPG3_23 = """\
[2025-07-30 11:09:38 +0000] [1] [INFO] Starting gunicorn 23.0.0
[2025-07-30 11:09:38 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)
[2025-07-30 11:09:38 +0000] [1] [INFO] Using worker: sync
[2025-07-30 11:09:38 +0000] [7] [INFO] Booting worker with pid: 7
[2025-07-30 11:10:08 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)
(30.150) SELECT "report"."id", … FROM "report" WHERE …; args=[42]; alias=default
[2025-07-30 11:10:08 +0000] [7] [ERROR] Error handling request /reports/export
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 134, in handle
    self.handle_request(listener, req, client, addr)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 177, in handle_request
    respiter = self.wsgi(environ, resp.start_response)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/wsgi.py", line 124, in __call__
    response = self.get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py", line 140, in get_response
    response = self._middleware_chain(request)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/app/reports/views.py", line 27, in export
    c.execute(SQL, [42])
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 102, in execute
    return super().execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 67, in execute
    return self._execute_with_wrappers(
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 80, in _execute_with_wrappers
    return executor(sql, params, many, context)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/psycopg/cursor.py", line 113, in execute
    self._conn.wait(
  File "/usr/local/lib/python3.11/site-packages/psycopg/connection.py", line 495, in wait
    return waiting.wait(
           ^^^^^^^^^^^^^
  File "psycopg_binary/_psycopg/waiting.pyx", line 341, in psycopg_binary._psycopg.wait_c
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 204, in handle_abort
    sys.exit(1)
SystemExit: 1
10.0.3.17 - - [30/Jul/2025:11:10:08 +0000] "GET /reports/export HTTP/1.1" 500 0 "-" "-"
[2025-07-30 11:10:08 +0000] [7] [INFO] Worker exiting (pid: 7)
[2025-07-30 11:10:08 +0000] [12] [INFO] Booting worker with pid: 12
"""

SEQ_9_4_UVICORN_23 = """\
[2025-07-30 09:49:40 +0000] [1] [INFO] Starting gunicorn 23.0.0
[2025-07-30 09:49:40 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)
[2025-07-30 09:49:40 +0000] [1] [INFO] Using worker: uvicorn_worker.UvicornWorker
[2025-07-30 09:49:40 +0000] [8] [INFO] Booting worker with pid: 8
[2025-07-30 09:49:40 +0000] [8] [INFO] Started server process [8]
[2025-07-30 09:49:40 +0000] [8] [INFO] Waiting for application startup.
[2025-07-30 09:49:40 +0000] [8] [INFO] Application startup complete.
10.0.3.17:37562 - "GET / HTTP/1.1" 200
[2025-07-30 09:49:43 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:8)
[2025-07-30 09:49:43 +0000] [1] [ERROR] Worker (pid:8) was sent SIGABRT!
[2025-07-30 09:49:43 +0000] [12] [INFO] Booting worker with pid: 12
[2025-07-30 09:49:43 +0000] [12] [INFO] Started server process [12]
[2025-07-30 09:49:43 +0000] [12] [INFO] Waiting for application startup.
[2025-07-30 09:49:43 +0000] [12] [INFO] Application startup complete.
[2025-07-30 09:49:46 +0000] [1] [INFO] Handling signal: term
[2025-07-30 09:49:46 +0000] [12] [INFO] Shutting down
[2025-07-30 09:49:46 +0000] [12] [INFO] Waiting for application shutdown.
[2025-07-30 09:49:46 +0000] [12] [INFO] Application shutdown complete.
[2025-07-30 09:49:46 +0000] [12] [INFO] Finished server process [12]
[2025-07-30 09:49:46 +0000] [1] [ERROR] Worker (pid:12) was sent SIGTERM!
[2025-07-30 09:49:46 +0000] [1] [INFO] Shutting down: Master
"""

SEQ_9_4_UVICORN_MAX_REQUESTS_27 = """\
[…] [8] [INFO] Maximum request limit of 2 exceeded. Terminating process.
[…] [8] [INFO] Shutting down
[…] [8] [INFO] Waiting for application shutdown.
[…] [8] [INFO] Application shutdown complete.
[…] [8] [INFO] Finished server process [8]
[…] [8] [INFO] Worker exiting (pid: 8)
[…] [12] [INFO] Booting worker with pid: 12
"""

SEQ_9_5_CHAINED_PSYCOPG2 = """\
(1.001) SELECT pg_sleep(3); args=[3]; alias=default
Internal Server Error: /sleep/3
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
psycopg2.errors.QueryCanceled: canceling statement due to statement timeout


The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^
  ...
  File "/usr/local/lib/python3.11/site-packages/django/db/utils.py", line 91, in __exit__
    raise dj_exc_value.with_traceback(traceback) from exc_value
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
django.db.utils.OperationalError: canceling statement due to statement timeout

10.0.3.17 - - [30/Jul/2025:09:53:07 +0000] "GET /sleep/3 HTTP/1.1" 500 145 "-" "curl/7.88.1"
"""

SEQ_9_6_BOOT_FAILURE_23 = """\
[2025-07-30 09:51:46 +0000] [1] [INFO] Starting gunicorn 23.0.0
[2025-07-30 09:51:46 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)
[2025-07-30 09:51:46 +0000] [1] [INFO] Using worker: sync
[2025-07-30 09:51:46 +0000] [7] [INFO] Booting worker with pid: 7
[2025-07-30 09:51:46 +0000] [7] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 608, in spawn_worker
    worker.init_process()
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 135, in init_process
    self.load_wsgi()
  ... (frames through gunicorn/app/wsgiapp.py, gunicorn/util.py import_app and importlib elided)
  File "/app/myapp/wsgi.py", line 1, in <module>
    import nonexistent_dependency
ModuleNotFoundError: No module named 'nonexistent_dependency'
[2025-07-30 09:51:46 +0000] [7] [INFO] Worker exiting (pid: 7)
[2025-07-30 09:51:46 +0000] [1] [ERROR] Worker (pid:7) exited with code 3
[2025-07-30 09:51:46 +0000] [1] [ERROR] Shutting down: Master
[2025-07-30 09:51:46 +0000] [1] [ERROR] Reason: Worker failed to boot.
"""

SEQ_9_6_APP_NOT_FOUND_23 = """\
[2025-07-30 09:51:46 +0000] [7] [INFO] Booting worker with pid: 7
Failed to find attribute 'application' in 'myapp.wsgi'.
[2025-07-30 09:51:46 +0000] [7] [INFO] Worker exiting (pid: 7)
[2025-07-30 09:51:46 +0000] [1] [ERROR] Worker (pid:7) exited with code 4
[2025-07-30 09:51:46 +0000] [1] [ERROR] Shutting down: Master
[2025-07-30 09:51:46 +0000] [1] [ERROR] Reason: App failed to load.
"""

SEQ_9_7_SHUTDOWN_KILL_23 = """\
[2025-07-30 09:51:32 +0000] [1] [INFO] Handling signal: term
[2025-07-30 09:51:34 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?
[2025-07-30 09:51:34 +0000] [1] [INFO] Shutting down: Master
"""

SEQ_9_8_IDLE_CLIENT_23 = """\
[2025-07-30 09:51:57 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:14)
[2025-07-30 09:51:57 +0000] [14] [ERROR] Error handling request (no URI read)
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 133, in handle
    req = next(parser)
          ^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/parser.py", line 41, in __next__
    self.mesg = self.mesg_class(self.cfg, self.unreader, self.source_addr, self.req_count)
                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/message.py", line 259, in __init__
    super().__init__(cfg, unreader, peer_addr)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/message.py", line 60, in __init__
    unused = self.parse(self.unreader)
             ^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/message.py", line 271, in parse
    self.get_data(unreader, buf, stop=True)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/message.py", line 262, in get_data
    data = unreader.read()
           ^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/unreader.py", line 36, in read
    d = self.chunk()
        ^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/gunicorn/http/unreader.py", line 63, in chunk
    return self.sock.recv(self.mxchunk)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 204, in handle_abort
    sys.exit(1)
SystemExit: 1
[2025-07-30 09:51:57 +0000] [14] [INFO] Worker exiting (pid: 14)
[2025-07-30 09:51:57 +0000] [17] [INFO] Booting worker with pid: 17
"""

SEQ_9_9_MAX_REQUESTS_23 = """\
127.0.0.1 - - [30/Jul/2025:09:51:53 +0000] "GET /a HTTP/1.1" 200 3 "-" "curl/7.88.1"
[2025-07-30 09:51:53 +0000] [7] [INFO] Autorestarting worker after current request.
127.0.0.1 - - [30/Jul/2025:09:51:53 +0000] "GET /b HTTP/1.1" 200 3 "-" "curl/7.88.1"
[2025-07-30 09:51:53 +0000] [7] [INFO] Worker exiting (pid: 7)
[2025-07-30 09:51:53 +0000] [12] [INFO] Booting worker with pid: 12
"""

SEQ_1_3_STANDALONE_UVICORN = """\
INFO:     Started server process [17139]
INFO:     Waiting for application startup.
INFO:     Application startup complete.
INFO:     Uvicorn running on http://127.0.0.1:18950 (Press CTRL+C to quit)
INFO:     127.0.0.1:42740 - "GET / HTTP/1.1" 200 OK
INFO:     Shutting down
INFO:     Waiting for application shutdown.
INFO:     Application shutdown complete.
INFO:     Finished server process [17139]
"""

SEQUENCES = {
    "SEQ_1_3_STANDALONE_UVICORN": SEQ_1_3_STANDALONE_UVICORN,
    "SEQ_9_1_PSYCOPG3_23": SEQ_9_1_PSYCOPG3_23,
    "SEQ_9_2_TIMEOUT_VS_OOM_23": SEQ_9_2_TIMEOUT_VS_OOM_23,
    "SEQ_9_3_SLOW_REQUEST_20_1": SEQ_9_3_SLOW_REQUEST_20_1,
    "SEQ_9_3_SLOW_REQUEST_21_2": SEQ_9_3_SLOW_REQUEST_21_2,
    "SEQ_9_3_ABORT_27_0_1": SEQ_9_3_ABORT_27_0_1,
    "SEQ_9_4_UVICORN_23": SEQ_9_4_UVICORN_23,
    "SEQ_9_4_UVICORN_MAX_REQUESTS_27": SEQ_9_4_UVICORN_MAX_REQUESTS_27,
    "SEQ_9_5_CHAINED_PSYCOPG2": SEQ_9_5_CHAINED_PSYCOPG2,
    "SEQ_9_6_BOOT_FAILURE_23": SEQ_9_6_BOOT_FAILURE_23,
    "SEQ_9_6_APP_NOT_FOUND_23": SEQ_9_6_APP_NOT_FOUND_23,
    "SEQ_9_7_SHUTDOWN_KILL_23": SEQ_9_7_SHUTDOWN_KILL_23,
    "SEQ_9_8_IDLE_CLIENT_23": SEQ_9_8_IDLE_CLIENT_23,
    "SEQ_9_9_MAX_REQUESTS_23": SEQ_9_9_MAX_REQUESTS_23,
}

UVI_SHUTDOWN = Kind.UVICORN_SHUTDOWN


@pytest.mark.parametrize(
    ("text", "expected", "unrecognized"),
    [
        pytest.param(
            SEQ_1_3_STANDALONE_UVICORN,
            [
                (Kind.UVICORN_STARTED, 17139),
                (Kind.UVICORN_STARTUP, None),
                (Kind.UVICORN_STARTUP, None),
                (Kind.UVICORN_OTHER, None),
                (Kind.ACCESS, None),
                (UVI_SHUTDOWN, None),
                (UVI_SHUTDOWN, None),
                (UVI_SHUTDOWN, None),
                (Kind.UVICORN_FINISHED, 17139),
            ],
            0,
            id="1.3-standalone-uvicorn-0.54",
        ),
        pytest.param(
            SEQ_9_1_PSYCOPG3_23,
            [
                (Kind.MASTER_START, None),
                (Kind.LISTENING, None),
                (Kind.USING_WORKER, None),
                (Kind.WORKER_BOOT, 7),
                (Kind.WORKER_TIMEOUT, 7),
                (Kind.SQL_QUERY, None),
                (Kind.WORKER_ABORT, 7),
                (Kind.ACCESS, None),
                (Kind.WORKER_EXITING, 7),
                (Kind.WORKER_BOOT, 12),
            ],
            0,
            id="9.1-psycopg3-stuck-query-abort-22.0-26.x",
        ),
        pytest.param(
            SEQ_9_2_TIMEOUT_VS_OOM_23,
            [
                (Kind.WORKER_TIMEOUT, 12),
                (Kind.WORKER_SIGNALED, 12),
                (Kind.WORKER_BOOT, 19),
                (Kind.WORKER_SIGNALED, 19),
                (Kind.WORKER_BOOT, 23),
            ],
            1,  # the catalogue's "..." elision line
            id="9.2-timeout-sigkill-vs-oom-21.0+",
        ),
        pytest.param(
            SEQ_9_3_SLOW_REQUEST_20_1,
            [(Kind.WORKER_TIMEOUT, 14), (Kind.WORKER_EXITING, 14), (Kind.WORKER_BOOT, 17)],
            0,
            id="9.3-slow-request-19.9-20.1",
        ),
        pytest.param(
            SEQ_9_3_SLOW_REQUEST_21_2,
            [
                (Kind.WORKER_TIMEOUT, 14),
                (Kind.WORKER_EXITING, 14),
                (Kind.WORKER_EXIT_CODE, 14),
                (Kind.WORKER_EXIT_CODE, 14),
                (Kind.WORKER_BOOT, 17),
            ],
            0,
            id="9.3-slow-request-21.0-21.2",
        ),
        pytest.param(
            SEQ_9_3_ABORT_27_0_1,
            [
                (Kind.MASTER_START, None),
                (Kind.LISTENING, None),
                (Kind.USING_WORKER, None),
                (Kind.WORKER_BOOT, 14),
                (Kind.CONTROL_SOCKET, None),
                (Kind.WORKER_TIMEOUT, 14),
                (Kind.WORKER_ABORT, 14),
                (Kind.ACCESS, None),
                (Kind.WORKER_EXITING, 14),
                (Kind.WORKER_BOOT, 17),
                (Kind.CONTROL_SOCKET, None),
            ],
            0,
            id="9.3-slow-request-abort-22.0-27.0.1",
        ),
        pytest.param(
            SEQ_9_4_UVICORN_23,
            [
                (Kind.MASTER_START, None),
                (Kind.LISTENING, None),
                (Kind.USING_WORKER, None),
                (Kind.WORKER_BOOT, 8),
                (Kind.UVICORN_STARTED, 8),
                (Kind.UVICORN_STARTUP, 8),
                (Kind.UVICORN_STARTUP, 8),
                (Kind.ACCESS, None),
                (Kind.WORKER_TIMEOUT, 8),
                (Kind.WORKER_SIGNALED, 8),
                (Kind.WORKER_BOOT, 12),
                (Kind.UVICORN_STARTED, 12),
                (Kind.UVICORN_STARTUP, 12),
                (Kind.UVICORN_STARTUP, 12),
                (Kind.SIGNAL_HANDLED, None),
                (UVI_SHUTDOWN, 12),
                (UVI_SHUTDOWN, 12),
                (UVI_SHUTDOWN, 12),
                (Kind.UVICORN_FINISHED, 12),
                (Kind.WORKER_SIGNALED, 12),
                (Kind.MASTER_SHUTDOWN, None),
            ],
            0,
            id="9.4-uvicorn-worker-blocked-loop-23.0",
        ),
        pytest.param(
            SEQ_9_4_UVICORN_MAX_REQUESTS_27,
            [
                (Kind.MAX_REQUESTS, 8),
                (UVI_SHUTDOWN, 8),
                (UVI_SHUTDOWN, 8),
                (UVI_SHUTDOWN, 8),
                (Kind.UVICORN_FINISHED, 8),
                (Kind.WORKER_EXITING, 8),
                (Kind.WORKER_BOOT, 12),
            ],
            0,
            id="9.4-uvicorn-worker-max-requests-27.0.1",
        ),
        pytest.param(
            SEQ_9_5_CHAINED_PSYCOPG2,
            # the traceback's QueryCanceled is also a database event
            [
                (Kind.SQL_QUERY, None),
                (Kind.DJANGO_REQUEST_ERROR, None),
                (Kind.DB_STATEMENT_TIMEOUT, None),
                (Kind.ACCESS, None),
            ],
            0,
            id="9.5-statement-timeout-chained-23.0",
        ),
        pytest.param(
            SEQ_9_6_BOOT_FAILURE_23,
            [
                (Kind.MASTER_START, None),
                (Kind.LISTENING, None),
                (Kind.USING_WORKER, None),
                (Kind.WORKER_BOOT, 7),
                (Kind.WORKER_EXCEPTION, 7),
                (Kind.WORKER_EXITING, 7),
                (Kind.WORKER_EXIT_CODE, 7),
                (Kind.MASTER_SHUTDOWN, None),
                (Kind.HALT_REASON, None),
            ],
            0,
            id="9.6-boot-failure-21.0-23.0",
        ),
        pytest.param(
            SEQ_9_6_APP_NOT_FOUND_23,
            [
                (Kind.WORKER_BOOT, 7),
                (Kind.APP_LOAD_ERROR, None),
                (Kind.WORKER_EXITING, 7),
                (Kind.WORKER_EXIT_CODE, 7),
                (Kind.MASTER_SHUTDOWN, None),
                (Kind.HALT_REASON, None),
            ],
            0,
            id="9.6-app-not-found-21.0-23.0",
        ),
        pytest.param(
            SEQ_9_7_SHUTDOWN_KILL_23,
            [
                (Kind.SIGNAL_HANDLED, None),
                (Kind.WORKER_SIGNALED, 7),
                (Kind.MASTER_SHUTDOWN, None),
            ],
            0,
            id="9.7-graceful-timeout-sigkill-23.0",
        ),
        pytest.param(
            SEQ_9_8_IDLE_CLIENT_23,
            [
                (Kind.WORKER_TIMEOUT, 14),
                (Kind.WORKER_ABORT, 14),
                (Kind.WORKER_EXITING, 14),
                (Kind.WORKER_BOOT, 17),
            ],
            0,
            id="9.8-idle-client-abort-22.0+",
        ),
        pytest.param(
            SEQ_9_9_MAX_REQUESTS_23,
            [
                (Kind.ACCESS, None),
                (Kind.MAX_REQUESTS, 7),
                (Kind.ACCESS, None),
                (Kind.WORKER_EXITING, 7),
                (Kind.WORKER_BOOT, 12),
            ],
            0,
            id="9.9-max-requests-sync-23.0",
        ),
    ],
)
def test_sequence(text: str, expected: list[tuple[Kind, int | None]], unrecognized: int) -> None:
    parser, events = parse(text)
    assert [(e.kind, e.pid) for e in events] == expected
    assert parser.counts.unrecognized == unrecognized
    assert parser.counts.app == 0


def test_sequences_are_verbatim_from_the_catalogue(shared: Path) -> None:
    catalogue = (shared / "reference" / "gunicorn-log-catalogue.md").read_text(encoding="utf-8")
    for name, text in SEQUENCES.items():
        assert f"```\n{text}```" in catalogue, name


def only(events: list[Event], kind: Kind) -> Event:
    found = [e for e in events if e.kind is kind]
    assert len(found) == 1, [e.kind for e in events]
    return found[0]


# -- tracebacks ------------------------------------------------------------------


def test_abort_25_2_plus_is_one_worker_abort_event_stuck_in_the_app() -> None:
    """§9.3, 22.0+: `Error handling request GET /slow` + traceback ending in handle_abort."""
    parser, events = parse(SEQ_9_3_ABORT_27_0_1)
    assert not [e for e in events if e.kind is Kind.REQUEST_ERROR]
    abort = only(events, Kind.WORKER_ABORT)
    assert (abort.pid, abort.emitter, abort.level) == (14, 14, "ERROR")
    assert abort.ts == epoch(2025, 7, 30, 9, 48, 53)
    assert abort.fields["method"] == "GET"
    assert abort.fields["uri"] == "/slow"
    assert "raw_uri" not in abort.fields
    assert abort.fields["stuck_in"] == "app"
    assert abort.fields["app_frame"] == "/app/app.py:5 in slow_view"
    assert abort.fields["stuck_frame"] == "/app/app.py:5 in slow_view"
    assert abort.fields["exception"] == "SystemExit: 1"
    tb = abort.traceback
    assert tb is not None
    assert tb.is_abort
    assert tb.exception == "SystemExit: 1"
    assert [f.function for f in tb.frames] == [
        "handle",
        "handle_request",
        "app",
        "slow_view",
        "handle_abort",
    ]
    assert tb.frames[3].file == "/app/app.py"
    assert tb.frames[3].line == 5
    assert tb.frames[3].code == "time.sleep(10)"
    assert tb.frames[-1].code == "sys.exit(1)"
    assert tb.lines[0][1] == "Traceback (most recent call last):"
    assert tb.lines[-1][1] == "SystemExit: 1"
    assert len(tb.lines) == parser.counts.traceback == 13
    gunicorn_500 = only(events, Kind.ACCESS)
    assert gunicorn_500.fields["gunicorn_500"] == 1


def test_abort_22_0_to_25_1_carries_the_raw_uri() -> None:
    """Before 25.2 the header holds only `req.uri`."""
    text = SEQ_9_3_ABORT_27_0_1.replace(
        "[ERROR] Error handling request GET /slow", "[ERROR] Error handling request /slow"
    )
    assert text != SEQ_9_3_ABORT_27_0_1
    _, events = parse(text)
    abort = only(events, Kind.WORKER_ABORT)
    assert abort.fields["raw_uri"] == "/slow"
    assert "method" not in abort.fields
    assert "uri" not in abort.fields
    assert abort.fields["stuck_in"] == "app"
    assert abort.fields["app_frame"] == "/app/app.py:5 in slow_view"


def test_abort_in_psycopg3_wait_is_stuck_in_the_database() -> None:
    """§9.1: the frame above handle_abort is psycopg's wait_c."""
    parser, events = parse(SEQ_9_1_PSYCOPG3_23)
    abort = only(events, Kind.WORKER_ABORT)
    assert (abort.pid, abort.emitter) == (7, 7)
    assert abort.fields["raw_uri"] == "/reports/export"
    assert abort.fields["stuck_in"] == "database"
    assert abort.fields["app_frame"] == "/app/reports/views.py:27 in export"
    assert abort.fields["stuck_frame"] == (
        "psycopg_binary/_psycopg/waiting.pyx:341 in psycopg_binary._psycopg.wait_c"
    )
    assert abort.traceback is not None
    assert abort.traceback.frames[-1].function == "handle_abort"
    assert len(abort.traceback.frames) == 15
    sql = only(events, Kind.SQL_QUERY)
    assert sql.fields["duration"] == 30.150
    assert parser.counts.traceback == len(abort.traceback.lines) == 41


def test_abort_while_reading_the_request_is_an_idle_client() -> None:
    """§9.8: `Error handling request (no URI read)`, stuck in the socket recv."""
    parser, events = parse(SEQ_9_8_IDLE_CLIENT_23)
    abort = only(events, Kind.WORKER_ABORT)
    assert abort.fields["no_uri"] == "(no URI read)"
    assert abort.fields["stuck_in"] == "idle_client"
    assert abort.fields["stuck_frame"] == (
        "/usr/local/lib/python3.11/site-packages/gunicorn/http/unreader.py:63 in chunk"
    )
    assert "app_frame" not in abort.fields
    assert abort.traceback is not None
    assert abort.traceback.frames[-2].code == "return self.sock.recv(self.mxchunk)"
    assert parser.counts.traceback == 26
    assert not [e for e in events if e.kind is Kind.ACCESS]


def test_abort_after_headers_sent_27_0_plus() -> None:
    """§1.2/§5: 27.0+ logs a mid-stream timeout as `Error handling request` (no URI)."""
    text = f"""\
{T} [85] [CRITICAL] WORKER TIMEOUT (pid:96)
{T} [96] [ERROR] Error handling request
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 190, in handle_request
    for item in respiter:
  File "/app/app.py", line 14, in stream
    time.sleep(10)
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/base.py", line 200, in handle_abort
    sys.exit(1)
SystemExit: 1
{T} [96] [INFO] Worker exiting (pid: 96)
"""
    _, events = parse(text)
    assert [e.kind for e in events] == [
        Kind.WORKER_TIMEOUT,
        Kind.WORKER_ABORT,
        Kind.WORKER_EXITING,
    ]
    abort = events[1]
    for key in REQUEST_VARIANTS:
        assert key not in abort.fields
    assert abort.fields["stuck_in"] == "app"
    assert abort.fields["app_frame"] == "/app/app.py:14 in stream"


def test_app_exception_is_a_request_error_not_an_abort() -> None:
    text = f"""\
{T} [96] [ERROR] Error handling request /boom
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/workers/sync.py", line 177, in handle_request
    respiter = self.wsgi(environ, resp.start_response)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/app/app.py", line 20, in app
    raise ValueError("boom")
ValueError: boom
127.0.0.1 - - [30/Jul/2025:11:10:08 +0000] "GET /boom HTTP/1.1" 500 0 "-" "-"
"""
    parser, events = parse(text)
    assert [e.kind for e in events] == [Kind.REQUEST_ERROR, Kind.ACCESS]
    error = events[0]
    assert error.fields["raw_uri"] == "/boom"
    assert error.fields["exception"] == "ValueError: boom"
    assert "stuck_in" not in error.fields
    assert error.traceback is not None
    assert not error.traceback.is_abort
    assert events[1].fields["gunicorn_500"] == 1
    assert parser.counts.traceback == 7


def test_boot_failure_is_a_worker_exception_with_the_exception_line() -> None:
    """§9.6: `Exception in worker process` + traceback, then exit code 3 and the halt."""
    parser, events = parse(SEQ_9_6_BOOT_FAILURE_23)
    failure = only(events, Kind.WORKER_EXCEPTION)
    assert (failure.pid, failure.emitter, failure.level) == (7, 7, "ERROR")
    assert failure.fields["exception"] == (
        "ModuleNotFoundError: No module named 'nonexistent_dependency'"
    )
    assert failure.traceback is not None
    assert [f.function for f in failure.traceback.frames] == [
        "spawn_worker",
        "init_process",
        "<module>",
    ]
    assert failure.traceback.app_frame() is not None
    assert only(events, Kind.WORKER_EXIT_CODE).fields["code"] == 3
    assert only(events, Kind.HALT_REASON).fields["reason"] == "Worker failed to boot."
    assert parser.counts.traceback == 9


def test_boot_failure_24_1_plus_echo_is_part_of_the_traceback() -> None:
    """24.1+ also prints the exception text raw (`print("%s" % e)`) after the traceback."""
    text = SEQ_9_6_BOOT_FAILURE_23.replace(
        "ModuleNotFoundError: No module named 'nonexistent_dependency'\n",
        "ModuleNotFoundError: No module named 'nonexistent_dependency'\n"
        "No module named 'nonexistent_dependency'\n",
    ).replace("exited with code 3\n", "exited with code 3.\n")
    parser, events = parse(text)
    assert [e.kind for e in events].count(Kind.WORKER_EXCEPTION) == 1
    assert only(events, Kind.WORKER_EXIT_CODE).fields["period"] == "."
    assert parser.counts.unrecognized == 0
    assert parser.counts.traceback == 10


def test_app_object_missing_prints_a_raw_app_load_error() -> None:
    """§9.6: the raw `Failed to find attribute …` line is an APP_LOAD_ERROR."""
    _, events = parse(SEQ_9_6_APP_NOT_FOUND_23)
    load = only(events, Kind.APP_LOAD_ERROR)
    assert load.text == "Failed to find attribute 'application' in 'myapp.wsgi'."
    assert load.fields["attribute"] == "application"
    assert load.fields["module"] == "myapp.wsgi"
    assert only(events, Kind.WORKER_EXIT_CODE).fields["code"] == 4
    assert only(events, Kind.HALT_REASON).fields["reason"] == "App failed to load."


def test_app_load_error_at_debug_level_with_traceback_and_raw_echo() -> None:
    """`Exception while loading the application` (DEBUG) + traceback, then the raw text."""
    text = f"""\
{T} [7] [INFO] Booting worker with pid: 7
{T} [7] [DEBUG] Exception while loading the application
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 608, in spawn_worker
    worker.init_process()
  File "/usr/local/lib/python3.11/site-packages/gunicorn/util.py", line 379, in import_app
    raise AppImportError("Failed to find attribute %r in %r." % (name, module))
gunicorn.errors.AppImportError: Failed to find attribute 'application' in 'myapp.wsgi'.
Failed to find attribute 'application' in 'myapp.wsgi'.
{T} [7] [INFO] Worker exiting (pid: 7)
"""
    parser, events = parse(text)
    assert [e.kind for e in events] == [
        Kind.WORKER_BOOT,
        Kind.APP_LOAD_ERROR,
        Kind.WORKER_EXITING,
    ]
    load = events[1]
    assert (load.pid, load.level) == (7, "DEBUG")
    assert load.fields["exception"] == (
        "gunicorn.errors.AppImportError: Failed to find attribute 'application' in 'myapp.wsgi'."
    )
    assert parser.counts.traceback == 7


def test_chained_traceback_psycopg2_is_one_traceback() -> None:
    """§9.5: two tracebacks joined by `The above exception was the direct cause…`."""
    parser, events = parse(SEQ_9_5_CHAINED_PSYCOPG2)
    error = only(events, Kind.DJANGO_REQUEST_ERROR)
    assert error.fields["path"] == "/sleep/3"
    tb = error.traceback
    assert tb is not None
    assert tb.exception == (
        "django.db.utils.OperationalError: canceling statement due to statement timeout"
    )
    assert tb.chained == [
        "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout"
    ]
    assert error.fields["exception"] == tb.exception
    assert tb.lines[0] == (3, "Traceback (most recent call last):")
    assert tb.lines[-1][1] == tb.exception
    # Lines 3 to 23 (the chain, its blank lines and the trailing blank line).
    assert parser.counts.traceback == 21
    assert parser.counts.recognized == 3
    access = only(events, Kind.ACCESS)
    assert "gunicorn_500" not in access.fields


def test_chained_traceback_psycopg3_single_blank_line() -> None:
    """§9.5, psycopg 3: one blank line around the chain marker, not two."""
    text = """\
Internal Server Error: /sleep/3
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/psycopg/cursor.py", line 117, in execute
    raise ex.with_traceback(None)
psycopg.errors.QueryCanceled: canceling statement due to statement timeout

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
django.db.utils.OperationalError: canceling statement due to statement timeout
10.0.3.17 - - [30/Jul/2025:09:53:07 +0000] "GET /sleep/3 HTTP/1.1" 500 145 "-" "curl/7.88.1"
"""
    parser, events = parse(text)
    assert [e.kind for e in events] == [
        Kind.DJANGO_REQUEST_ERROR,
        Kind.DB_STATEMENT_TIMEOUT,  # derived from the traceback's QueryCanceled
        Kind.ACCESS,
    ]
    tb = events[0].traceback
    assert tb is not None
    assert tb.chained == [
        "psycopg.errors.QueryCanceled: canceling statement due to statement timeout"
    ]
    assert tb.exception.startswith("django.db.utils.OperationalError")
    assert events[0].fields["exception"] == tb.exception
    assert parser.counts.traceback == 18


@pytest.mark.parametrize(
    ("header", "kind", "pid", "emitter", "trailing_blank"),
    [
        pytest.param(
            f"{T} [1] [ERROR] Unhandled exception in main loop",
            Kind.MASTER_CRASH,
            None,
            1,
            False,
            id="unhandled-exception-in-main-loop-traceback-all",
        ),
        pytest.param(
            f"{T} [96] [WARNING] Exception during worker exit:",
            # the message is "…exit:\n%s" % format_exc(), which ends in a newline
            Kind.WORKER_OTHER,
            96,
            96,
            True,
            id="exception-during-worker-exit-traceback-all",
        ),
        pytest.param(
            f"{T} [96] [ERROR] Socket error processing request.",
            Kind.SOCKET_ERROR,
            96,
            96,
            False,
            id="socket-error-processing-request-traceback-all",
        ),
        pytest.param(
            f"{T} [96] [ERROR] Exception in post_request hook",
            Kind.WORKER_OTHER,
            96,
            96,
            False,
            id="exception-in-post-request-hook-traceback-all",
        ),
        pytest.param(
            f"{T} [96] [ERROR] Exception in 'lifespan' protocol",
            Kind.UVICORN_OTHER,
            96,
            96,
            False,
            id="uvicorn-exception-in-lifespan-traceback",
        ),
        pytest.param(
            f"{T} [96] [ERROR] Exception in worker process",
            Kind.WORKER_EXCEPTION,
            96,
            96,
            False,
            id="exception-in-worker-process-after-boot-exit-255-all",
        ),
        pytest.param(
            None,
            Kind.TRACEBACK,
            None,
            None,
            False,
            id="traceback-without-header",
        ),
    ],
)
def test_header_takes_the_traceback_that_follows(
    header: str | None, kind: Kind, pid: int | None, emitter: int | None, trailing_blank: bool
) -> None:
    tb_lines = [
        "Traceback (most recent call last):",
        '  File "/app/hooks.py", line 3, in worker_exit',
        "    raise OSError(5, 'Input/output error')",
        "OSError: [Errno 5] Input/output error",
    ]
    lines = ([header] if header else []) + tb_lines + ([""] if trailing_blank else [])
    lines.append(f"{T} [85] [INFO] Shutting down: Master")
    parser, events = parse("\n".join(lines) + "\n")
    assert [e.kind for e in events] == [kind, Kind.MASTER_SHUTDOWN]
    event = events[0]
    assert (event.pid, event.emitter) == (pid, emitter)
    assert event.fields["exception"] == "OSError: [Errno 5] Input/output error"
    assert event.traceback is not None
    assert [(f.file, f.line, f.function) for f in event.traceback.frames] == [
        ("/app/hooks.py", 3, "worker_exit")
    ]
    assert parser.counts.traceback == len(tb_lines) + trailing_blank


# -- line accounting ---------------------------------------------------------------


def test_every_line_is_accounted_for() -> None:
    """All the lines of this module in one stream: read = the sum of the categories."""
    cases = (
        MASTER_CASES + WORKER_CASES + UVICORN_WORKER_CASES + STANDALONE_UVICORN_CASES + RAW_CASES
    )
    singles = [p.values[0].line for p in cases]  # type: ignore[attr-defined]
    extra = [
        "",
        "   ",
        "some line no template knows",
        f"{T} [96] [INFO] an application's own log message",
        "INFO:     an application's own uvicorn-format message",
    ]
    text = "\n".join(singles + extra) + "\n" + "".join(SEQUENCES.values())
    lines = text.splitlines()
    parser, events = parse_lines(lines, "all.log")
    counts = parser.counts
    assert_accounted(parser, len(lines))
    assert counts.blank >= 1
    assert counts.app == 2
    assert counts.traceback == 41 + 13 + 21 + 9 + 26
    # Every single-line template gave exactly one event of its own.
    assert len([e for e in events if e.line <= len(singles)]) == len(singles)

"""Run real Gunicorn on loopback, make it misbehave, and capture what it logs.

Used by tests/test_scenarios.py (against the Gunicorn installed in the test
environment) and by sample_logs/regenerate.py (against several releases, each
in its own virtual environment). Every process started here is stopped by pid.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

APPS = Path(__file__).resolve().parent / "scenario_apps"
BOOT = re.compile(r"Booting worker with pid: (\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One running Gunicorn master, its log, and what the scenario did to it."""

    python: str
    app: str
    args: list[str]
    log_path: Path
    apps_dir: Path = APPS
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    known_pids: set[int] = field(default_factory=set)

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [self.python, "-m", "gunicorn", "-b", f"127.0.0.1:{self.port}", *self.args, self.app],
            cwd=self.apps_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"},
        )
        log.close()
        self.known_pids.add(self.process.pid)

    @property
    def master_pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> list[int]:
        pids = [int(p) for p in BOOT.findall(self.text())]
        self.known_pids.update(pids)
        return pids

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 15.0) -> bool:
        """Wait until `pattern` (a regex) appears `count` times in the log."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        while time.monotonic() < deadline:
            if len(compiled.findall(self.text())) >= count:
                self.worker_pids()
                return True
            if self.process is not None and self.process.poll() is not None:
                return len(compiled.findall(self.text())) >= count
            time.sleep(0.05)
        return False

    def wait_ready(self, timeout: float = 15.0) -> None:
        if not self.wait_for(r"Booting worker with pid", timeout=timeout):
            raise RuntimeError(f"gunicorn did not boot a worker:\n{self.text()}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn is not listening:\n{self.text()}")

    def get(self, path: str, timeout: float = 15.0) -> int | None:
        """GET a path; the status, or None when the connection failed or was reset."""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{path}", timeout=timeout
            ) as r:
                r.read()
                return int(r.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (OSError, urllib.error.URLError):
            return None

    def get_in_background(self, path: str) -> threading.Thread:
        thread = threading.Thread(target=self.get, args=(path,), daemon=True)
        thread.start()
        return thread

    def signal_master(self, sig: signal.Signals) -> None:
        os.kill(self.master_pid, sig)

    def stop(self) -> None:
        """Stop the master gracefully, then kill anything of ours still alive, by pid."""
        if self.process is None:
            return
        self.worker_pids()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.master_pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.master_pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        for pid in self.known_pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(
    python: str, app: str, args: list[str], log_path: Path, apps_dir: Path = APPS
) -> Iterator[Server]:
    server = Server(python, app, args, log_path, apps_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def slow_upstream(delay: float = 30.0) -> Iterator[str]:
    """A local HTTP server that takes `delay` seconds to answer; yields its URL."""
    stop = threading.Event()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stop.wait(delay)
            with contextlib.suppress(OSError):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"late\n")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


# -- scenarios ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A way to make Gunicorn misbehave, and the causes that explain it."""

    name: str
    app: str
    args: tuple[str, ...]
    drive: Callable[[Server], None]
    expected: tuple[str, ...]  # acceptable top causes; () means healthy
    needs: str = ""  # a module the scenario's app needs ("django", "uvicorn")
    note: str = ""


def _slow_request(server: Server) -> None:
    server.wait_ready()
    server.get_in_background("/sleep?s=6")
    server.wait_for(r"WORKER TIMEOUT")
    server.wait_for(r"Booting worker with pid", count=2)
    time.sleep(0.5)


def _oom_kill(server: Server) -> None:
    server.wait_ready()
    assert server.get("/ok") == 200
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)  # what the kernel's OOM killer does
    server.wait_for(r"Booting worker with pid", count=2)
    time.sleep(0.5)


def _boot_failure(server: Server) -> None:
    assert server.process is not None
    server.process.wait(timeout=15)


def _slow_upstream(server: Server) -> None:
    with slow_upstream() as url:
        server.wait_ready()
        server.get_in_background(f"/upstream?url={url}")
        server.wait_for(r"WORKER TIMEOUT")
        server.wait_for(r"Booting worker with pid", count=2)
        time.sleep(0.5)


def _slow_query(server: Server) -> None:
    server.wait_ready()
    # A first request sets Django up, so the slow one starts right after a heartbeat.
    server.get("/report/?s=0")
    server.get_in_background("/report/?s=8")
    server.wait_for(r"WORKER TIMEOUT")
    server.wait_for(r"Booting worker with pid", count=2)
    time.sleep(0.5)


def _blocked_loop(server: Server) -> None:
    server.wait_ready()
    server.wait_for(r"Application startup complete")
    server.get_in_background("/block")
    server.wait_for(r"WORKER TIMEOUT")
    server.wait_for(r"Booting worker with pid", count=2)
    time.sleep(0.5)


def _crash_loop(server: Server) -> None:
    # Boots in the first second are the start-up; the loop shows after it.
    server.wait_for(r"Booting worker with pid", count=14, timeout=30)


def _healthy(server: Server) -> None:
    server.wait_ready()
    for _ in range(3):  # --max-requests 2: one recycle
        server.get("/ok")
    server.wait_for(r"Booting worker with pid", count=2)
    server.signal_master(signal.SIGHUP)
    server.wait_for(r"Booting worker with pid", count=3)
    server.wait_ready()
    time.sleep(0.5)
    server.signal_master(signal.SIGTERM)
    assert server.process is not None
    server.process.wait(timeout=15)


SYNC = ("-w", "1", "-t", "1", "--graceful-timeout", "2", "--access-logfile", "-")
SYNC_2S = ("-w", "1", "-t", "2", "--graceful-timeout", "2", "--access-logfile", "-")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "slow_request",
        "wsgi_app:app",
        SYNC,
        _slow_request,
        ("slow_request",),
        note="a view sleeps 6 s under --timeout 1",
    ),
    Scenario(
        "oom_kill",
        "wsgi_app:app",
        SYNC,
        _oom_kill,
        ("oom_kill",),
        note="an idle worker is sent SIGKILL from outside, as the OOM killer does",
    ),
    Scenario(
        "boot_failure",
        "broken_app:app",
        SYNC,
        _boot_failure,
        ("boot_failure",),
        note="the app imports a module that does not exist",
    ),
    Scenario(
        "slow_upstream",
        "wsgi_app:app",
        SYNC,
        _slow_upstream,
        ("slow_upstream",),
        note="a view calls a local HTTP server that answers after 30 s, with no timeout",
    ),
    Scenario(
        "slow_query",
        "django_app:application",
        SYNC_2S,
        _slow_query,
        ("slow_query",),
        needs="django",
        note="a Django view runs a SQL query that takes 6 s; SQL debug logging on",
    ),
    Scenario(
        "blocked_loop",
        "asgi_app:app",
        ("-w", "1", "-t", "1", "-k", "{uvicorn_worker}"),
        _blocked_loop,
        ("blocked_worker", "slow_request"),
        needs="uvicorn",
        note="an async view calls time.sleep(5) under the Uvicorn worker",
    ),
    Scenario(
        "crash_loop",
        "crashing_app:app",
        ("-w", "1", "-t", "5"),
        _crash_loop,
        ("crash_loop", "boot_failure"),
        note="every worker exits 0.3 s after it boots",
    ),
    Scenario(
        "healthy",
        "wsgi_app:app",
        ("-w", "1", "-t", "5", "--max-requests", "2", "--access-logfile", "-"),
        _healthy,
        (),
        note="max_requests recycling, a HUP reload, a SIGTERM shutdown",
    ),
)


def uvicorn_worker_class(python: str) -> str:
    """The Uvicorn worker class this environment has (uvicorn-worker needs Gunicorn 21+)."""
    probe = subprocess.run(
        [python, "-c", "import uvicorn_worker"], capture_output=True, check=False
    )
    return (
        "uvicorn_worker.UvicornWorker" if probe.returncode == 0 else "uvicorn.workers.UvicornWorker"
    )


def has_module(python: str, module: str) -> bool:
    probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False)
    return probe.returncode == 0


def run_scenario(
    scenario: Scenario, log_path: Path, python: str = sys.executable, apps_dir: Path = APPS
) -> str:
    """Run one scenario against the Gunicorn of `python`; return the captured log."""
    args = [a.replace("{uvicorn_worker}", uvicorn_worker_class(python)) for a in scenario.args]
    with running(python, scenario.app, args, log_path, apps_dir) as server:
        scenario.drive(server)
    return log_path.read_text(encoding="utf-8", errors="replace")

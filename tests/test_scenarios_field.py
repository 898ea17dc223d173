"""Real servers in the ways production breaks them: Gunicorn before 22.0, gevent, PostgreSQL.

Like tests/test_scenarios.py, each test runs real programs on 127.0.0.1, captures
what Gunicorn printed and checks the diagnoser names the cause; these need more
than the installed Gunicorn and sync worker: an older release in its own virtual
environment, the gevent worker, a PostgreSQL server started for the test.
Each test first checks that the log shows what the scenario claims, so a wrong
diagnosis is not mistaken for a scenario that did not happen.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.metadata
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import analyze_text, serious
from gunicorn_harness import Scenario, Server, free_port, has_module, run_scenario, running

pytestmark = pytest.mark.skipif(
    not has_module(sys.executable, "gunicorn"), reason="gunicorn is not installed"
)

TIMEOUT = 2  # Gunicorn's --timeout in every scenario here
SYNC_2S = ("-w", "1", "-t", str(TIMEOUT), "--graceful-timeout", "2", "--access-logfile", "-")
OLD_GUNICORN = "21.2.0"
IMPORT_SECONDS = 6  # tests/scenario_apps/slow_import_app.py sleeps this long at import


def diagnose(log: str, name: str) -> list[str]:
    """The serious causes of `log`, best first; every line must be read."""
    report = analyze_text(log, source=f"{name}.log")
    assert report.lines.read == len(log.splitlines())
    return serious(report)


def assert_top_cause(log: str, name: str, expected: str) -> None:
    causes = diagnose(log, name)
    assert causes, f"no finding for {name}:\n{log}"
    assert causes[0] == expected, f"top cause {causes[0]} for {name}, expected {expected}:\n{log}"


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


# -- 1. a worker that takes longer to import the app than --timeout -----------------


@pytest.fixture
def old_gunicorn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The python of a virtual environment with Gunicorn 21.2.0, made once and cached.

    As in sample_logs/regenerate.py, the release gets its own environment; it is
    kept in pytest's cache directory, so only the first run installs it.
    """
    cache: Any = getattr(request.config, "cache", None)
    base = (
        Path(cache.mkdir(f"gunicorn-{OLD_GUNICORN}"))
        if cache is not None
        else tmp_path_factory.mktemp(f"gunicorn-{OLD_GUNICORN}")
    )
    env = base / "venv"
    python = env / "bin" / "python"
    done = base / "installed"
    if done.is_file() and python.exists():
        return str(python)
    shutil.rmtree(env, ignore_errors=True)
    steps = (
        [sys.executable, "-m", "venv", str(env)],
        [
            str(python),
            *("-m", "pip", "install", "-q", "--disable-pip-version-check"),
            *("--retries", "1", "--timeout", "20", f"gunicorn=={OLD_GUNICORN}"),
        ],
    )
    for step in steps:
        try:
            subprocess.run(step, capture_output=True, text=True, check=True, timeout=300)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            output = getattr(exc, "stderr", None) or str(exc)
            pytest.skip(f"cannot install gunicorn {OLD_GUNICORN} (no network?): {output[-500:]}")
    done.write_text(OLD_GUNICORN + "\n", encoding="utf-8")
    return str(python)


def _boot_timeouts(server: Server) -> None:
    # Each worker is killed 2 s into its 6 s import and replaced; two rounds show the loop.
    server.wait_for(r"WORKER TIMEOUT", count=2, timeout=15)
    time.sleep(0.5)


BOOT_TIMEOUT = Scenario(
    "boot_timeout",
    "slow_import_app:app",
    SYNC_2S,
    _boot_timeouts,
    ("boot_timeout",),
    note=f"the app sleeps {IMPORT_SECONDS} s at import under --timeout 2, no --preload",
)


def test_boot_timeout_before_gunicorn_22(old_gunicorn: str, tmp_path: Path) -> None:
    """Gunicorn 21.2 times a worker out while it is still importing the app.

    Before 22.0 the heartbeat is the ctime of a temporary file that the master
    creates for each worker just before the fork (WorkerTmp), compared with
    `time.time()`: the clock runs from the fork, so a worker whose import takes
    longer than --timeout is aborted before it ever serves, and so is every
    replacement. A worker that booted, never handled a request and died at its
    first timeout is a boot timeout, not a slow request.
    """
    log = run_scenario(BOOT_TIMEOUT, tmp_path / "boot_timeout.log", python=old_gunicorn)
    assert f"Starting gunicorn {OLD_GUNICORN}" in log
    assert len(re.findall(r"WORKER TIMEOUT", log)) >= 2, log
    assert " HTTP/1.1" not in log, f"a worker served a request:\n{log}"
    assert_top_cause(log, "boot_timeout", "boot_timeout")


def test_gunicorn_22_and_later_never_time_out_a_booting_worker(tmp_path: Path) -> None:
    """From 22.0 Gunicorn does not time a worker out before its first heartbeat.

    22.0 ("use `utime` to notify workers liveness", commit 0dd6b635) changed the
    heartbeat: `WorkerTmp.notify()` sets the file's mtime to `time.monotonic()`,
    `last_update()` returns `st_mtime`, and the arbiter's `murder_workers()`
    checks `time.monotonic() - worker.tmp.last_update() <= timeout`. Until the
    worker's first `notify()` the file still has the wall-clock mtime it was
    created with in the master (Unix time, far larger than the monotonic clock),
    so the difference is negative and the worker is never timed out. The first
    `notify()` comes from the worker's run loop, after `init_process()` has
    imported the app (`load_wsgi()`): a worker is not timed out while it boots,
    however long the import takes. Still so in 27.0.1.

    So the same app under --timeout 2 boots one worker, which takes the full
    import to answer, and the log shows no WORKER TIMEOUT and no replacement.
    """
    version = importlib.metadata.version("gunicorn")
    if version_tuple(version) < (22, 0):
        pytest.skip(f"the installed Gunicorn {version} still times out booting workers")
    log_path = tmp_path / "boot_no_timeout.log"
    with running(sys.executable, BOOT_TIMEOUT.app, list(SYNC_2S), log_path) as server:
        server.wait_for(r"Booting worker with pid")
        started = time.monotonic()
        status = server.get("/", timeout=IMPORT_SECONDS + 10)
        waited = time.monotonic() - started
        time.sleep(0.5)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert f"Starting gunicorn {version}" in log
    assert status == 200, log
    # the worker answered only once its import was done, well past --timeout
    assert waited > max(TIMEOUT, IMPORT_SECONDS - 1), f"answered after {waited:.1f} s"
    assert "WORKER TIMEOUT" not in log, log
    assert len(re.findall(r"Booting worker with pid", log)) == 1, log
    assert diagnose(log, "boot_no_timeout") == [], log


# -- 2. a gevent worker whose request never yields to the hub -----------------------


def _blocked_gevent(server: Server) -> None:
    server.wait_ready()
    assert server.get("/ok") == 200
    server.get_in_background("/block?s=6")
    server.wait_for(r"WORKER TIMEOUT")
    server.wait_for(r"Booting worker with pid", count=2)
    time.sleep(0.5)


BLOCKED_GEVENT = Scenario(
    "blocked_gevent",
    "gevent_app:app",
    ("-w", "1", "-k", "gevent", *SYNC_2S[2:]),
    _blocked_gevent,
    ("blocked_worker",),
    needs="gevent",
    note="a gevent view sleeps 6 s in C (libc sleep), which monkey-patching cannot reach",
)


def test_blocked_gevent_worker(tmp_path: Path) -> None:
    """A WORKER TIMEOUT under the gevent worker means the hub was blocked.

    The gevent worker's heartbeat is its main greenlet (`while self.alive:
    self.notify(); gevent.sleep(1.0)`), so a request waiting on patched I/O, however
    slow, never stops it: only code that never yields to the hub does (a C call,
    an unpatched driver, CPU work). The abort's SystemExit is swallowed by
    `GeventWorker.handle_request`, so no traceback is logged.
    """
    if not has_module(sys.executable, "gevent"):
        pytest.skip("gevent is not installed")
    log = run_scenario(BLOCKED_GEVENT, tmp_path / "blocked_gevent.log")
    assert "Using worker: gevent" in log
    assert "WORKER TIMEOUT" in log, log
    assert_top_cause(log, "blocked_gevent", "blocked_worker")


# -- 3. a Django view stuck in a PostgreSQL query -----------------------------------


def _pg_binary(name: str) -> Path | None:
    """`name` from PATH, else from the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: version_tuple(Path(p).parent.parent.name),
    )
    return Path(candidates[-1]) if candidates else None


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    dbname: str
    log: Path


def _unprivileged() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as when we are root (initdb refuses root)."""
    for name in ("nobody", "postgres"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return entry.pw_uid, entry.pw_gid
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL on 127.0.0.1 and a free port, its socket in its own directory.

    Stopped with `pg_ctl stop -m immediate`, then by its postmaster's pid if that
    did not end it. As root it runs as an unprivileged user, since initdb
    refuses to run as root.
    """
    initdb = _pg_binary("initdb")
    pg_ctl = (initdb.parent / "pg_ctl") if initdb else None
    if pg_ctl is None or not pg_ctl.exists():
        pg_ctl = _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed (Debian: postgresql)")
    as_user: dict[str, Any] = {}
    owner = None
    if os.geteuid() == 0:
        owner = _unprivileged()
        if owner is None:
            pytest.skip("running as root and no unprivileged user to run PostgreSQL as")
        as_user = {"user": owner[0], "group": owner[1], "extra_groups": []}
    base = Path(tempfile.mkdtemp(prefix="diagnoser-pg-"))
    data, sockets, log = base / "data", base / "sockets", base / "postgres.log"
    sockets.mkdir()
    if owner is not None:
        for path in (base, sockets):
            os.chown(path, *owner)

    def pg(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            cwd=base,
            stdin=subprocess.DEVNULL,
            **as_user,
        )

    port = free_port()
    pid: int | None = None
    try:
        made = pg(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        assert made.returncode == 0, f"initdb failed:\n{made.stdout}{made.stderr}"
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {shlex.quote(str(sockets))} -c fsync=off"
        )
        started = pg(pg_ctl, "-D", data, "-l", log, "-w", "-t", "30", "-o", options, "start")
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((data / "postmaster.pid").read_text().split()[0])
        assert started.returncode == 0, (
            f"pg_ctl start failed:\n{started.stdout}{started.stderr}\n"
            + (log.read_text(errors="replace") if log.exists() else "")
        )
        yield Postgres("127.0.0.1", port, "postgres", "postgres", log)
    finally:
        if data.exists():
            with contextlib.suppress(subprocess.TimeoutExpired):
                pg(pg_ctl, "-D", data, "-m", "immediate", "-w", "-t", "10", "stop", timeout=20)
        if pid is not None and _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)


def _stuck_in_postgres(server: Server) -> None:
    server.wait_ready()
    # A first request sets Django up and connects, so the slow one starts after a heartbeat.
    assert server.get("/report/?s=0") == 200, server.text()
    server.get_in_background("/report/?s=6")
    server.wait_for(r"WORKER TIMEOUT")
    server.wait_for(r"Booting worker with pid", count=2)
    time.sleep(0.5)


PG_SLEEP = Scenario(
    "postgres_slow_query",
    "django_pg_app:application",
    SYNC_2S,
    _stuck_in_postgres,
    ("slow_query",),
    needs="psycopg",
    note="a Django view runs SELECT pg_sleep(6) on PostgreSQL under --timeout 2; SQL debug on",
)


def test_django_view_stuck_in_postgres(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync worker aborted while psycopg waits for PostgreSQL to answer `pg_sleep(6)`."""
    for module in ("django", "psycopg"):
        if not has_module(sys.executable, module):
            pytest.skip(f"{module} is not installed")
    monkeypatch.setenv("PGHOST", postgres.host)
    monkeypatch.setenv("PGPORT", str(postgres.port))
    monkeypatch.setenv("PGUSER", postgres.user)
    monkeypatch.setenv("PGDATABASE", postgres.dbname)
    log = run_scenario(PG_SLEEP, tmp_path / "postgres_slow_query.log")
    assert "WORKER TIMEOUT" in log, log
    assert re.search(r"^\(\d+\.\d+\) SELECT pg_sleep\(", log, re.M), log
    assert_top_cause(log, "postgres_slow_query", "slow_query")

"""Many inputs: merged by time per instance, time windows, directories and globs, and
the same report from one process, several, and a Dask cluster.

The logs are the bundled samples, which real Gunicorn servers wrote
(`sample_logs/regenerate.py`), cut into pieces the way rotation and hourly
exports cut a log; the Render lines are the runbook's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from diagnoser.parallel import dask_available

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
SLOW_REQUEST = SAMPLES / "gunicorn-23.0.0" / "slow_request.log"
RENDER = SAMPLES / "render-runbook-incident.log"


def diagnose(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diagnoser", "analyze", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        check=False,
    )


def report(*args: str, cwd: Path = ROOT) -> dict[str, Any]:
    result = diagnose(*args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def rules_of(found: dict[str, Any]) -> list[tuple[str, int]]:
    return [(f["rule"], f["occurrences"]) for f in found["findings"]]


def split(source: Path, at: int, first: Path, second: Path) -> None:
    """Lines before `at` (1-based) to `first`, the rest to `second`, bytes as they are."""
    lines = source.read_bytes().splitlines(keepends=True)
    first.write_bytes(b"".join(lines[: at - 1]))
    second.write_bytes(b"".join(lines[at - 1 :]))


# -- one timeline across files -------------------------------------------------------------


def test_an_incident_split_across_rotated_files_named_newest_first(tmp_path: Path) -> None:
    whole = report(str(SLOW_REQUEST))
    assert rules_of(whole) == [("timeout-kill", 1)]
    # the WORKER TIMEOUT (line 5) in the older file, its traceback and exit in the newer
    older, newer = tmp_path / "error.log.1", tmp_path / "error.log"
    split(SLOW_REQUEST, 6, older, newer)
    found = report(str(newer), str(older))  # as `ls -t` or a careless glob names them
    assert rules_of(found) == rules_of(whole)
    assert found["inputs"] == [str(newer), str(older)]  # listed as given
    assert [(w["pid"], w["state"]) for w in found["workers"]] == [
        (w["pid"], w["state"]) for w in whole["workers"]
    ]
    # evidence names the file and the line in it
    evidence = found["findings"][0]["evidence"]
    where = {(item["path"], item["line"]) for item in evidence}
    assert (str(older), 5) in where
    assert (str(newer), 1) in where  # line 6 of the whole log is line 1 of the newer file


def test_the_same_split_read_in_the_order_given_would_miss_it(tmp_path: Path) -> None:
    # the negative: two logs by their names are two timelines, so the halves of one
    # incident are not joined; this is what the time merge above prevents
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    split(SLOW_REQUEST, 6, second, first)
    found = report(str(first), str(second))
    assert rules_of(found) != [("timeout-kill", 1)]


def test_render_lines_split_across_hourly_exports(tmp_path: Path) -> None:
    whole = report(str(RENDER))
    assert whole["findings"], whole
    early = tmp_path / "web.2025-07-30T14.log"
    late = tmp_path / "web.2025-07-30T15.log"
    split(RENDER, 2, early, late)
    found = report(str(late), str(early))
    assert rules_of(found) == rules_of(whole)
    assert found["findings"][0]["rule"] == whole["findings"][0]["rule"]


def test_lines_without_a_time_stay_after_their_stamped_line(tmp_path: Path) -> None:
    # the traceback (no stamps) of the newer file keeps its place after line 6
    older, newer = tmp_path / "error.log.1", tmp_path / "error.log"
    split(SLOW_REQUEST, 7, older, newer)
    found = report(str(newer), str(older))
    whole = report(str(SLOW_REQUEST))
    assert rules_of(found) == rules_of(whole)
    assert found["lines"]["traceback"] == whole["lines"]["traceback"] > 0


# -- time windows ----------------------------------------------------------------------------


def _stamps(path: Path) -> list[float | None]:
    out: list[float | None] = []
    for line in path.read_text().splitlines():
        if line.startswith("[") and line[26:27] == "]":
            out.append(datetime.strptime(line[1:26], "%Y-%m-%d %H:%M:%S %z").timestamp())
        else:
            out.append(None)
    return out


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2026-11-28T12:42:43Z", None),
        (None, "2026-11-28T12:42:42Z"),
        ("2026-11-28T12:42:43+00:00", "2026-11-28T12:42:43Z"),
    ],
)
def test_a_time_window_counts_the_lines_it_leaves_out(since: str | None, until: str | None) -> None:
    args = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    found = report(*args, str(SLOW_REQUEST))
    lo = datetime.fromisoformat(since).timestamp() if since else None
    hi = datetime.fromisoformat(until).timestamp() if until else None
    # expected by hand: a line without a time goes with the stamped line before it
    outside = 0
    last: float | None = None
    for ts in _stamps(SLOW_REQUEST):
        last = ts if ts is not None else last
        assert last is not None
        if (lo is not None and last < lo) or (hi is not None and last > hi):
            outside += 1
    total = len(_stamps(SLOW_REQUEST))
    assert 0 < outside < total
    assert found["window"]["outside"] == outside
    assert found["sources"][0]["outside"] == outside
    assert found["lines"]["read"] == total - outside
    assert found["window"].get("since") == (since.replace("+00:00", "Z") if since else None)


def test_a_window_the_log_does_not_reach_says_so() -> None:
    result = diagnose("--since", "2h", str(SLOW_REQUEST))
    assert result.returncode == 2, result.stderr
    found = json.loads(result.stdout)
    assert found["sources"][0]["status"] == "outside"
    assert found["lines"]["read"] == 0
    assert found["window"]["outside"] == len(_stamps(SLOW_REQUEST))
    assert "none of its 26 lines falls in the time window" in result.stderr


@pytest.mark.parametrize("bad", ["yesterday", "2025-13-40", "5x"])
def test_a_window_that_is_not_a_time_is_a_one_line_error(bad: str) -> None:
    result = diagnose("--since", bad, str(SLOW_REQUEST))
    assert result.returncode == 2
    assert result.stderr.startswith("diagnoser: error: ")
    assert result.stderr.count("\n") == 1


# -- directories and globs -------------------------------------------------------------------


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    split(SLOW_REQUEST, 6, logs / "error.log.1", logs / "error.log")
    (logs / ".error.log.swp").write_bytes(b"\x00binary")
    (logs / "older").mkdir()
    shutil.copy(SAMPLES / "gunicorn-23.0.0" / "oom_kill.log", logs / "older" / "oom.log")
    return tmp_path


def test_a_directory_is_the_files_in_it(log_dir: Path) -> None:
    found = report("logs", cwd=log_dir)
    assert found["inputs"] == ["logs/error.log", "logs/error.log.1"]  # hidden, subdir left
    assert rules_of(found) == [("timeout-kill", 1)]


def test_a_quoted_glob_is_expanded(log_dir: Path) -> None:
    found = report("logs/error.log*", cwd=log_dir)
    assert found["inputs"] == ["logs/error.log", "logs/error.log.1"]
    deep = report("logs/**/*.log", cwd=log_dir)
    assert deep["inputs"] == ["logs/error.log", "logs/older/oom.log"]
    assert {f["rule"] for f in deep["findings"]} >= {"oom-kill"}


def test_a_glob_matching_nothing_is_a_one_line_error(log_dir: Path) -> None:
    result = diagnose("logs/*.gz", cwd=log_dir)
    assert result.returncode == 2
    assert result.stderr == "diagnoser: error: logs/*.gz: no file matches this pattern\n"


# -- one process, several, a cluster ---------------------------------------------------------


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Three logs by name, one of them in two rotated files, and a Render log."""
    base = tmp_path_factory.mktemp("many")
    paths: list[str] = []
    for name in ("slow_request", "slow_query", "oom_kill"):
        folder = base / name
        folder.mkdir()
        source = SAMPLES / "gunicorn-23.0.0" / f"{name}.log"
        if name == "slow_request":
            split(source, 6, folder / "error.log.1", folder / "error.log")
            paths += [str(folder / "error.log"), str(folder / "error.log.1")]
        else:
            shutil.copy(source, folder / "error.log")
            paths.append(str(folder / "error.log"))
    shutil.copy(RENDER, base / "render.log")
    paths.append(str(base / "render.log"))
    return paths


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    # the report has no timing fields: the whole of it must be equal
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_jobs_give_the_same_report(many: list[str]) -> None:
    one = report("--jobs", "1", *many)
    two = report("--jobs", "2", *many)
    assert len(one["findings"]) >= 3
    _same(one, two)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    if not dask_available():
        pytest.skip("the dask extra is not installed: pip install -e '.[dask]'")
    from distributed import LocalCluster

    local = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    try:
        yield str(local.scheduler_address)
    finally:
        local.close()


def test_a_dask_cluster_gives_the_same_report(many: list[str], cluster: str) -> None:
    assert cluster.startswith("tcp://127.0.0.1:")
    one = report("--jobs", "1", *many)
    _same(one, report("--dask", cluster, *many))


def test_dask_local_gives_the_same_report(many: list[str]) -> None:
    if not dask_available():
        pytest.skip("the dask extra is not installed: pip install -e '.[dask]'")
    _same(report("--jobs", "1", *many), report("--dask", "local", "--jobs", "2", *many))


def test_an_unreachable_scheduler_is_a_one_line_error(many: list[str]) -> None:
    if not dask_available():
        pytest.skip("the dask extra is not installed: pip install -e '.[dask]'")
    result = diagnose("--dask", "tcp://127.0.0.1:9", *many)
    assert result.returncode == 2
    assert result.stderr.startswith("diagnoser: error: cannot reach the Dask scheduler")
    assert result.stderr.count("\n") == 1


def test_one_failing_input_of_many_with_jobs(many: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.log")
    result = diagnose("--jobs", "2", *many, missing)
    assert result.returncode == 3, result.stderr
    found = json.loads(result.stdout)
    status = {s["name"]: s["status"] for s in found["sources"]}
    assert status[missing] == "failed"
    assert all(status[p] == "read" for p in many)
    assert os.path.basename(missing) in result.stderr


def test_lines_without_any_time_are_read_whatever_the_window(tmp_path: Path) -> None:
    # the negative of the window: an input with no timestamp at all cannot be placed
    # outside it, so it is read, not counted as outside
    bare = tmp_path / "stderr.log"
    bare.write_text(
        "Traceback (most recent call last):\n"
        '  File "/app/views.py", line 3, in index\n'
        "ModuleNotFoundError: No module named 'psycopg2'\n"
    )
    found = report("--since", "2026-11-28T12:42:43Z", str(bare), str(SLOW_REQUEST))
    status = {s["name"]: (s["status"], s["outside"]) for s in found["sources"]}
    assert status[str(bare)] == ("read", 0)
    assert found["lines"]["read"] == 3 + 22


@pytest.mark.parametrize(
    ("fmt", "lang", "expected"),
    [
        ("text", "en", "Time window: from the start to 2026-11-28T12:42:42Z; 22 lines outside"),
        ("markdown", "en", "Time window: from the start to 2026-11-28T12:42:42Z; 22 lines"),
        ("markdown", "pt-BR", "Janela de tempo: desde o início até 2026-11-28T12:42:42Z; 22"),
    ],
)
def test_text_and_markdown_state_the_window(fmt: str, lang: str, expected: str) -> None:
    window = ["--width", "200", "--until", "2026-11-28T12:42:42Z", str(SLOW_REQUEST)]
    result = subprocess.run(
        [sys.executable, "-m", "diagnoser", "analyze", "--format", fmt, "--lang", lang, *window],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert expected in result.stdout, result.stdout


def _session_members(sid: int) -> list[int]:
    """Processes still alive in session `sid` (the child started with a new session)."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != b"Z":
            found.append(int(entry))
    return found


@pytest.mark.parametrize("delay", [0.15, 0.4, 1.5])
def test_ctrl_c_with_jobs_is_one_line_and_leaves_no_process(tmp_path: Path, delay: float) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    paths = []
    for name in ("a", "b", "c"):
        path = tmp_path / name / "error.log"
        path.parent.mkdir()
        bench.generate(path, 150_000, seed=ord(name))
        paths.append(str(path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnoser", "analyze", "--jobs", "2", *paths],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,  # its own process group: Ctrl-C goes to all of it
    )
    time.sleep(delay)  # during the imports, or while the workers read
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == "diagnoser: interrupted\n"
    deadline = time.monotonic() + 5
    while _session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _session_members(proc.pid) == []


def test_compressed_files_go_to_the_workers_too(many: list[str], tmp_path: Path) -> None:
    import gzip

    from diagnoser.parallel import shippable

    packed = []
    for index, path in enumerate(many):
        target = tmp_path / str(index) / Path(path).name
        target.parent.mkdir()
        target = target.with_name(target.name + ".gz")
        target.write_bytes(gzip.compress(Path(path).read_bytes()))
        packed.append(str(target))
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    assert shippable(packed) and not shippable([str(fifo)]) and not shippable(["-"])
    one, two = report("--jobs", "1", *packed), report("--jobs", "2", *packed)
    assert {s["compression"] for s in one["sources"]} == {"gzip"}
    _same(one, two)

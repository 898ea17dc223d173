"""The benchmark's log generator: deterministic, the right mix, and diagnosable."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINES = 20_000
PREFIX = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ")
ANALYZE = [sys.executable, "-m", "diagnoser", "analyze", "--format", "json", "--fail-on", "never"]
TIMEOUT_CAUSES = {"slow_query", "slow_upstream", "slow_request"}


def _load_bench() -> ModuleType:
    # benchmarks/ is not a package; load the script by path.
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def day_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("bench") / "day.log"
    generated = bench.generate(path, LINES, 1)
    assert generated.lines == LINES
    return path


def test_generator_is_deterministic(day_log: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.log"
    bench.generate(again, LINES, 1)
    assert again.read_bytes() == day_log.read_bytes()
    other = tmp_path / "other.log"
    bench.generate(other, LINES, 2)
    assert other.read_bytes() != day_log.read_bytes()


def test_exact_line_count_and_render_prefix(day_log: Path) -> None:
    data = day_log.read_bytes()
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    assert len(lines) == LINES
    assert all(PREFIX.match(line) for line in lines)
    stamps = [line[:19] for line in lines]
    assert stamps == sorted(stamps), "timestamps go backwards"
    assert stamps[0].startswith(b"2025-07-30 00:") and stamps[-1].startswith(b"2025-07-30 23:")


def test_mix_proportions(day_log: Path) -> None:
    kinds = Counter(bench.classify(line[21:]) for line in day_log.read_text().splitlines())
    share = {kind: 100 * n / LINES for kind, n in kinds.items()}
    assert share["render"] == pytest.approx(45, abs=3)
    assert share["access"] == pytest.approx(35, abs=3)
    assert share["sql"] == pytest.approx(17, abs=3)
    assert share["rest"] == pytest.approx(3, abs=2)


def test_incidents_use_gunicorn_23_templates(day_log: Path) -> None:
    text = day_log.read_text()
    timeouts = re.findall(r"\[85\] \[CRITICAL\] WORKER TIMEOUT \(pid:(\d+)\)", text)
    assert len(timeouts) >= 3
    assert "  SystemExit: 1\n" in text
    assert "in handle_abort\n" in text
    assert re.search(r"\[\d+\] \[INFO\] Worker exiting \(pid: \d+\)", text)
    assert re.search(r"\[85\] \[INFO\] Starting gunicorn 23\.0\.0", text)


def test_analyze_finds_the_timeouts(day_log: Path) -> None:
    result = subprocess.run(
        [*ANALYZE, str(day_log)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    report = json.loads(result.stdout)
    assert report["lines"]["read"] == LINES
    timeout_findings = [
        f for f in report["findings"] if "timeout" in f["rule"] or f.get("cause") in TIMEOUT_CAUSES
    ]
    assert timeout_findings, [f["rule"] for f in report["findings"]]

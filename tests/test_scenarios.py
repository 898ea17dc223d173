"""Real Gunicorn as the oracle: make it misbehave, then diagnose what it logged.

Each scenario starts the Gunicorn installed in the test environment on
127.0.0.1, drives it (slow requests, kills, bad imports...), captures its
output, and checks the diagnoser names the scenario's cause.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import analyze_text, serious
from gunicorn_harness import SCENARIOS, Scenario, has_module, run_scenario

pytestmark = pytest.mark.skipif(
    not has_module(sys.executable, "gunicorn"), reason="gunicorn is not installed"
)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_cause(scenario: Scenario, tmp_path: Path) -> None:
    if scenario.needs and not has_module(sys.executable, scenario.needs):
        pytest.skip(f"{scenario.needs} is not installed")
    log = run_scenario(scenario, tmp_path / f"{scenario.name}.log")
    report = analyze_text(log, source=f"{scenario.name}.log")
    causes = serious(report)
    assert report.lines.read == len(log.splitlines())
    if not scenario.expected:
        assert causes == [], f"healthy run gave {causes}:\n{log}"
        return
    assert causes, f"no finding for {scenario.name}:\n{log}"
    assert causes[0] in scenario.expected, f"top cause {causes[0]} for {scenario.name}:\n{log}"


def test_slow_request_names_the_app_frame(tmp_path: Path) -> None:
    scenario = next(s for s in SCENARIOS if s.name == "slow_request")
    log = run_scenario(scenario, tmp_path / "slow.log")
    report = analyze_text(log)
    finding = report.findings[0]
    assert finding.cause.value == "slow_request"
    frames = [e.text for e in finding.evidence if 'File "' in e.text]
    assert frames, f"no frame in the evidence:\n{log}"
    assert "wsgi_app.py" in frames[0] and "in slow_view" in frames[0]
    worker = next(w for w in report.workers if w.abort_frame)
    assert worker.abort_frame.endswith("wsgi_app.py:20 in slow_view")
    assert "wsgi_app.py:20 in slow_view" in finding.explanation

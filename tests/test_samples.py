"""Every bundled sample log is diagnosed as its sidecar says.

The samples were captured from real Gunicorn 20.1, 21.2, 23.0 and the latest
release (sample_logs/regenerate.py), so the versions CI doesn't install are
still covered.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, accounted, analyze_text, serious

SIDECARS = sorted((ROOT / "sample_logs").glob("gunicorn-*/*.toml"))


def test_samples_cover_four_versions() -> None:
    versions = {path.parent.name for path in SIDECARS}
    assert {"gunicorn-20.1.0", "gunicorn-21.2.0", "gunicorn-23.0.0", "gunicorn-27.0.1"} <= versions


@pytest.mark.parametrize("sidecar", SIDECARS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sample_is_diagnosed_as_its_sidecar_says(sidecar: Path) -> None:
    meta = tomllib.loads(sidecar.read_text(encoding="utf-8"))
    log = sidecar.with_suffix(".log").read_text(encoding="utf-8")
    assert f"Starting gunicorn {meta['gunicorn']}" in log
    report = analyze_text(log, source=sidecar.with_suffix(".log").name)
    causes = serious(report)
    expected = meta["expected_causes"]
    if not expected:
        assert causes == [], f"healthy sample gave {causes}"
    else:
        assert causes and causes[0] in expected, (
            f"top cause {causes[:1]}, expected one of {expected}"
        )
    lines = report.lines
    assert accounted(lines)


def test_render_text_sample_gives_the_runbook_diagnosis() -> None:
    text = (ROOT / "sample_logs" / "render-runbook-incident.log").read_text(encoding="utf-8")
    report = analyze_text(text)
    assert serious(report) == ["slow_request"]
    assert [w.pid for w in report.findings[0].workers] == [96]
    assert len(report.findings[0].evidence) == 3

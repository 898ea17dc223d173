"""The JSON report of every bundled sample is the one kept in tests/golden/.

A change to any stage that alters a finding, a count or an evidence line shows
here; regenerate with `python tests/golden/regenerate.py` only when the change
of diagnosis is intended.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from regenerate import golden_path, report_json, sample_logs

LOGS = sample_logs()


def test_every_sample_has_a_golden_report() -> None:
    assert LOGS
    missing = [str(log) for log in LOGS if not golden_path(log).is_file()]
    assert not missing, f"no golden report for {missing}"


@pytest.mark.parametrize("log", LOGS, ids=str)
def test_report_matches_golden(log: Path) -> None:
    expected = json.loads(golden_path(log).read_text(encoding="utf-8"))
    actual = json.loads(report_json(log))
    assert actual == expected

"""Write the JSON report of every bundled sample log to tests/golden/.

The golden reports pin what the pipeline says about each sample, so a rebuild
of any stage shows every changed finding, count or evidence line. Regenerate
only when a change of diagnosis is intended, and say why in the commit:

    python tests/golden/regenerate.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent


def sample_logs() -> list[Path]:
    """Every bundled sample log, relative to the project root."""
    return sorted(p.relative_to(ROOT) for p in (ROOT / "sample_logs").rglob("*.log"))


def golden_path(log: Path) -> Path:
    name = str(log.relative_to("sample_logs")).replace(os.sep, "__")
    return GOLDEN / (name.removesuffix(".log") + ".json")


def report_json(log: Path) -> str:
    """The JSON report of one sample, as `diagnoser analyze --format json` builds it."""
    from diagnoser.analysis import analyze_paths

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        report = analyze_paths([str(log)])
    finally:
        os.chdir(cwd)
    return json.dumps(report.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    for log in sample_logs():
        golden_path(log).write_text(report_json(log), encoding="utf-8")
        print(golden_path(log).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

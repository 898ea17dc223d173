"""Real logs that people posted, with the cause their thread established.

The diagnoser's top finding must be the labelled cause (or one of its secondary
causes) for at least 80% of the labelled cases, and the healthy cases must get
nothing above info. The score table is printed (run pytest with -s to see it).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import analyze_text

THRESHOLD = 0.80


def diagnose(case: Path) -> tuple[dict[str, object], str | None, list[str]]:
    label = tomllib.loads(case.with_suffix(".toml").read_text(encoding="utf-8"))
    report = analyze_text(case.read_text(encoding="utf-8", errors="replace"), source=case.name)
    top = report.findings[0].cause.value if report.findings else None
    serious = [f.cause.value for f in report.findings if f.severity.value != "info"]
    return label, top, serious


def test_corpus_score(shared: Path) -> None:
    cases = sorted((shared / "corpus" / "real").glob("*.log"))
    assert cases
    hits = labelled = 0
    healthy_failures: list[str] = []
    rows: list[str] = []
    for case in cases:
        label, top, serious = diagnose(case)
        cause = str(label["cause"])
        accepted = {cause, *label.get("secondary_causes", [])}  # type: ignore[misc]
        if cause == "healthy":
            ok = not serious
            if not ok:
                healthy_failures.append(f"{case.stem}: {serious}")
        else:
            labelled += 1
            ok = top in accepted
            hits += ok
        rows.append(f"{case.stem}  {'ok ' if ok else 'MISS'}  label={cause:<17} top={top}")
    score = hits / labelled
    print("\n" + "\n".join(rows))
    print(f"corpus score: {hits}/{labelled} = {score:.0%} (threshold {THRESHOLD:.0%})")
    assert not healthy_failures, f"healthy cases with findings above info: {healthy_failures}"
    assert score >= THRESHOLD

"""Every command the README shows is run by the tests or by CI."""

from __future__ import annotations

import re

from conftest import ROOT, analyze_text


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)\n```", text, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = readme_commands()[:2]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == quick_start[1]
    assert "pytest" in quick_start[1]


def test_readme_main_command_names_a_bundled_sample() -> None:
    main = readme_commands()[0]
    sample = re.search(r"(sample_logs/\S+)", main)
    assert sample is not None
    path = ROOT / sample.group(1)
    assert path.is_file()
    report = analyze_text(path.read_text(encoding="utf-8"))
    assert report.findings and report.findings[0].cause.value == "slow_request"

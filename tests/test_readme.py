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
    assert quick_start[1] in ci
    # lint and type checks run after the tests, on the same environment
    after = ci[ci.index(quick_start[1]) + 1 :]
    assert all(line.startswith(".venv/bin/") for line in after)
    assert "pytest" in quick_start[1]


def test_readme_main_command_names_a_bundled_sample() -> None:
    main = readme_commands()[0]
    sample = re.search(r"(sample_logs/\S+)", main)
    assert sample is not None
    path = ROOT / sample.group(1)
    assert path.is_file()
    report = analyze_text(path.read_text(encoding="utf-8"))
    assert report.findings and report.findings[0].cause.value == "slow_request"


def test_every_usage_command_in_the_readme_runs() -> None:
    import shlex

    from typer.testing import CliRunner

    from diagnoser.cli.app import app

    usage = readme_commands()[2]
    commands = [line for line in usage.splitlines() if line.startswith("diagnoser ")]
    assert len(commands) >= 8
    runner = CliRunner()
    import os

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        for command in commands:
            result = runner.invoke(app, shlex.split(command)[1:])
            assert result.exit_code in (0, 1), (
                f"{command}: exit {result.exit_code}\n{result.output}"
            )
            assert result.stdout.strip(), command
    finally:
        os.chdir(here)

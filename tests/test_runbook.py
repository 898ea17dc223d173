"""The runbook's incident: the first thing the product must get right."""

from __future__ import annotations

import re

from conftest import RUNBOOK_LINES, accounted, analyze_text, serious


def test_runbook_lines_are_a_timeout_kill_not_an_oom() -> None:
    report = analyze_text(RUNBOOK_LINES)
    warnings = [f for f in report.findings if f.severity.value != "info"]
    assert len(warnings) == 1
    finding = warnings[0]
    assert finding.cause.value == "slow_request"
    assert [(w.pid) for w in finding.workers] == [96]
    assert [e.line for e in finding.evidence] == [1, 2, 3]
    assert [e.text for e in finding.evidence] == RUNBOOK_LINES.splitlines()
    # The report says plainly why the SIGKILL is not an out-of-memory kill.
    assert re.search(r"not an out-of-memory kill", finding.explanation)
    assert "Perhaps out of memory?" in finding.explanation
    # Three lines give no duration to size a timeout on: no number is made up.
    assert finding.fix is not None and finding.fix.status == "no_value"
    assert finding.fix.snippet == "" and "above the 30 s in force" in finding.fix.note


def test_same_lines_without_the_timeout_are_an_oom_kill() -> None:
    lines = RUNBOOK_LINES.splitlines()[1:]
    report = analyze_text("\n".join(lines))
    assert serious(report) == ["oom_kill"]
    finding = report.findings[0]
    assert [w.pid for w in finding.workers] == [96]
    assert finding.evidence[-1].text == lines[-1]
    # No memory figures, so no worker count to propose (and never more workers).
    assert finding.fix is not None and finding.fix.status == "no_value"
    assert "no memory figures" in finding.fix.note


def test_runbook_lines_in_the_seed_match_the_tests(shared) -> None:  # type: ignore[no-untyped-def]
    seed = (shared / "seed" / "worker-timeout-runbook.pt-BR.md").read_text(encoding="utf-8")
    for line in RUNBOOK_LINES.splitlines():
        assert line in seed
    block = seed.split("```", 2)[1].strip().splitlines()[0:]
    report = analyze_text("\n".join(block))
    assert serious(report) == ["slow_request"]


def test_every_line_is_accounted_for() -> None:
    text = RUNBOOK_LINES + "\nsome app print\n[2025-07-30 11:10:11 -0300] [96] [INFO] app says hi\n"
    report = analyze_text(text)
    lines = report.lines
    assert lines.read == 6
    assert lines.recognized == 3 and lines.blank == 1 and lines.unrecognized == 1 and lines.app == 1
    assert accounted(lines)


def test_every_fix_cites_a_known_runbook_section() -> None:
    from diagnoser.rules import load_rules
    from diagnoser.runbook import runbook_section

    _, fixes = load_rules()
    for fix in fixes.values():
        if not fix.runbook_section:
            continue
        english = runbook_section(fix.runbook_section, "en")
        # pt-BR gives back the runbook's own words; English keeps the number and file
        assert runbook_section(fix.runbook_section, "pt-BR") == fix.runbook_section, fix.id
        assert english != fix.runbook_section, fix.id
        assert english.split(".")[0] == fix.runbook_section.split(".")[0], fix.id
        for portuguese in ("Configuração", "Otimiza", "causa"):
            assert portuguese not in english, (fix.id, english)
    assert (
        runbook_section(fixes["gunicorn-workers"].runbook_section, "en")
        == "1. Optimized Gunicorn configuration (gunicorn.conf.py); cause 4"
    )
    assert runbook_section("9. Something else", "en") == "9. Something else"


def test_runbook_section_titles_are_the_seeds(shared) -> None:  # type: ignore[no-untyped-def]
    from diagnoser.runbook import SECTIONS, runbook_section

    seed = (shared / "seed" / "worker-timeout-runbook.pt-BR.md").read_text(encoding="utf-8")
    titles = dict(re.findall(r"^### (\d+)\. \*\*(.+?)\*\*$", seed, re.MULTILINE))
    for number in SECTIONS:
        section = f"{number}. {titles[str(number)]}"
        assert runbook_section(section, "pt-BR") == section


def test_english_report_cites_the_runbook_in_english() -> None:
    report = analyze_text(RUNBOOK_LINES)
    assert report.findings[0].fix is not None
    assert report.findings[0].fix.runbook_section == (
        "1. Optimized Gunicorn configuration (gunicorn.conf.py)"
    )

"""The rule docs are generated from the rule files, and every runbook fix is recommended."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnoser.findings import render
from diagnoser.ruledocs import (
    DOCS,
    NO_RULE,
    REGENERATE,
    fix_uses,
    generated_docs,
    main,
    rule_page,
    runbook_fixes_page,
    stale_docs,
)
from diagnoser.rules import Fix, RuleError, load_rules

RULES, FIXES = load_rules()
BY_ID = {rule.id: rule for rule in RULES}

# What the runbook (worker-timeout-runbook.pt-BR.md) changed, one mark per fix:
# the catalogue must hold a fix whose snippet carries each, once its placeholders
# take their defaults; values the log must give stay placeholders (`workers = `).
RUNBOOK_MARKS = [
    "timeout = ",
    "workers = ",
    'worker_class = "sync"',
    "max_requests = 1000",
    "max_requests_jitter = 100",
    "preload_app = True",
    'worker_tmp_dir = "/dev/shm"',
    "worker_abort",
    "--config gunicorn.conf.py",
    "CONN_MAX_AGE",
    "connect_timeout",
    "statement_timeout",
    "ATOMIC_REQUESTS",
    "AUTOCOMMIT",
    "LocMemCache",
    "SESSION_ENGINE",
    "django.db.backends",
    "WhiteNoiseMiddleware",
    "check --deploy",
    "logging.basicConfig",
]


def test_generated_docs_are_up_to_date() -> None:
    stale = stale_docs(DOCS, generated_docs(RULES, FIXES))
    names = ", ".join(str(path.relative_to(DOCS.parent)) for path in stale)
    assert not stale, f"stale rule docs: {names}; regenerate them with `{REGENERATE}`"


def test_every_fix_is_recommended_by_a_rule() -> None:
    # A rule recommends a fix as its main `fix` or among its further fixes (`also`).
    unnamed = [use.fix.id for use in fix_uses(RULES, FIXES) if not use.rules and not use.also]
    assert not unnamed, f"fixes in rules/fixes.toml that no rule recommends: {unnamed}"


def test_every_fix_of_the_catalogue_is_in_the_table() -> None:
    assert [use.fix.id for use in fix_uses(RULES, FIXES)] == list(FIXES)


@pytest.mark.parametrize("field", ["fix", "also"])
def test_a_rule_naming_an_unknown_fix_is_an_error(field: str) -> None:
    value: str | list[str] = "no-such-fix" if field == "fix" else ["no-such-fix"]
    rule = BY_ID["timeout-sigkill"].model_copy(update={field: value})
    with pytest.raises(RuleError, match="no-such-fix"):
        fix_uses([*RULES, rule], FIXES)


def test_a_fix_no_rule_names_shows_a_dash() -> None:
    orphan = Fix(
        id="orphan", title="Nobody asks for this", file="x.py", snippet="x = 1", runbook_section="9"
    )
    uses = fix_uses(RULES, {**FIXES, "orphan": orphan})
    assert uses[-1].rules == () and uses[-1].also == ()
    row = next(line for line in runbook_fixes_page(uses).splitlines() if "`orphan`" in line)
    assert row.endswith(f"| {NO_RULE} | {NO_RULE} |")


@pytest.mark.parametrize("mark", RUNBOOK_MARKS)
def test_the_catalogue_covers_the_runbook(mark: str) -> None:
    holders = [fix.id for fix in FIXES.values() if mark in render(fix.snippet, {})]
    assert holders, f"no fix in rules/fixes.toml has {mark!r} in its snippet"


def test_rule_page_has_ruffs_sections() -> None:
    page = rule_page(BY_ID["timeout-sigkill"], RULES, FIXES)
    headings = [line for line in page.splitlines() if line.startswith("#")]
    assert headings == [
        "# timeout-sigkill: Gunicorn killed worker {pids} for running past its timeout; "
        "the SIGKILL was not out of memory",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Fix",
    ]
    assert "> Gunicorn killed worker 96 for running past its timeout" in page
    assert "timeout = {suggested_timeout}" in page


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_page_shows_its_example_firing(rule: object) -> None:
    page = rule_page(rule, RULES, FIXES)  # type: ignore[arg-type]
    assert "It reports (" in page


def test_check_names_stale_files_and_write_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "removed-rule.md").write_text("old\n", encoding="utf-8")
    assert main(["--check", "--docs", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "removed-rule.md" in err and "README.md" in err and REGENERATE in err
    assert main(["--docs", str(tmp_path)]) == 0
    assert not (tmp_path / "rules" / "removed-rule.md").exists()
    assert (tmp_path / "runbook-fixes.md").is_file()
    assert main(["--check", "--docs", str(tmp_path)]) == 0

"""Fixes that fit the deployment: (real sample log, configuration) pairs.

Each case runs a bundled log (real Gunicorn output, or the runbook's Render
lines) with the configuration files written for it, then checks the settings
in force with their sources and every fix the report proposes: no value moves
the wrong way from what is in force, nothing repeats what the configuration
already does, and where the log gives no value, none is printed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT

from diagnoser.analysis import analyze_paths
from diagnoser.report.model import FixOut, Report

SAMPLES = ROOT / "sample_logs"


@dataclass
class Case:
    name: str
    log: str
    files: dict[str, str]
    settings: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (value, source)
    fixes: dict[str, str] = field(default_factory=dict)  # fix id: "in_force" | "no_value" | regex


CASES = [
    Case(
        "render.yaml -t 180: the timeout fix never proposes less",
        "render-runbook-incident.log",
        {
            "render.yaml": "services:\n  - type: web\n    name: api\n    startCommand: gunicorn app.wsgi -t 180\n"
        },
        {"timeout": ("180", "render.yaml: api startCommand")},
        {"gunicorn-timeout": "no_value"},
    ),
    Case(
        "30 in force and kills: never timeout = 30",
        "gunicorn-23.0.0/slow_request.log",
        {"gunicorn.conf.py": "timeout = 30\nworkers = 1\n"},
        {"workers": ("1", "gunicorn.conf.py:2")},
        {"gunicorn-timeout": "no_value"},
    ),
    Case(
        "an OOM kill with one worker: never more workers",
        "gunicorn-23.0.0/oom_kill.log",
        {"gunicorn.conf.py": "workers = 1\n"},
        {"workers": ("1", "gunicorn.conf.py:1")},
        {"gunicorn-workers": "no_value", "max-requests": r"^max_requests = 1000\n"},
    ),
    Case(
        "a slow upstream under sync: threads, not sync",
        "gunicorn-23.0.0/slow_upstream.log",
        {"gunicorn.conf.py": 'worker_class = "sync"\n'},
        {"worker_class": ("sync", "log line 3")},
        {"gunicorn-threads": r'^worker_class = "gthread"\nthreads = 4 '},
    ),
    Case(
        "the Procfile says gthread but the log says sync ran: what ran wins",
        "gunicorn-23.0.0/slow_upstream.log",
        {"Procfile": "web: gunicorn app:app -k gthread --threads 8\n"},
        {"threads": ("8", "Procfile:1 web"), "worker_class": ("sync", "log line 3")},
        {"gunicorn-threads": r'^worker_class = "gthread"'},
    ),
    Case(
        "startCommand already passes --config: no start-command fix",
        "render-runbook-incident.log",
        {
            "render.yaml": "services:\n  - type: web\n    name: web\n"
            "    startCommand: gunicorn app:app --config gunicorn.conf.py\n",
            "gunicorn.conf.py": "timeout = 120\n",
        },
        {
            "timeout": ("120", "gunicorn.conf.py:1"),
            "config": ("gunicorn.conf.py", "render.yaml: web startCommand"),
        },
        {"start-command-config": "in_force", "gunicorn-timeout": "no_value"},
    ),
    Case(
        "kills after 2 s with 30 configured: statement_timeout below 2 s",
        "gunicorn-27.0.1/slow_query.log",
        {"gunicorn.conf.py": "timeout = 30\n"},
        {"timeout": ("30", "gunicorn.conf.py:1")},
        {"statement-timeout": r"statement_timeout=1600\b"},
    ),
    Case(
        "two services, the second a block scalar: the web one that runs Gunicorn",
        "render-runbook-incident.log",
        {
            "render.yaml": "services:\n"
            "  - type: worker\n    name: jobs\n    startCommand: >-\n      celery -A app\n      worker\n"
            "  - type: web\n    name: site\n    startCommand: >-\n      gunicorn app.wsgi\n      --workers 3\n",
        },
        {
            "start_command": ("gunicorn app.wsgi --workers 3", "render.yaml: site startCommand"),
            "workers": ("3", "render.yaml: site startCommand"),
        },
    ),
    Case(
        "WEB_CONCURRENCY and GUNICORN_CMD_ARGS from envVars; the command line wins",
        "render-runbook-incident.log",
        {
            "render.yaml": "services:\n  - type: web\n    name: web\n"
            "    startCommand: gunicorn app.wsgi -t 90\n"
            "    envVars:\n      - key: WEB_CONCURRENCY\n        value: 4\n"
            "      - key: GUNICORN_CMD_ARGS\n        value: --timeout 45 --max-requests 500\n",
        },
        {
            "workers": ("4", "render.yaml: web WEB_CONCURRENCY"),
            "timeout": ("90", "render.yaml: web startCommand"),
            "max_requests": ("500", "render.yaml: web GUNICORN_CMD_ARGS"),
        },
        {"gunicorn-timeout": "no_value"},
    ),
    Case(
        "computed values are shown as written, never run or mangled",
        "gunicorn-23.0.0/oom_kill.log",
        {
            "gunicorn.conf.py": "import multiprocessing, os\n"
            "bind = f\"0.0.0.0:{os.environ.get('PORT', '10000')}\"\n"
            "workers = multiprocessing.cpu_count() * 2 + 1\n",
        },
        {
            "bind": (
                "computed at start-up: f\"0.0.0.0:{os.environ.get('PORT', '10000')}\"",
                "gunicorn.conf.py:2",
            ),
            "workers": (
                "computed at start-up: multiprocessing.cpu_count() * 2 + 1",
                "gunicorn.conf.py:3",
            ),
        },
        {"gunicorn-workers": "no_value"},
    ),
    Case(
        "a Procfile's flags, GUNICORN_CMD_ARGS under them, from a .env file",
        "gunicorn-23.0.0/slow_request.log",
        {
            "Procfile": "web: gunicorn app:app -w 3 -t 60\n",
            ".env": "GUNICORN_CMD_ARGS='--timeout 20 --threads 2'\n",
        },
        {"workers": ("3", "Procfile:1 web"), "threads": ("2", ".env:1 GUNICORN_CMD_ARGS")},
    ),
    Case(
        "the config file over WEB_CONCURRENCY (Gunicorn's own precedence)",
        "gunicorn-23.0.0/oom_kill.log",
        {"gunicorn.conf.py": "workers = 2\n", ".env": "WEB_CONCURRENCY=5\n"},
        {"workers": ("2", "gunicorn.conf.py:1")},
        {"gunicorn-workers": "no_value"},
    ),
    Case(
        "max_requests already set: no recycling advice",
        "gunicorn-23.0.0/oom_kill.log",
        {"gunicorn.conf.py": "max_requests = 2000\nmax_requests_jitter = 50\n"},
        {"max_requests": ("2000", "gunicorn.conf.py:1")},
        {"max-requests": "in_force"},
    ),
    Case(
        "preload already on: no preload advice",
        "gunicorn-23.0.0/oom_kill.log",
        {"gunicorn.conf.py": "preload_app = True\n"},
        {"preload_app": ("True", "gunicorn.conf.py:1")},
        {"preload-app": "in_force"},
    ),
]


def run(case: Case, tmp_path: Path) -> Report:
    paths = []
    for name, text in case.files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return analyze_paths([str(SAMPLES / case.log)], config_files=paths)


def all_fixes(report: Report) -> dict[str, FixOut]:
    found: dict[str, FixOut] = {}
    for finding in report.findings:
        for fix in [*([finding.fix] if finding.fix else []), *finding.also]:
            found.setdefault(fix.id, fix)
    return found


def _number(text: str, pattern: str) -> float | None:
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_settings_and_fixes_fit(case: Case, tmp_path: Path) -> None:
    report = run(case, tmp_path)
    for name, (value, source) in case.settings.items():
        assert name in report.configuration, (name, report.configuration)
        setting = report.configuration[name]
        assert (setting.value, setting.source) == (value, source), name
    fixes = all_fixes(report)
    for fix_id, expected in case.fixes.items():
        assert fix_id in fixes, (fix_id, sorted(fixes))
        fix = fixes[fix_id]
        if expected in ("in_force", "no_value"):
            assert fix.status == expected, (fix_id, fix.status, fix.snippet)
            assert fix.snippet == "" and fix.note
        else:
            assert fix.status == "suggested" and re.search(expected, fix.snippet), fix.snippet


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_no_fix_moves_a_setting_the_wrong_way(case: Case, tmp_path: Path) -> None:
    report = run(case, tmp_path)
    settings = report.configuration

    def in_force(name: str, default: float) -> float:
        value = settings[name].value if name in settings else str(default)
        return float(value) if re.fullmatch(r"[\d.]+", value) else default

    for fix in all_fixes(report).values():
        if fix.status != "suggested":
            continue
        timeout = _number(fix.snippet, r"^timeout = (\d+)")
        if timeout is not None:
            assert timeout > in_force("timeout", 30), fix.snippet
        workers = _number(fix.snippet, r"^workers = (\d+)")
        if workers is not None:
            assert workers < in_force("workers", 1), fix.snippet
        statement = _number(fix.snippet, r"statement_timeout=(\d+)")
        if statement is not None:
            assert statement < in_force("timeout", 30) * 1000, fix.snippet
        if fix.id == "gunicorn-worker-class" and "worker_class" in settings:
            assert settings["worker_class"].value not in fix.snippet, fix.snippet


def test_at_least_a_dozen_pairs() -> None:
    assert len(CASES) >= 12


def test_snippets_print_whole_in_text_and_markdown(tmp_path: Path) -> None:
    """Every suggested snippet, 'Also:' ones included, is printed as its whole block:
    each of its lines, in order, line breaks kept (the terminal report wide enough
    not to wrap)."""
    from diagnoser.report import formatter

    report = run(CASES[2], tmp_path)  # an OOM kill: max_requests is a two-line 'Also:'
    suggested = [f for f in all_fixes(report).values() if f.status == "suggested"]
    assert any(len(f.snippet.strip().splitlines()) >= 2 for f in suggested)
    for name in ("text", "markdown"):
        out = io.StringIO()
        formatter(name, color=False, width=200, lang="en").write(report, out)
        printed = out.getvalue()
        for fix in suggested:
            block = fix.snippet.strip("\n")
            if name == "markdown":
                assert block in printed, (name, fix.id)
            else:
                rows = [line.strip(" │") for line in printed.splitlines()]
                lines = block.splitlines()
                start = rows.index(lines[0].strip())
                assert rows[start : start + len(lines)] == [ln.strip() for ln in lines], fix.id

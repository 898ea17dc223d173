"""The configuration in force: from the log, gunicorn.conf.py and render.yaml, never run."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import RUNBOOK_LINES, analyze_text

from diagnoser.analysis import analyze_paths
from diagnoser.config import ConfigError, Configuration


def test_log_tells_version_worker_class_and_dumped_settings() -> None:
    report = analyze_text(
        "[2025-07-30 09:48:47 +0000] [1] [INFO] Starting gunicorn 23.0.0\n"
        "[2025-07-30 09:48:47 +0000] [1] [DEBUG] Current configuration:\n"
        "  workers: 4\n"
        "  timeout: 45\n"
        "[2025-07-30 09:48:47 +0000] [1] [INFO] Using worker: gthread\n"
    )
    settings = {k: v.value for k, v in report.configuration.items()}
    assert settings["gunicorn_version"] == "23.0.0"
    assert settings["worker_class"] == "gthread"
    assert settings["timeout"] == "45" and settings["workers"] == "4"
    assert report.configuration["timeout"].source == "log line 2"


def test_files_are_parsed_not_executed_and_flags_win(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        "timeout = 120\nworkers = int(os.environ.get('WEB_CONCURRENCY', 2))\npreload_app = True\n",
        encoding="utf-8",
    )
    render = tmp_path / "render.yaml"
    render.write_text(
        "services:\n  - type: web\n    startCommand: gunicorn app:app --config gunicorn.conf.py -w 3\n",
        encoding="utf-8",
    )
    log = tmp_path / "incident.log"
    log.write_text(RUNBOOK_LINES, encoding="utf-8")
    report = analyze_paths([str(log)], config_files=[render, conf])
    assert not marker.exists()
    settings = {k: v.value for k, v in report.configuration.items()}
    assert settings["timeout"] == "120"
    assert settings["workers"] == "3"  # the command-line flag overrides the file
    assert settings["preload_app"] == "True"
    assert settings["config"] == "gunicorn.conf.py"
    fix = report.findings[0].fix
    assert fix is not None and fix.current == "timeout = 120  (gunicorn.conf.py:3)"


def test_current_value_defaults_to_gunicorns() -> None:
    report = analyze_text(RUNBOOK_LINES)
    fix = report.findings[0].fix
    assert fix is not None and fix.current == "timeout = 30  (Gunicorn's default)"


def test_computed_values_are_shown_as_expressions(tmp_path: Path) -> None:
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("workers = multiprocessing.cpu_count() * 2 + 1\n", encoding="utf-8")
    configuration = Configuration()
    configuration.read_file(conf)
    assert configuration.current("workers").value == "multiprocessing.cpu_count() * 2 + 1"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("gunicorn.conf.py", "timeout = (\n", "not valid Python"),
        (
            "settings.toml",
            "x = 1",
            "expected a gunicorn.conf.py, a render.yaml, a Procfile or a .env file",
        ),
    ],
)
def test_bad_config_files_are_one_line_errors(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        Configuration().read_file(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)

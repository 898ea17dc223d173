"""`pip install .` gives a working tool outside the repository: rules ship in the wheel."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, RUNBOOK_LINES


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{result.stderr}")
    return next(out.glob("diagnoser-*.whl"))


def test_wheel_contains_the_rules(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("diagnoser/rules/")}
    expected = {p.name for p in (ROOT / "rules").glob("*.toml")}
    assert expected and expected <= shipped
    assert "diagnoser/locale/pt_BR/LC_MESSAGES/diagnoser.po" in names


def test_installed_tool_runs_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Dependencies come from this environment (a path after the venv's own
    # site-packages, so the wheel wins); the package itself from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    (Path(site) / "outer-deps.pth").write_text(deps + "\n", encoding="utf-8")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    log = tmp_path / "incident.log"
    log.write_text(RUNBOOK_LINES, encoding="utf-8")
    where = subprocess.run(
        [str(python), "-c", "import diagnoser, sys; print(diagnoser.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where
    result = subprocess.run(
        [str(env_dir / "bin" / "diagnoser"), "analyze", "-f", "json", str(log)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert '"cause": "slow_request"' in result.stdout
    # the labels' catalogue ships too: a Portuguese report reads it
    result = subprocess.run(
        [str(env_dir / "bin" / "diagnoser"), "analyze", "--lang", "pt-BR", str(log)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "3 linhas lidas" in result.stdout, result.stderr

"""Regenerate the sample logs: every scenario, run by several Gunicorn releases.

    python sample_logs/regenerate.py [--versions 20.1.0 21.2.0 23.0.0 27.0.1]

Each release gets its own virtual environment (under the temporary directory)
with Gunicorn, Django and Uvicorn; the scenario apps are copied next to them, so
the paths in the captured tracebacks name no developer's checkout. For each
scenario this writes `gunicorn-<version>/<scenario>.log`, exactly as Gunicorn
printed it, and a sidecar `<scenario>.toml` naming the version, the scenario and
the cause the log must be diagnosed as.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from gunicorn_harness import APPS, SCENARIOS, Scenario, has_module, run_scenario  # noqa: E402

DEFAULT_VERSIONS = ("20.1.0", "21.2.0", "23.0.0", "27.0.1")
WORK = Path(tempfile.gettempdir()) / "diagnoser-samples"


def environment(version: str) -> str:
    """A virtual environment with this Gunicorn release; its python."""
    env = WORK / f"gunicorn-{version}"
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        packages = [f"gunicorn=={version}", "django>=4.2,<6", "uvicorn"]
        if tuple(int(p) for p in version.split(".")[:2]) >= (21, 0):
            packages.append("uvicorn-worker")  # needs Gunicorn 21+
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return str(python)


def expected_causes(scenario: Scenario, version: str) -> tuple[str, ...]:
    """What this release's log can show: before 22.0 a timeout logs no traceback."""
    major = int(version.split(".")[0])
    if scenario.name == "slow_upstream" and major < 22:
        return ("slow_request",)
    return scenario.expected


def sidecar(version: str, scenario: Scenario, causes: tuple[str, ...], python: str) -> str:
    note = scenario.note
    if causes != scenario.expected:
        note += "; before 22.0 Gunicorn logs no abort traceback, so only the timeout shows"
    quoted = ", ".join(f'"{c}"' for c in causes)
    return (
        f'gunicorn = "{version}"\n'
        f'scenario = "{scenario.name}"\n'
        f"expected_causes = [{quoted}]  # empty: healthy, nothing above info\n"
        f'python = "{platform.python_version()}"\n'
        f'note = "{note}"\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", nargs="+", default=list(DEFAULT_VERSIONS))
    parser.add_argument("--only", nargs="*", help="scenario names (default: all)")
    args = parser.parse_args()
    apps = WORK / "app"
    shutil.rmtree(apps, ignore_errors=True)
    shutil.copytree(APPS, apps, ignore=shutil.ignore_patterns("__pycache__"))
    for version in args.versions:
        python = environment(version)
        out = HERE / f"gunicorn-{version}"
        out.mkdir(exist_ok=True)
        for scenario in SCENARIOS:
            if args.only and scenario.name not in args.only:
                continue
            if scenario.needs and not has_module(python, scenario.needs):
                print(f"skip {version} {scenario.name}: {scenario.needs} missing")
                continue
            log = out / f"{scenario.name}.log"
            run_scenario(scenario, log, python, apps)
            causes = expected_causes(scenario, version)
            (out / f"{scenario.name}.toml").write_text(
                sidecar(version, scenario, causes, python), encoding="utf-8"
            )
            print(f"{version} {scenario.name}: {len(log.read_text().splitlines())} lines")


if __name__ == "__main__":
    main()

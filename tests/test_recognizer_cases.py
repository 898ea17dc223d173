"""Companion-line cases kept as data: `tests/recognizer_cases/<platform>.toml`.

The lines are copied character for character from
`../shared/reference/platform-log-formats.md` (the case id starts with its
section, e.g. `3.2`), from the Gunicorn catalogue §8 (`cat8.x`) and from the
real corpus (`corpusNNN`), with the wrapper the source shows kept or cut as the
id says. A reference elision such as `…` is kept as written. Where a section
gives only a template or a fragment, the line is built from it and the id says
`constructed` (or `completed`); `brief-…` lines are the ones the task statement
quotes for §8 wordings the catalogue does not show.
Every case asserts the kind, the pid and the complete field set.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from diagnoser.events import Kind
from diagnoser.recognizers.platform import match_companion

CASES = Path(__file__).parent / "recognizer_cases"


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            params.append(pytest.param(case, id=f"{path.stem}:{case['id']}"))
    return params


@pytest.mark.parametrize("case", load_cases())
def test_case(case: dict[str, Any]) -> None:
    found = match_companion(case["line"])
    assert found is not None, case["line"]
    assert (found.kind, found.pid) == (Kind[case["kind"]], case.get("pid")), case["line"]
    assert found.fields == case["fields"], case["line"]


def test_every_case_file_has_cases_with_unique_ids() -> None:
    ids = [p.id for p in load_cases()]
    assert len(ids) == len(set(ids))
    assert {path.stem for path in CASES.glob("*.toml")} >= {"kernel", "heroku", "render"}

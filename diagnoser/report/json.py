"""JSON output: the `Report` model, as its published schema describes it."""

from __future__ import annotations

from typing import IO

from diagnoser.report.model import Report


class JsonFormatter:
    def write(self, report: Report, out: IO[str]) -> None:
        out.write(report.model_dump_json(indent=2, exclude_none=True, by_alias=True))
        out.write("\n")

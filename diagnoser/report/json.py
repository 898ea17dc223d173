"""JSON output: the `Report` model, as its published schema describes it.

Log text is untrusted here too: every character that is not printable text is
written as a `\\uXXXX` escape (`diagnoser.report.safe.json_dumps`), so the JSON
decodes to what the log said but holds no raw control, bidi or format character.
"""

from __future__ import annotations

from typing import IO

from diagnoser.report.model import Report
from diagnoser.report.safe import json_dumps


class JsonFormatter:
    def write(self, report: Report, out: IO[str]) -> None:
        out.write(
            json_dumps(report.model_dump(mode="json", exclude_none=True, by_alias=True), indent=2)
        )
        out.write("\n")

"""The JSON Schemas of the report and of `watch`'s JSON lines, from the pydantic models.

`python -m diagnoser.report.schema` prints the report's (docs/report.schema.json);
`python -m diagnoser.report.schema watch` the records `watch --format jsonl`
writes, one per line (docs/watch.schema.json): an incident's transition, or the
summary at the end. A test fails when a published schema differs from these.
"""

from __future__ import annotations

import json
import sys
from typing import Literal

from pydantic import BaseModel, Field

from diagnoser.report.model import IncidentRecord, Report


class SummaryRecord(BaseModel):
    """The last record of `watch --format jsonl`: the final report."""

    type: Literal["summary"] = "summary"
    report: Report


class WatchRecord(BaseModel):
    """One line of `watch --format jsonl`."""

    record: IncidentRecord | SummaryRecord = Field(discriminator="type")


def report_schema_json() -> str:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def watch_schema_json() -> str:
    """A record is an incident transition or the summary, told apart by `type`."""
    schema = WatchRecord.model_json_schema()
    record = schema["properties"]["record"]
    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "diagnoser watch --format jsonl: one record per line",
        "oneOf": record["oneOf"],
        "$defs": schema["$defs"],
    }
    return json.dumps(out, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(watch_schema_json() if sys.argv[1:] == ["watch"] else report_schema_json(), end="")

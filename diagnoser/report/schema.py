"""The JSON Schema of the report, generated from the pydantic models.

`python -m diagnoser.report.schema` prints it; docs/report.schema.json is its
output, and a test fails when the two differ.
"""

from __future__ import annotations

import json

from diagnoser.report.model import Report


def report_schema_json() -> str:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(report_schema_json(), end="")

"""The log's own time for the report: an instant written back as its line wrote it."""

from __future__ import annotations

import pytest

from diagnoser.timestamps import find_timestamp, log_time

AT = find_timestamp("2025-07-30T14:10:08Z")
assert AT is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[2025-07-30 11:10:08 -0300] [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
            "2025-07-30T11:10:08-03:00",
        ),
        # Render's zone-less prefix and Gunicorn's stamp: the one that names its zone
        (
            "2025-07-30 14:10:08  [2025-07-30 11:10:08 -0300] [85] [INFO] x",
            "2025-07-30T11:10:08-03:00",
        ),
        # zone-less: the same wall clock, no zone claimed
        ("2025-07-30 14:10:08  plain app output", "2025-07-30T14:10:08"),
        (
            '10.0.0.1 - - [30/Jul/2025:11:10:08 -0300] "GET / HTTP/1.1" 200 0 "-" "-"',
            "2025-07-30T11:10:08-03:00",
        ),
        ("2025-07-30T19:40:08+05:30 x", "2025-07-30T19:40:08+05:30"),
        # a stamp that is not this instant (a value in the message) is not the line's time
        ("SELECT 1 WHERE t > '2024-01-01T00:00:00+02:00'", "2025-07-30T14:10:08Z"),
        ("no stamp: the time came from a wrapper", "2025-07-30T14:10:08Z"),
    ],
)
def test_log_time(text: str, expected: str) -> None:
    assert log_time(AT, text) == expected


def test_fractions_are_kept_to_the_millisecond() -> None:
    assert log_time(AT + 0.25, "x") == "2025-07-30T14:10:08.250Z"

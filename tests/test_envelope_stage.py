"""The envelope stage: physical lines in, one `Record` type out, lines accounted for."""

from __future__ import annotations

import json

import pytest

from diagnoser.envelopes import EnvelopeStage, Record
from diagnoser.sources import Line

RESOURCE_ONLY = {
    "id": "4f1a",
    "timestamp": "2025-07-30T11:10:08.123Z",
    "message": "[2025-07-30 11:10:08 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
    "labels": [
        {"name": "resource", "value": "srv-abc"},
        {"name": "level", "value": "error"},
    ],
}


def records(lines: list[str]) -> tuple[EnvelopeStage, list[Record]]:
    stage = EnvelopeStage()
    out: list[Record] = []
    for number, text in enumerate(lines, 1):
        out.extend(stage.feed(Line("test.log", number, text)))
    return stage, out


def one_line(obj: dict[str, object]) -> list[str]:
    return [json.dumps(obj)]


def pretty(obj: dict[str, object]) -> list[str]:
    return json.dumps(obj, indent=2).splitlines()


@pytest.mark.parametrize("layout", [one_line, pretty], ids=["one-line", "pretty-printed"])
def test_resource_label_gives_the_instance_either_way(layout) -> None:  # type: ignore[no-untyped-def]
    _, found = records(layout(RESOURCE_ONLY))
    assert [(r.message, r.instance, r.wrapper) for r in found] == [
        (RESOURCE_ONLY["message"], "srv-abc", "render-json")
    ]
    assert found[0].ts == pytest.approx(1753873808.123)


def test_same_object_same_record_on_one_line_and_pretty_printed() -> None:
    obj = {
        "time": 1753873808,
        "msg": "\x1b[31mworker booted\x1b[0m",
        "labels": [{"name": "instance", "value": "srv-abc-x1"}],
        "pod": "web-0",
    }
    _, flat = records(one_line(obj))
    _, multi = records(pretty(obj))
    assert [(r.message, r.ts, r.instance, r.wrapper) for r in flat] == [
        (r.message, r.ts, r.instance, r.wrapper) for r in multi
    ]


def test_a_plain_line_is_one_counted_record() -> None:
    stage, found = records(["hello"])
    assert found == [Record("test.log", 1, "hello", "hello")]
    assert stage.counts.read == 1 and stage.counts.wrapper == 0


def test_objects_meeting_as_close_open_count_their_structure_lines() -> None:
    first = pretty({"message": "one"})
    second = pretty({"message": "two\nthree"})
    lines = [*first[:-1], "}{", *second[1:]]
    stage, found = records(lines)
    assert [(r.number, r.message, r.counted) for r in found] == [
        (len(first), "one", True),
        (len(lines), "two", True),
        (len(lines), "three", False),
    ]
    assert stage.counts.read == len(lines)
    assert stage.counts.wrapper == len(lines) - 2  # every line but the two closing ones


def test_an_escaped_traceback_is_one_record_per_line() -> None:
    line = json.dumps({"log": "Traceback (most recent call last):\n  File x\nValueError\n"})
    _, found = records([line])
    assert [(r.text, r.counted) for r in found] == [
        ("Traceback (most recent call last):", True),
        ("  File x", False),
        ("ValueError", False),
    ]


REQUEST = {
    "timestamp": "2025-07-30T11:10:08Z",
    "message": "clientIP=1.2.3.4 responseTimeMS=30012 responseBytes=0",
    "labels": [
        {"name": "instance", "value": "srv-abc-x1"},
        {"name": "method", "value": "POST"},
        {"name": "path", "value": "/report"},
        {"name": "statusCode", "value": "502"},
    ],
}


@pytest.mark.parametrize("layout", [one_line, pretty], ids=["one-line", "pretty-printed"])
def test_request_labels_reach_the_message_either_way(layout) -> None:  # type: ignore[no-untyped-def]
    _, found = records(layout(REQUEST))
    assert [r.message for r in found] == [
        'clientIP=1.2.3.4 responseTimeMS=30012 responseBytes=0 method="POST" path="/report"'
        ' statusCode="502"'
    ]

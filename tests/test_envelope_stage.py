"""The envelope stage: physical lines in, one `Record` type out, lines accounted for."""

from __future__ import annotations

import json

import pytest
from conftest import RUNBOOK_LINES, accounted, analyze_text

from diagnoser.envelopes import EnvelopeStage, Record
from diagnoser.envelopes.json import MAX_NESTING, MAX_RECORD_CHARS
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


# -- hostile records: deep nesting, no end, not JSON at all ---------------------------

TIMEOUT = "[2025-07-30 11:10:08 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)"
RUNBOOK_TAIL = RUNBOOK_LINES.splitlines()


def accounted_stage(stage: EnvelopeStage, found: list[Record]) -> bool:
    """Every line read is structure or counted by exactly one record."""
    return stage.counts.read == stage.counts.wrapper + sum(r.counted for r in found)


@pytest.mark.parametrize(
    "lines",
    [
        ["{", '"message": "x",', '"a": ' + "[" * 100_000 + "]" * 100_000, "}"],
        ["{", '"message": "x",', *['"a": {'] * 4_000, "1", *["}"] * 4_000, "}"],
        ['{"message": "x", "a": ' + "[" * 100_000 + "]" * 100_000 + "}"],
        ['{"workers": 2, "a": ' + "[" * 100_000 + "]" * 100_000 + "}"],
    ],
    ids=["deep-inside-a-record", "deep-pretty-printed", "deep-json-line", "deep-config-json"],
)
def test_json_nested_past_the_bound_is_read_as_plain_lines(lines: list[str]) -> None:
    stage, found = records(lines)
    assert [r.text for r in found] == lines  # every line, as plain text
    assert accounted_stage(stage, found) and stage.counts.wrapper == 0
    report = analyze_text("\n".join(lines))
    assert report.lines.read == len(lines) and accounted(report.lines)


def test_json_nested_within_the_bound_is_still_a_record() -> None:
    depth = MAX_NESTING - 1  # the object itself is one level
    obj = {"message": "x", "a": json.loads("[" * depth + "]" * depth)}
    for layout in (one_line, pretty):
        _, found = records(layout(obj))
        assert [r.message for r in found] == ["x"]


def test_a_record_that_closes_but_is_not_json_is_read_as_plain_lines() -> None:
    lines = ["{", TIMEOUT, "}", *pretty({"message": "after"})]
    stage, found = records(lines)
    assert [r.message for r in found] == ["{", TIMEOUT, "}", "after"]
    assert [r.number for r in found] == [1, 2, 3, len(lines)]
    assert accounted_stage(stage, found)


def test_a_record_that_is_not_json_still_lets_a_joined_object_through() -> None:
    second = pretty({"message": "next"})
    lines = ["{", "not json", "}{", *second[1:]]
    stage, found = records(lines)
    assert [r.message for r in found] == ["{", "not json", "}{", "next"]
    assert accounted_stage(stage, found)


def test_a_number_python_will_not_convert_is_not_json() -> None:
    lines = ["{", '"message": "x",', '"n": 1' + "0" * 5_000, "}"]
    stage, found = records(lines)
    assert [r.text for r in found] == lines
    assert accounted_stage(stage, found)


def test_a_record_past_max_record_chars_is_released_whole() -> None:
    long = '"x": "' + "a" * 60_000 + '",'
    count = MAX_RECORD_CHARS // len(long) + 5
    stage = EnvelopeStage()
    found: list[Record] = []
    held = 0
    for number, text in enumerate(["{", *[long] * count], 1):
        found.extend(stage.feed(Line("test.log", number, text)))
        if not stage.idle:
            held = max(held, number)
    # given up on once past the bound, never holding much more than it
    assert held * len(long) <= MAX_RECORD_CHARS + len(long)
    assert stage.idle and len(found) == count + 1  # every line read, none dropped
    assert [r.number for r in found] == list(range(1, count + 2))
    assert accounted_stage(stage, found)


def test_a_record_given_up_on_after_a_joined_close_counts_each_line_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import diagnoser.envelopes.json

    monkeypatch.setattr(diagnoser.envelopes.json, "MAX_RECORD_LINES", 5)
    lines = ["{", '"message": "one"', "}{", *["more"] * 8]
    stage, found = records(lines)
    assert found[0].message == "one"
    # the first object's two lines were its structure; the `{` after `}` shares the
    # physical line "one" counted, so it is not counted again
    assert stage.counts.wrapper == 2
    assert [r.message for r in found if r.counted] == ["one", *["more"] * 8]
    assert accounted_stage(stage, found)


@pytest.mark.parametrize(
    "value", ["Infinity", "-Infinity", "NaN", "1e300", "-1e300", "1" + "0" * 400]
)
def test_a_time_no_date_can_show_is_no_time(value: str) -> None:
    line = '{"message": "WORKER TIMEOUT (pid:96)", "time": ' + value + "}"
    _, found = records([line])
    assert [(r.message, r.ts) for r in found] == [("WORKER TIMEOUT (pid:96)", None)]
    kill = '{"message": "Worker (pid:96) was sent SIGKILL! Perhaps out of memory?", "time": 5}'
    report = analyze_text(f"{line}\n{kill}")
    assert report.findings  # the report is built, its evidence times shown


@pytest.mark.parametrize(
    "lines",
    [["{", TIMEOUT, "more"], ["{", '"message": "one"', "}{", TIMEOUT], ["{"]],
    ids=["open", "open-after-a-joined-close", "a-lone-brace"],
)
def test_a_record_open_at_the_end_of_input_is_read_as_plain_lines(lines: list[str]) -> None:
    stage, found = records(lines)
    found += stage.finish()
    assert stage.idle and stage.finish() == []
    assert [r.text for r in found if r.counted][-1] == lines[-1]
    assert accounted_stage(stage, found)


def test_a_timeout_in_a_record_left_open_is_diagnosed() -> None:
    report = analyze_text("\n".join(["{", *RUNBOOK_TAIL]))
    assert "timeout-sigkill" in [f.rule for f in report.findings]
    assert report.lines.read == 4 and report.lines.wrapper == 0 and accounted(report.lines)

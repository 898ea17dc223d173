"""Request latency per instance: percentiles in every report, from lines read one by
one and from runs of lines counted in bulk alike."""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import analyze_text

from diagnoser.analysis import analyze_paths
from diagnoser.report import formatter
from diagnoser.report.model import Report


def render_request(instance: str, index: int, ms: int) -> str:
    """A `render logs -o json` request record of `instance`."""
    labels = [
        {"name": "instance", "value": instance},
        {"name": "type", "value": "request"},
        {"name": "method", "value": "GET"},
        {"name": "path", "value": "/"},
        {"name": "statusCode", "value": "200"},
    ]
    message = (
        f'clientIP="1.2.3.4" requestID="r{index}" responseTimeMS={ms} '
        'responseBytes=10 userAgent="x"'
    )
    record = {"id": str(index), "labels": labels, "message": message}
    record["timestamp"] = "2025-08-19T14:38:25Z"
    return json.dumps(record)


def written(report: Report, name: str, lang: str = "en") -> str:
    out = io.StringIO()
    formatter(name, color=False, width=200, lang=lang).write(report, out)
    return out.getvalue()


def test_percentiles_per_instance() -> None:
    lines = [render_request("srv-a-1", i, ms) for i, ms in enumerate(range(1, 101))]
    lines += [render_request("srv-a-2", 100 + i, 1000 * (i + 1)) for i in range(4)]
    report = analyze_text("\n".join(lines))
    a, b = report.latency["srv-a-1"], report.latency["srv-a-2"]
    assert (a.requests, a.p50_ms, a.p95_ms, a.p99_ms, a.max_ms) == (100, 50, 95, 99, 100)
    assert (b.requests, b.p50_ms, b.p95_ms, b.p99_ms, b.max_ms) == (4, 2000, 4000, 4000, 4000)
    text = written(report, "text")
    assert "srv-a-1: 100 requests timed: p50 50 ms, p95 95 ms, p99 99 ms, slowest 100 ms" in text
    assert "requisições cronometradas: p50 2000 ms" in written(report, "text", "pt-BR")
    markdown = written(report, "markdown")
    assert "| `srv-a-2` | 4 | 2000 | 4000 | 4000 | 4000 |" in markdown
    data = json.loads(written(report, "json"))
    assert data["latency"]["srv-a-1"] == {
        "requests": 100,
        "p50_ms": 50,
        "p95_ms": 95,
        "p99_ms": 99,
        "max_ms": 100,
    }


def test_one_request_reads_as_one() -> None:
    report = analyze_text(render_request("srv-a-1", 0, 28557))
    assert "srv-a-1: 1 request timed: p50 28557 ms" in written(report, "text")


def test_no_timed_requests_no_latency() -> None:
    report = analyze_text("[2025-07-30 09:51:53 +0000] [7] [INFO] Booting worker with pid: 7")
    assert report.latency == {}
    assert "requests timed" not in written(report, "text")
    assert "Request latency" not in written(report, "markdown")


def test_lines_counted_in_bulk_count_in_their_input(tmp_path: Path) -> None:
    # Render text request lines: past the first few, read in bulk runs
    log = tmp_path / "render.log"
    log.write_text(
        "".join(
            f'2025-07-30 10:00:{i % 60:02d}  clientIP="1.2.3.4" requestID="r{i}" '
            f'responseTimeMS={i % 200 + 1} responseBytes=10 userAgent="x"\n'
            for i in range(5000)
        ),
        encoding="utf-8",
    )
    report = analyze_paths([str(log)])
    latency = report.latency[str(log)]
    assert latency.requests == 5000
    assert (latency.p50_ms, latency.p95_ms, latency.p99_ms, latency.max_ms) == (100, 190, 198, 200)

"""The correlator retires worker lives that ended long ago, and only those."""

from __future__ import annotations

from conftest import analyze_text

from diagnoser.correlate import ENDED_KEPT_SECONDS, Correlator
from diagnoser.events import Event, Kind
from diagnoser.vocabulary import WorkerState

T0 = 1_753_870_000.0


def _event(kind: Kind, ts: float, pid: int | None, **fields: str | int) -> Event:
    return Event(kind, 1, "", "app.log", ts, pid=pid, emitter=pid, fields=dict(fields))


def test_a_killed_worker_is_retired_an_hour_after_its_last_line_with_its_state() -> None:
    correlator = Correlator()
    correlator.observe(_event(Kind.WORKER_BOOT, T0, 96))
    correlator.observe(_event(Kind.WORKER_BOOT, T0, 97))
    correlator.observe(_event(Kind.WORKER_SIGNALED, T0 + 10, 96, signal="SIGKILL"))
    correlator.observe(_event(Kind.ACCESS, T0 + ENDED_KEPT_SECONDS / 2, None))
    assert [w.ref.pid for w in correlator.retired] == []
    correlator.observe(_event(Kind.ACCESS, T0 + ENDED_KEPT_SECONDS + 900, None))
    assert [(w.ref.pid, w.state) for w in correlator.retired] == [(96, WorkerState.KILLED)]
    # a worker that is merely quiet (sync workers log no pid with their requests) stays
    assert [w.ref.pid for w in correlator.workers.values()] == [97]


def test_bulk_time_alone_moves_the_sweep() -> None:
    correlator = Correlator()
    correlator.observe(_event(Kind.WORKER_BOOT, T0, 96))
    correlator.observe(_event(Kind.WORKER_EXITING, T0 + 5, 96))
    correlator.advance(T0 + 2 * ENDED_KEPT_SECONDS)
    assert [(w.ref.pid, w.state) for w in correlator.retired] == [(96, WorkerState.EXITING)]


def test_a_retired_worker_keeps_its_place_in_the_report() -> None:
    lines = [
        "[2025-07-30 00:00:00 +0000] [85] [INFO] Booting worker with pid: 96",
        "[2025-07-30 00:00:30 +0000] [85] [CRITICAL] WORKER TIMEOUT (pid:96)",
        "[2025-07-30 00:00:31 +0000] [96] [INFO] Worker exiting (pid: 96)",
        "[2025-07-30 03:00:00 +0000] [85] [INFO] Booting worker with pid: 97",
    ]
    report = analyze_text("\n".join(lines) + "\n")
    assert [(w.pid, w.state.value) for w in report.workers] == [(96, "exiting"), (97, "booting")]

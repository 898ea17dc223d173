"""Correlate: one timeline per worker, keyed by (instance, pid), across pid reuse.

Master and workers share one stream. Who a line is about is decided by the
template (the recognizer sets `Event.pid`); who printed it is `Event.emitter`.
A `Booting worker with pid: N` or a new `Starting gunicorn` begins a new life,
so a pid reused after a restart is a new worker.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from diagnoser.events import Event, Kind, WorkerRef
from diagnoser.vocabulary import WorkerState

# What each event says about the worker's state.
_STATE_OF: dict[Kind, WorkerState] = {
    Kind.WORKER_BOOT: WorkerState.BOOTING,
    Kind.UVICORN_STARTED: WorkerState.BOOTING,
    Kind.UVICORN_STARTUP: WorkerState.RUNNING,
    Kind.ACCESS: WorkerState.RUNNING,
    Kind.WORKER_TIMEOUT: WorkerState.TIMED_OUT,
    Kind.WORKER_ABORT: WorkerState.ABORTED,
    Kind.MAX_REQUESTS: WorkerState.RECYCLING,
    Kind.WORKER_EXITING: WorkerState.EXITING,
    Kind.UVICORN_SHUTDOWN: WorkerState.EXITING,
    Kind.WORKER_EXIT_CODE: WorkerState.EXITED,
    Kind.WORKER_SIGNALED: WorkerState.KILLED,
    Kind.WORKER_EXCEPTION: WorkerState.FAILED,
    Kind.APP_LOAD_ERROR: WorkerState.FAILED,
}
STARTUP_SECONDS = 1.0
DEFAULT_TIMEOUT = 30.0  # Gunicorn's `timeout` when the log does not show it
# A booting worker (Gunicorn before 22.0) is killed when its heartbeat file is
# `timeout` old; the arbiter looks about once a second.
BOOT_KILL_SLACK = 2.5
SAME_AGE_SECONDS = 2.0  # two workers killed this close in age died the same way
# `Using worker: …` → the family of worker classes whose heartbeat comes from an
# event loop: a timeout there means the loop was blocked, not one slow request.
_WORKER_FAMILIES = (
    ("uvicorn", "uvicorn"),
    ("gevent", "gevent"),
    ("eventlet", "eventlet"),
    ("tornado", "tornado"),
    ("thread", "gthread"),
    ("sync", "sync"),
)


def worker_family(worker_class: str) -> str:
    """`gunicorn.workers.ggevent.GeventWorker` → `gevent`; unknown classes stay as given."""
    lowered = worker_class.lower()
    for fragment, family in _WORKER_FAMILIES:
        if fragment in lowered:
            return family
    return worker_class


# A worker on its way out is retired this long after its last line (longer than
# any rule looks back into a worker's events), checked every SWEEP_SECONDS of log time.
ENDED_KEPT_SECONDS = 3600.0
SWEEP_SECONDS = 300.0
_ENDED = frozenset({WorkerState.EXITED, WorkerState.KILLED, WorkerState.FAILED, WorkerState.LOST})
# a worker in one of these states is on its way out: silent long enough, it is gone
_GONE = _ENDED | {WorkerState.EXITING, WorkerState.TIMED_OUT, WorkerState.ABORTED}
_MASTER_KINDS = frozenset(
    {
        Kind.MASTER_START,
        Kind.LISTENING,
        Kind.USING_WORKER,
        Kind.ARBITER_BOOTED,
        Kind.WORKER_TIMEOUT,
        Kind.WORKER_EXIT_CODE,
        Kind.WORKER_SIGNALED,
        Kind.SIGNAL_HANDLED,
        Kind.HANG_UP,
        Kind.MASTER_SHUTDOWN,
        Kind.HALT_REASON,
    }
)


@dataclass(slots=True)
class Worker:
    """The timeline of one worker life."""

    ref: WorkerRef
    source: str
    first_line: int
    last_line: int = 0
    boot_line: int | None = None
    state: WorkerState = WorkerState.RUNNING
    end: str = ""  # how it ended: "exit code 1", "SIGKILL", "abort", ...
    timeouts: int = 0
    requests: int = 0
    events: int = 0
    last_event: str = ""
    first_ts: float | None = None
    last_ts: float | None = None
    requests_before: int = 0  # the instance's request count when this life was first seen
    boot_ts: float | None = None
    abort_frame: str = ""
    stuck_in: str = ""
    exception: str = ""
    history: list[Event] = field(default_factory=list)  # bounded: see HISTORY


@dataclass(slots=True)
class Instance:
    name: str
    master_pids: set[int] = field(default_factory=set)
    version: str = ""
    worker_class: str = ""
    starts: int = 0
    started_at: float | None = None  # last `Starting gunicorn` or HUP reload
    timeout: float | None = None  # `timeout` of a configuration dump
    last_request: float | None = None  # time of the last request line (access, router)
    requests: int = 0  # request lines seen (access, router), read one by one or in bulk
    last_kill_age: float | None = None  # age of the last worker timed out right after boot


class Correlator:
    """Assigns each event its worker life and keeps the worker timelines."""

    HISTORY = 64  # events kept per worker for rules that look back

    def __init__(self, max_workers: int = 20_000, max_retired: int = 20_000) -> None:
        self.workers: OrderedDict[tuple[str, int], Worker] = OrderedDict()
        self.retired: deque[Worker] = deque()
        self.instances: dict[str, Instance] = {}
        self.max_workers = max_workers
        self.max_retired = max_retired
        self.evicted = 0
        self._generation: dict[tuple[str, int], int] = {}
        self._swept: int | None = None  # the last sweep, in SWEEP_SECONDS since 1970
        self.now: float | None = None  # the latest time read

    def instance_key(self, event: Event) -> str:
        """Envelope instance when known, else the source the line came from."""
        return event.instance or event.source

    def observe(self, event: Event) -> None:
        """Attach `event` to its worker (setting `event.worker`) and update the timeline."""
        if event.ts is not None:
            self.advance(event.ts)
        name = self.instance_key(event)
        instance = self.instances.get(name)
        if instance is None:
            instance = self.instances[name] = Instance(name)
        if (
            event.emitter is not None
            and event.kind in _MASTER_KINDS
            and event.kind not in (Kind.WORKER_BOOT,)
        ):
            instance.master_pids.add(event.emitter)
        if event.kind in (Kind.MASTER_START, Kind.HANG_UP):
            instance.started_at = event.ts
        elif (
            event.kind is Kind.WORKER_BOOT
            and event.ts is not None
            and instance.started_at is not None
            and event.ts - instance.started_at <= STARTUP_SECONDS
        ):
            # Boots right after a start or reload are the initial workers, not
            # replacements of dead ones.
            event.fields["startup_boot"] = 1
        if event.kind is Kind.MASTER_START:
            instance.starts += 1
            instance.version = str(event.fields.get("version", ""))
            self._retire_instance(name)
        elif event.kind is Kind.USING_WORKER:
            instance.worker_class = str(event.fields.get("worker_class", ""))
        elif event.kind is Kind.CONFIG_DUMP:
            timeout = event.fields.get("timeout")
            if isinstance(timeout, int | float) and not isinstance(timeout, bool):
                instance.timeout = float(timeout)
        elif event.kind in (Kind.ACCESS, Kind.REQUEST_LOG) and event.ts is not None:
            self.saw_requests(name, event.ts)
        pid = event.pid
        if pid is None or (pid in instance.master_pids and event.kind not in _STATE_OF):
            return
        key = (name, pid)
        worker = self.workers.get(key)
        if worker is not None and event.kind is Kind.WORKER_BOOT and worker.events:
            self._retire(key)
            worker = None
        if worker is None:
            worker = self._new_worker(key, event)
        else:
            self.workers.move_to_end(key)  # least recently active workers are evicted first
        event.worker = worker.ref
        self._update(worker, event)

    def saw_requests(self, instance: str, ts: float, count: int = 1) -> None:
        """`count` request lines, up to `ts`, on `instance` (an access line, or a run
        read in bulk)."""
        known = self.instances.get(instance)
        if known is None:
            known = self.instances[instance] = Instance(instance)
        known.requests += count
        if known.last_request is None or ts > known.last_request:
            known.last_request = ts

    def live_view(self, worker: Worker) -> tuple[WorkerState, float | None, int, bool]:
        """How a live view shows a worker now: its state, its age in log seconds, its
        requests, and whether they are its own (else the instance's since it started).

        A worker still booting once its instance served requests after its boot is
        running: Gunicorn logs nothing more for a healthy worker. A live worker's age
        runs to the latest time read, an ended one's to its last line.
        """
        instance = self.instances.get(worker.ref.instance)
        state = worker.state
        if (
            state is WorkerState.BOOTING
            and instance is not None
            and instance.last_request is not None
            and (worker.boot_ts is None or instance.last_request >= worker.boot_ts)
            and instance.requests > worker.requests_before
        ):
            state = WorkerState.RUNNING
        age = None
        if worker.first_ts is not None:
            end = worker.last_ts if state in _ENDED or state in _GONE else self.now
            end = end if end is not None else worker.last_ts
            age = max(0.0, (end or worker.first_ts) - worker.first_ts)
        if worker.requests or instance is None:
            return state, age, worker.requests, True
        return state, age, instance.requests - worker.requests_before, False

    def _timeout_fields(self, worker: Worker, event: Event) -> None:
        """What a WORKER TIMEOUT says about the worker's age and class.

        `age`: seconds since its `Booting worker` line. `quiet_boot`: no request
        line on the instance since then. `boot_age`: quiet, and killed at the age
        Gunicorn before 22.0 kills a worker that is still booting (the timeout in
        force, else 30 s, plus the arbiter's slack), on a version not known to be
        22.0 or later. `same_age`: the previous quiet worker timed out on this
        instance died at the same age. `boot_possible`: nothing in the log rules
        out a boot that never ended (boot_age, or neither a boot nor a request
        line seen). `worker_class`: the family of the class in use.
        """
        instance = self.instances.get(worker.ref.instance)
        if instance is None:
            return
        if instance.worker_class:
            event.fields["worker_class"] = worker_family(instance.worker_class)
        if worker.boot_ts is None or event.ts is None:
            if instance.last_request is None and not _from_22(instance.version):
                # no boot line, no request line: a boot that never ended can't be ruled out
                event.fields["boot_possible"] = 1
            return
        age = event.ts - worker.boot_ts
        if age < 0:
            return
        event.fields["age"] = round(age, 1)
        quiet = instance.last_request is None or instance.last_request < worker.boot_ts
        if not quiet:
            return
        event.fields["quiet_boot"] = 1
        timeout = instance.timeout if instance.timeout is not None else DEFAULT_TIMEOUT
        if timeout <= age + 0.5 <= timeout + BOOT_KILL_SLACK + 0.5 and not _from_22(
            instance.version
        ):
            event.fields["boot_age"] = 1
            event.fields["boot_possible"] = 1
        previous = instance.last_kill_age
        if previous is not None and abs(previous - age) <= SAME_AGE_SECONDS:
            event.fields["same_age"] = 1
        instance.last_kill_age = age

    def history(self, ref: WorkerRef | None) -> list[Event]:
        """Recent events of a worker life (empty when unknown or retired)."""
        if ref is None:
            return []
        worker = self.workers.get((ref.instance, ref.pid))
        if worker is None or worker.ref != ref:
            return []
        return worker.history

    def life_ended(self, ref: WorkerRef) -> bool:
        """Whether the log already ended this worker life (killed, exited, failed, or
        retired, or its pid since reused): nothing more can happen to it."""
        worker = self.workers.get((ref.instance, ref.pid))
        return worker is None or worker.ref != ref or worker.state in _ENDED

    def all_workers(self) -> list[Worker]:
        return [*self.retired, *self.workers.values()]

    # -- internals ----------------------------------------------------------------

    def _new_worker(self, key: tuple[str, int], event: Event) -> Worker:
        generation = self._generation.get(key, -1) + 1
        self._generation[key] = generation
        if len(self._generation) > 2 * (self.max_workers + self.max_retired):
            # Forget life numbers of pids long gone; a reused pid then counts from 0.
            self._generation = {k: v for k, v in self._generation.items() if k in self.workers}
        worker = Worker(WorkerRef(key[0], key[1], generation), event.source, event.line)
        worker.first_ts = event.ts
        known = self.instances.get(key[0])
        worker.requests_before = known.requests if known is not None else 0
        self.workers[key] = worker
        if len(self.workers) > self.max_workers:
            self._retire(next(iter(self.workers)))
        return worker

    def _retire(self, key: tuple[str, int], *, as_is: bool = False) -> None:
        """Move a worker life to the retired ones; unless `as_is`, one that had not
        ended is taken as gone (`lost`, or `exited` when it was exiting)."""
        worker = self.workers.pop(key)
        if not as_is and worker.state not in _ENDED:
            exiting = worker.state is WorkerState.EXITING
            worker.state = WorkerState.EXITED if exiting else WorkerState.LOST
        worker.history = []
        self.retired.append(worker)
        if len(self.retired) > self.max_retired:
            self.retired.popleft()
            self.evicted += 1

    def advance(self, ts: float) -> None:
        """The log reached `ts` (a line read in bulk, or an event's time).

        Every SWEEP_SECONDS of log time, workers on their way out whose last line
        is more than ENDED_KEPT_SECONDS old are retired: a killed pid that never
        comes back would otherwise keep its recent events until the bound on live
        workers. The sweeps depend on the times alone, so lines read in bulk give
        the same.
        """
        if self.now is None or ts > self.now:
            self.now = ts
        period = int(ts // SWEEP_SECONDS)
        if self._swept is None:
            self._swept = period
            return
        if period <= self._swept:
            return
        first = max(self._swept + 1, period - 1000)  # a jump of years: the last sweeps
        for step in range(first, period + 1):
            self._sweep(step * SWEEP_SECONDS - ENDED_KEPT_SECONDS)
        self._swept = period

    def _sweep(self, horizon: float) -> None:
        for key in [
            key
            for key, worker in self.workers.items()
            if worker.state in _GONE and worker.last_ts is not None and worker.last_ts < horizon
        ]:
            # its state stays what the log last said: the report is the same
            self._retire(key, as_is=True)

    def _retire_instance(self, name: str) -> None:
        for key in [k for k in self.workers if k[0] == name]:
            self._retire(key)

    def _update(self, worker: Worker, event: Event) -> None:
        worker.events += 1
        worker.last_line = event.line
        worker.last_event = event.kind.value
        if event.ts is not None:
            worker.last_ts = event.ts
        kind = event.kind
        state = _STATE_OF.get(kind)
        if state is not None and not (worker.state in _ENDED and state is WorkerState.EXITING):
            worker.state = state
        if kind is Kind.WORKER_BOOT:
            worker.boot_line = event.line
            worker.boot_ts = event.ts
        elif kind is Kind.WORKER_TIMEOUT:
            worker.timeouts += 1
            self._timeout_fields(worker, event)
        elif kind is Kind.ACCESS:
            worker.requests += 1
        elif kind is Kind.WORKER_EXIT_CODE:
            worker.end = f"exit code {event.fields.get('code')}"
        elif kind is Kind.WORKER_SIGNALED:
            worker.end = str(event.fields.get("signal", "signal"))
        elif kind is Kind.WORKER_ABORT:
            worker.end = worker.end or "timeout abort"
            worker.abort_frame = str(
                event.fields.get("app_frame") or event.fields.get("stuck_frame", "")
            )
            worker.stuck_in = str(event.fields.get("stuck_in", ""))
        elif kind in (Kind.WORKER_EXITING, Kind.UVICORN_FINISHED) and not worker.end:
            worker.end = "exited"
        if event.traceback is not None and event.traceback.exception:
            worker.exception = event.traceback.exception
        history = worker.history
        history.append(event)
        if len(history) > self.HISTORY:
            del history[0]


def _from_22(version: str) -> bool:
    """Whether a `Starting gunicorn <version>` is 22.0 or later (unknown: False)."""
    head = version.split(".")[0]
    return head.isdigit() and int(head) >= 22

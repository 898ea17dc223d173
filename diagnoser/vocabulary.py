"""The closed vocabularies of the diagnosis, as enums (pySigma keeps its own so).

Their values are the strings the JSON report and the rule files use, so a
member compares, formats and serialises as that string. This module imports
nothing from the package: every stage, and the report model, can depend on it.
The event kinds stay with the events (`diagnoser.events.Kind`), which are their
only subject.
"""

from __future__ import annotations

from enum import StrEnum


class Cause(StrEnum):
    """The closed vocabulary of causes (docs/causes.md gives each its meaning)."""

    SLOW_REQUEST = "slow_request"
    SLOW_QUERY = "slow_query"
    SLOW_UPSTREAM = "slow_upstream"
    BLOCKED_WORKER = "blocked_worker"
    OOM_KILL = "oom_kill"
    TOO_MANY_WORKERS = "too_many_workers"
    BOOT_FAILURE = "boot_failure"
    BOOT_TIMEOUT = "boot_timeout"
    HEARTBEAT_STALL = "heartbeat_stall"
    CRASH_LOOP = "crash_loop"
    DB_CONNECTION = "db_connection"
    EXCESSIVE_LOGGING = "excessive_logging"
    # Extension (docs/causes.md): benign restarts worth explaining, because their
    # lines look alarming (SIGTERM at ERROR, "Perhaps out of memory?" at shutdown).
    PLANNED_RESTART = "planned_restart"
    # Extension (docs/causes.md): a worker killed by a fatal signal of its own code.
    NATIVE_CRASH = "native_crash"


class Severity(StrEnum):
    """How much a finding matters, highest first (`--fail-on` compares their rank)."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """3 for critical, 2 for warning, 1 for info."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 3, Severity.WARNING: 2, Severity.INFO: 1}


class WorkerState(StrEnum):
    """Where a worker life stands, as the last event about it says."""

    BOOTING = "booting"
    RUNNING = "running"
    TIMED_OUT = "timed_out"  # the master logged WORKER TIMEOUT for it
    ABORTED = "aborted"  # it printed its timeout abort traceback
    RECYCLING = "recycling"  # max_requests reached: a planned restart
    EXITING = "exiting"
    EXITED = "exited"
    KILLED = "killed"  # ended by a signal
    FAILED = "failed"  # an exception, or the app failed to load
    LOST = "lost"  # retired with no end in the log


class IncidentState(StrEnum):
    """Where an incident of `watch` stands: one occurrence of a rule, by its id.

    It moves only `provisional -> confirmed`, `provisional -> withdrawn` or
    `confirmed -> superseded` (or is first seen confirmed); withdrawn and superseded
    are final.
    """

    PROVISIONAL = "provisional"  # its outcome, or a narrower explanation, may still come
    CONFIRMED = "confirmed"  # it stands: alert on this
    WITHDRAWN = "withdrawn"  # it did not complete, or a narrower rule explained it first
    SUPERSEDED = "superseded"  # confirmed, then a narrower rule explained the same events


class MatchType(StrEnum):
    """How a rule's `[match]` is decided (`diagnoser.engine` dispatches on it)."""

    SEQUENCE = "sequence"  # ordered steps for one group within the timespan
    COUNT = "count"  # at least `threshold` matching events within the timespan

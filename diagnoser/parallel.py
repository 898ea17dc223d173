"""The analysis of many inputs, cut into partitions and run here, in processes, or on Dask.

A partition is the inputs of one instance (`timeorder.by_instance`): the files
whose first lines name the same instance, or name none, merged in time order
so that each worker's timeline stays whole; standard input, a FIFO or a device
is a partition of its own. Each partition is analysed from scratch by
`run_partition`, which returns a `Partial`; `partial.merge` combines them in
partition order, whoever ran them, so `--jobs 1`, `--jobs N` and `--dask` give
the same report.

What a partition needs besides its paths is a `Job`: the rules, their fixes,
the language, the configuration read from `--config` files and the time
window. It is shipped once to each worker process or Dask worker; the log
files are not shipped: a worker opens them by path, so a cluster's workers
must see the same paths (a shared filesystem), or the input is reported as
not read.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from diagnoser import timeorder
from diagnoser.analysis import Analysis
from diagnoser.config import Configuration
from diagnoser.partial import Partial
from diagnoser.rules import Fix, Rule
from diagnoser.sources import STDIN, InputError, ReadState, read_blocks, size_of
from diagnoser.timeorder import Window

# below this much input in all, `--jobs` left to its default runs in this process:
# starting worker processes costs more than it saves
PARALLEL_MIN_BYTES = 32 << 20

Progress = Callable[[str, bytes], None]
Done = Callable[[str, int, int], None]  # a partition run elsewhere: (input, bytes, lines)


DASK_MISSING = "--dask needs the dask extra: pip install 'diagnoser[dask]'"


class ParallelError(Exception):
    """A worker process or the cluster failed: no report can be made."""


@dataclass(slots=True)
class Job:
    """What every partition's analysis needs, shipped once to each worker."""

    rules: list[Rule]
    fixes: dict[str, Fix]
    lang: str = "en"
    configuration: Configuration = field(default_factory=Configuration)
    window: Window | None = None


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def partitions(paths: list[str]) -> list[list[str]]:
    """The inputs cut into partitions, in the order first named (see the module)."""
    return timeorder.by_instance(paths)


def shippable(group: list[str]) -> bool:
    """Whether another process can open the partition's inputs by name: regular files,
    compressed or not (standard input and FIFOs can be read only once, here)."""
    return all(path != STDIN and timeorder.file_size(path) is not None for path in group)


def run_partition(
    job: Job, group: list[str], only: bool = False, progress: Progress | None = None
) -> Partial:
    """One partition analysed from scratch: its inputs read, merged in time order
    when there are several (or a window), to the end. `only`: the partition is the
    whole run's single input, whose failure is an error rather than a warning."""
    analysis = Analysis(job.rules, job.fixes, job.lang)
    analysis.window = job.window
    analysis.configuration = copy.deepcopy(job.configuration)
    if len(group) == 1 and job.window is None:
        _read_alone(analysis, group[0], only, progress)
    else:
        if not timeorder.instance_of(group[0]):
            analysis.one_timeline(group)
        states = {path: ReadState(path) for path in group}
        for path in group:
            analysis.read_state(states[path])  # the inputs in the order given
        for segment in timeorder.merged(group, states, job.window):
            if segment.outside:
                analysis.left_out(segment.path, segment.outside)
            if segment.data:
                analysis.feed_block(segment.path, segment.data, segment.first)
                if progress is not None:
                    progress(segment.path, segment.data)
        for path in group:
            if only and states[path].failed:
                raise InputError(states[path].problem)
            analysis.end_source(path)
    analysis.finish()
    part = analysis.partial()
    for worker in part.workers:
        worker.history = []  # the report reads none of it: not shipped back
    return part


def _read_alone(analysis: Analysis, path: str, only: bool, progress: Progress | None) -> None:
    """One input that no other shares a timeline with, read block by block."""
    state = ReadState(path)
    try:
        for data, first in read_blocks(path, state):
            analysis.feed_block(path, data, first)
            if progress is not None:
                progress(path, data)
    except InputError as exc:
        if only:
            raise
        # one input of several: the others are still read, and this one reported
        state.failed = True
        state.problem = str(exc)
    analysis.read_state(state)
    analysis.end_source(path)


def run(
    job: Job,
    paths: list[str],
    *,
    jobs: int | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
    done: Done | None = None,
) -> Iterator[Partial]:
    """Every partition's partial, in partition order, each as soon as it and those
    before it are done (so that the caller can merge them one at a time).

    `jobs`: worker processes (None: the cores, when the input is large enough to
    gain from them); `dask`: a scheduler address, or "local" for a LocalCluster
    of `jobs` workers. Partitions that cannot be shipped (standard input, a FIFO)
    run in this process either way.
    """
    groups = partitions(paths)
    only = len(paths) == 1
    if dask is not None:
        yield from _run_dask(job, groups, dask, jobs or default_jobs(), progress, done)
        return
    workers = jobs
    if workers is None:
        total = sum(timeorder.file_size(path) or 0 for group in groups for path in group)
        workers = default_jobs() if total >= PARALLEL_MIN_BYTES else 1
    away = [index for index, group in enumerate(groups) if shippable(group)]
    if workers <= 1 or len(away) <= 1:
        for group in groups:
            yield run_partition(job, group, only, progress)
        return
    yield from _run_processes(job, groups, set(away), min(workers, len(away)), progress, done)


# -- processes on this machine -------------------------------------------------------------

_JOB: Job | None = None  # the job, in a worker process


def _start_worker(job: Job, parent: int) -> None:
    """A worker process's start: the job kept for its tasks, and a watch on the main
    process (`parent`), so that a worker left behind when the main process is gone
    (Ctrl-C while the pool started) ends instead of waiting for tasks forever."""
    global _JOB
    _JOB = job

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, as another user

    threading.Thread(target=watch, name="diagnoser-parent-watch", daemon=True).start()


def _worker_task(group: list[str]) -> Partial:
    assert _JOB is not None, "worker process started without its job"
    return run_partition(_JOB, group)


def _context() -> multiprocessing.context.BaseContext:
    """Fresh processes from a server forked early (no threads, no open files of ours)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["diagnoser.parallel"])
        return context
    return multiprocessing.get_context("spawn")


@contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    """Processes (and threads) started inside this block never get SIGINT: Ctrl-C at a
    terminal goes to the whole process group, and only the main process should act
    on it, by stopping the others. SIGINT is blocked meanwhile, not ignored: a
    blocked signal stays blocked across fork and exec, and one that comes to the
    main process inside the block is delivered when it ends, not lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run_processes(
    job: Job,
    groups: list[list[str]],
    away: set[int],
    workers: int,
    progress: Progress | None,
    done: Done | None,
) -> Iterator[Partial]:
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(job, os.getpid()),
    )
    finished = False
    try:
        with _children_ignore_sigint():  # the fork server and the workers start here
            futures: dict[int, Future[Partial]] = {
                index: executor.submit(_worker_task, groups[index]) for index in sorted(away)
            }
        if done is not None:
            for index, future in futures.items():
                future.add_done_callback(_reporter(done, groups[index]))
        for index, group in enumerate(groups):
            if index in futures:
                yield futures.pop(index).result()
            else:  # read here (standard input, a FIFO) while the workers go on
                yield run_partition(job, group, False, progress)
        finished = True
    except (BrokenProcessPool, OSError) as exc:
        raise ParallelError(f"a worker process failed ({exc}); try --jobs 1") from None
    finally:
        if not finished:  # interrupted, or failed: the workers' partitions are not wanted
            for process in list(getattr(executor, "_processes", {}).values()):
                process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)


def _reporter(done: Done, group: list[str]) -> Callable[[Future[Partial]], None]:
    def report(future: Future[Partial]) -> None:
        if not future.cancelled() and future.exception() is None:
            _report_done(done, group, future.result())

    return report


def _report_done(done: Done, group: list[str], part: Partial) -> None:
    """Tell `done` of each input of a partition read elsewhere: its size, its lines."""
    for path in group:
        counts = part.counts.get(path)
        done(path, size_of(path) or 0, counts.read if counts else 0)


# -- a Dask cluster --------------------------------------------------------------------------


def dask_available() -> bool:
    return importlib.util.find_spec("distributed") is not None


def _dask_task(job: Job, group: list[str]) -> Partial:
    return run_partition(job, group)


def _run_dask(
    job: Job,
    groups: list[list[str]],
    address: str,
    workers: int,
    progress: Progress | None,
    done: Done | None,
) -> Iterator[Partial]:
    try:
        # typed as Any: the extra is optional, and its API is untyped. Imported with
        # SIGINT blocked: the threads it starts (its event loop, its offload pool)
        # then never take Ctrl-C, nor do the processes they spawn.
        with _children_ignore_sigint():
            distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise ParallelError(DASK_MISSING) from None
    cluster: Any = None
    try:
        if address == "local":
            with _children_ignore_sigint():  # Ctrl-C is the main process's to handle
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",  # loopback, any free port
                )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(address, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise ParallelError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    finished = False
    try:
        yield from _on_cluster(client, job, groups, progress, done)
        finished = True
    finally:
        if not finished:
            # stopped early (Ctrl-C): the cluster's complaints about lost tasks and
            # workers are not news, the one-line message says it all
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
        client.close()
        if cluster is not None:
            cluster.close()


def _on_cluster(
    client: Any,
    job: Job,
    groups: list[list[str]],
    progress: Progress | None,
    done: Done | None,
) -> Iterator[Partial]:
    [shipped] = client.scatter([job], broadcast=True)  # the rules: once to each worker
    futures = {
        index: client.submit(_dask_task, shipped, group, pure=False)
        for index, group in enumerate(groups)
        if shippable(group)
    }
    for index, group in enumerate(groups):
        if index not in futures:  # read here (standard input, a FIFO) meanwhile
            yield run_partition(job, group, False, progress)
            continue
        try:
            part: Partial = futures.pop(index).result()
        except InputError:
            raise
        except Exception as exc:  # a worker's failure, as Dask re-raises it
            raise ParallelError(f"a Dask task failed: {type(exc).__name__}: {exc}") from None
        if done is not None:
            _report_done(done, group, part)
        yield part

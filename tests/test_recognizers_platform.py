"""Companion lines (kernel, platforms, proxy, database, supervisors) through `match_companion`.

The lines are copied character for character from
`../shared/reference/platform-log-formats.md` (the case id starts with its
section, e.g. `3.2`), from the Gunicorn catalogue §8 (`cat8.x`) and from the
real corpus (`corpusNNN`), with the wrapper the source shows kept or cut as the
id says. A reference elision such as `…` is kept as written. Where a section
gives only a template or a fragment, the line is built from it and the id says
`constructed` (or `completed`); `brief-…` lines are the ones the task statement
quotes for §8 wordings the catalogue does not show.
Every case asserts the kind, the pid and the complete field set.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from diagnoser.events import Kind
from diagnoser.recognizers.platform import Companion, match_companion

FieldValue = str | int | float


@dataclass(frozen=True)
class Case:
    line: str
    kind: Kind
    pid: int | None
    fields: dict[str, FieldValue]


def case(
    case_id: str,
    line: str,
    kind: Kind,
    pid: int | None = None,
    fields: dict[str, FieldValue] | None = None,
) -> object:
    return pytest.param(Case(line, kind, pid, fields or {}), id=case_id)


def check(c: Case) -> None:
    found = match_companion(c.line)
    assert found is not None, c.line
    assert isinstance(found, Companion)
    assert (found.kind, found.pid) == (c.kind, c.pid), c.line
    assert found.fields == c.fields, c.line


# -- §4.1 kernel OOM killer ---------------------------------------------------------------

KERNEL = [
    case(
        "4.1-le4.18-memcg-kill-process",
        "[ 5662.970129] Memory cgroup out of memory: Kill process 13119 (java) score 986 or sacrifice child",
        Kind.KERNEL_OOM,
        13119,
        {"process": "java", "scope": "cgroup", "stage": "selected", "score": 986},
    ),
    case(
        "4.1-le4.18-killed-process",
        "[ 5662.970139] Killed process 13119 (java) total-vm:3725396kB, anon-rss:201312kB, file-rss:0kB, shmem-rss:0kB",
        Kind.KERNEL_OOM,
        13119,
        {"process": "java", "stage": "killed", "total_vm_kb": 3725396, "anon_rss_kb": 201312},
    ),
    case(
        "4.1-le4.18-killed-process-dmesg-stripped",
        "Killed process 13119 (java) total-vm:3725396kB, anon-rss:201312kB, file-rss:0kB, shmem-rss:0kB",
        Kind.KERNEL_OOM,
        13119,
        {"process": "java", "stage": "killed", "total_vm_kb": 3725396, "anon_rss_kb": 201312},
    ),
    case(
        "4.1-rhel6-killed-process-uid",
        "Killed process 50398, UID 697, (java) total-vm:16345624kB, anon-rss:7822592kB, file-rss:1852kB",
        Kind.KERNEL_OOM,
        50398,
        {
            "process": "java",
            "stage": "killed",
            "total_vm_kb": 16345624,
            "anon_rss_kb": 7822592,
            "uid": 697,
        },
    ),
    case(
        "4.1-4.19-oom-kill-summary-memcg",
        "[337533.314408] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),oom_memcg=/leaker,task_memcg=/leaker,task=leaker,pid=23793,uid=0",
        Kind.KERNEL_OOM,
        23793,
        {
            "process": "leaker",
            "scope": "cgroup",
            "stage": "summary",
            "uid": 0,
            "memcg": "/leaker",
        },
    ),
    case(
        "4.1-4.19-memcg-killed-process",
        "[337533.314412] Memory cgroup out of memory: Killed process 23793 (leaker) total-vm:2623712kB, anon-rss:506500kB, file-rss:1268kB, shmem-rss:0kB",
        Kind.KERNEL_OOM,
        23793,
        {
            "process": "leaker",
            "scope": "cgroup",
            "stage": "killed",
            "total_vm_kb": 2623712,
            "anon_rss_kb": 506500,
        },
    ),
    case(
        "4.1-4.19-oom-reaper",
        "[337533.418036] oom_reaper: reaped process 23793 (leaker), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
        Kind.KERNEL_OOM,
        23793,
        {"process": "leaker", "stage": "reaped"},
    ),
    case(
        "4.1-5.x-global-killed-uid",
        "Out of memory: Killed process 6439 (tracker-miner-f) total-vm:127921280kB, anon-rss:60906104kB, file-rss:0kB, shmem-rss:4kB, UID:1000 pgtables:249416kB oom_score_adj:0",
        Kind.KERNEL_OOM,
        6439,
        {
            "process": "tracker-miner-f",
            "scope": "global",
            "stage": "killed",
            "total_vm_kb": 127921280,
            "anon_rss_kb": 60906104,
            "uid": 1000,
        },
    ),
    case(
        "4.1-5.x-oom-kill-summary-global-cut",
        "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_m…",
        Kind.KERNEL_OOM,
        None,
        {"scope": "global", "stage": "summary"},
    ),
    case(
        "4.1-5.x-memcg-killed-uid-dmesg",
        "[  142.890123] Memory cgroup out of memory: Killed process 28914 (llama-server) total-vm:2418296kB, anon-rss:2048512kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4832kB oom_score_adj:998",
        Kind.KERNEL_OOM,
        28914,
        {
            "process": "llama-server",
            "scope": "cgroup",
            "stage": "killed",
            "total_vm_kb": 2418296,
            "anon_rss_kb": 2048512,
            "uid": 0,
        },
    ),
    case(
        "4.1-oom-kill-allocating-task-constructed",
        "Out of memory (oom_kill_allocating_task): Kill process 1234 (python3) score 0 or sacrifice child",
        Kind.KERNEL_OOM,
        1234,
        {"process": "python3", "scope": "global", "stage": "selected", "score": 0},
    ),
    case(
        "4.3-oom-kill-prefixed-memcg-killed",
        "oom-kill: Memory cgroup out of memory: Killed process 2771661 (python3)",
        Kind.KERNEL_OOM,
        2771661,
        {"process": "python3", "scope": "cgroup", "stage": "killed"},
    ),
    case(
        "4.2-node-event-oomkilling",
        "Warning OOMKilling Memory cgroup out of memory: Kill process 4481 (stress) score 1994 or sacrifice child",
        Kind.KERNEL_OOM,
        4481,
        {"process": "stress", "scope": "cgroup", "stage": "selected", "score": 1994},
    ),
    case(
        "5.4-fly-kernel-dmesg",
        "[  220.859111] Out of memory: Killed process 656 (hermes)",
        Kind.KERNEL_OOM,
        656,
        {"process": "hermes", "scope": "global", "stage": "killed"},
    ),
    case(
        "cat9.2-gunicorn-faq-memcg-unwrapped-from-markdown",
        "Memory cgroup out of memory: Kill process 24534 (gunicorn) score 1506 or sacrifice child",
        Kind.KERNEL_OOM,
        24534,
        {"process": "gunicorn", "scope": "cgroup", "stage": "selected", "score": 1506},
    ),
    case(
        "corpus101-syslog-kill-process",
        "Mar 22 04:15:18 stg-chef-loom-server kernel: Out of memory: Kill process 31098 (gunicorn) score 156 or sacrifice child",
        Kind.KERNEL_OOM,
        31098,
        {"process": "gunicorn", "scope": "global", "stage": "selected", "score": 156},
    ),
    case(
        "corpus101-syslog-killed-process",
        "Mar 22 04:15:18 stg-chef-loom-server kernel: Killed process 31098 (gunicorn) total-vm:2538792kB, anon-rss:2380356kB, file-rss:0kB, shmem-rss:0kB",
        Kind.KERNEL_OOM,
        31098,
        {"process": "gunicorn", "stage": "killed", "total_vm_kb": 2538792, "anon_rss_kb": 2380356},
    ),
    case(
        "corpus103-syslog-dmesg-kill-process",
        "Dec 19 03:29:30 ip-10-0-0-236 kernel: [11571472.650005] Out of memory: Kill process 25456 (python) score 334 or sacrifice child",
        Kind.KERNEL_OOM,
        25456,
        {"process": "python", "scope": "global", "stage": "selected", "score": 334},
    ),
    case(
        "corpus103-syslog-dmesg-killed-process-no-shmem",
        "Dec 19 03:29:30 ip-10-0-0-236 kernel: [11571472.650018] Killed process 25456 (python) total-vm:1088968kB, anon-rss:865208kB, file-rss:0kB",
        Kind.KERNEL_OOM,
        25456,
        {"process": "python", "stage": "killed", "total_vm_kb": 1088968, "anon_rss_kb": 865208},
    ),
    # The trigger line: §4.1 gives its template only.
    case(
        "4.1-invoked-oom-killer-constructed",
        "python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
        Kind.OOM_INVOKED,
        None,
        {"process": "python3", "order": 0, "oom_score_adj": 0},
    ),
    case(
        "4.1-invoked-oom-killer-nodemask-journalctl-constructed",
        "Jan 15 10:23:45 host kernel: gunicorn invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), nodemask=(null), order=0, oom_score_adj=0",
        Kind.OOM_INVOKED,
        None,
        {"process": "gunicorn", "order": 0, "oom_score_adj": 0},
    ),
    case(
        "4.1-invoked-oom-killer-comm-with-space-dmesg-constructed",
        "[  142.890100] Web Content invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
        Kind.OOM_INVOKED,
        None,
        {"process": "Web Content", "order": 0, "oom_score_adj": 0},
    ),
    # systemd unit lines that accompany an OOM kill (§4.1; journald prefix kept).
    case(
        "4.1-systemd-process-killed-by-oom-killer",
        "Sep 23 14:09:18 ip-172-31-16-253 systemd[1]: erigon.service: A process of this unit has been killed by the OOM killer.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "systemd", "unit": "erigon.service"},
    ),
    case(
        "4.1-systemd-main-process-killed",
        "Sep 23 14:09:19 ip-172-31-16-253 systemd[1]: erigon.service: Main process exited, code=killed, status=9/KILL",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "systemd", "unit": "erigon.service", "signal": "SIGKILL", "status": 137},
    ),
    case(
        "4.1-systemd-failed-with-result-oom-kill",
        "Sep 23 14:09:19 ip-172-31-16-253 systemd[1]: erigon.service: Failed with result 'oom-kill'.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "systemd", "unit": "erigon.service", "failed": 1},
    ),
    case(
        "4.1-systemd-failed-with-result-oom-kill-unwrapped",
        "erigon.service: Failed with result 'oom-kill'.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "systemd", "unit": "erigon.service", "failed": 1},
    ),
    case(
        "6-journalctl-main-process-killed",
        "Oct 11 14:32:15 server systemd[1]: shadow-monitor.service: Main process exited, code=killed, status=9/KILL",
        Kind.PROCESS_EXIT,
        None,
        {
            "platform": "systemd",
            "unit": "shadow-monitor.service",
            "signal": "SIGKILL",
            "status": 137,
        },
    ),
]


# -- §4.2 Kubernetes, §4.3 Docker, §5.3 Cloud Run, §5.4 Fly ----------------------------------

CONTAINERS = [
    case(
        "4.2-kubectl-describe-reason-oomkilled",
        "      Reason:       OOMKilled",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "kubernetes"},
    ),
    case(
        "4.2-kubectl-describe-exit-code",
        "      Exit Code:    137",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "kubernetes", "status": 137},
    ),
    case(
        "4.2-kubectl-get-pods-status-oomkilled-constructed",
        "web-6d4cf56db6-x7k2p   0/1     OOMKilled   3 (45s ago)   5m",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "kubernetes", "pod": "web-6d4cf56db6-x7k2p"},
    ),
    case(
        "4.3-docker-inspect-oomkilled-true",
        '{"Status":"exited","Running":false,…,"OOMKilled":true,"Dead":false,"Pid":0,"ExitCode":137,"Error":"",…}',
        Kind.PLATFORM_OOM,
        None,
        {"platform": "docker", "status": 137},
    ),
    case(
        "4.3-docker-ps-exited",
        "Exited (137) About a minute ago",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "docker", "status": 137},
    ),
    case(
        "5.3-cloud-run-memory-limit-exceeded",
        "Memory limit of 3072 MiB exceeded with 3211 MiB used.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "cloud_run", "limit_mb": 3072, "used_mb": 3211},
    ),
    case(
        "5.3-cloud-run-container-ran-out-of-memory",
        "The user-provided container ran out of memory.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "cloud_run"},
    ),
    case(
        "5.4-fly-main-child-exited-137",
        "INFO Main child exited normally with code: 137",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "fly", "status": 137},
    ),
    case(
        "5.4-fly-main-child-exited-0-wrapped",
        "2026-05-31T03:10:45Z app[8e40d3b769e2d8] dfw [info] INFO Main child exited normally with code: 0",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "fly", "status": 0},
    ),
    case(
        "5.4-fly-oom-killed",
        "INFO Process appears to have been OOM killed!",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "fly"},
    ),
    case(
        "5.4-fly-max-restart-count",
        "runner[<id>] <region> [info] machine has reached its max restart count of 10",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "fly", "reason": "max_restart_count", "count": 10},
    ),
]


# -- §2.1-2.3 Render -----------------------------------------------------------------------------

RENDER = [
    case(
        "2.1-exited-with-status",
        "==> Exited with status 137",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "render", "status": 137},
    ),
    case(
        "2.1-application-exited-with-code-tutorial",
        "==> Application exited with code 1",
        Kind.PROCESS_EXIT,
        None,
        {"platform": "render", "status": 1},
    ),
    case(
        "2.1-application-exited-early",
        "==> Application exited early",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "exited_early"},
    ),
    case(
        "2.1-timed-out",
        "==> Timed Out",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "timed_out"},
    ),
    case(
        "2.1-port-scan-timeout",
        "==> Port scan timeout reached, no open ports detected. Bind your service to at least one port. If you don't need to receive traffic on any port, create a background worker instead.",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "port_scan_timeout"},
    ),
    case(
        "2.1-port-scan-timeout-older-variant-completed",
        "==> Port scan timeout reached, no open HTTP ports detected. If you don't need to receive public HTTP traffic, create a private service instead.",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "port_scan_timeout"},
    ),
    case(
        "2.1-no-open-ports",
        "==> No open ports detected, continuing to scan...",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "no_open_ports"},
    ),
    case(
        "2.1-no-open-ports-wrapped",
        "2026-05-20T18:20:08.605523196Z ==> No open ports detected, continuing to scan...",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "no_open_ports"},
    ),
    case(
        "2.1-deploy-failed-tutorial",
        "==> Deploy failed",
        Kind.PLATFORM_ERROR,
        None,
        {"platform": "render", "reason": "deploy_failed"},
    ),
    case(
        "2.1-deploying",
        "==> Deploying...",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "deploying"},
    ),
    case(
        "1.3-render-cli-text-deploying",
        "2026-06-29 08:55:57  ==> Deploying...",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "deploying"},
    ),
    case(
        "2.1-build-successful",
        "==> Build successful 🎉",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "build_successful"},
    ),
    case(
        "2.1-running-start-command",
        "==> Running 'gunicorn app:app'",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "running", "command": "gunicorn app:app"},
    ),
    case(
        "2.1-running-start-command-uvicorn",
        "==> Running 'uvicorn app.main:app --host 0.0.0.0 --port $PORT'",
        Kind.DEPLOY,
        None,
        {
            "platform": "render",
            "step": "running",
            "command": "uvicorn app.main:app --host 0.0.0.0 --port $PORT",
        },
    ),
    case(
        "2.1-running-start-command-wrapped",
        "2026-05-20T18:19:23.223937986Z ==> Running 'bash thunder.sh'",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "running", "command": "bash thunder.sh"},
    ),
    case(
        "2.1-running-build-command",
        "==> Running build command 'yarn'...",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "build_command", "command": "yarn"},
    ),
    case(
        "2.1-service-live",
        "==> Your service is live 🎉",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "live"},
    ),
    case(
        "2.1-site-live",
        "==> Your site is live 🎉",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "live"},
    ),
    case(
        "2.1-web-concurrency",
        "==> Setting WEB_CONCURRENCY=1 by default, based on available CPUs in the instance",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "web_concurrency", "workers": 1},
    ),
    case(
        "2.1-detected-port",
        "==> Detected service running on port 10000",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "port_detected", "port": 10000},
    ),
    case(
        "2.1-detected-port-additional-constructed",
        "==> Detected service running on port 10000 with additional ports HTTP:5055",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "port_detected", "port": 10000},
    ),
    case(
        "2.1-cloning",
        "==> Cloning from https://github.com/<owner>/<repo>",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "cloning", "repo": "https://github.com/<owner>/<repo>"},
    ),
    case(
        "2.1-checkout",
        "==> Checking out commit <sha> in branch <branch>",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "checkout", "commit": "<sha>", "branch": "<branch>"},
    ),
    case(
        "2.1-using-node-version",
        "==> Using Node.js version 22.16.0 (default)",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "runtime", "runtime": "Node.js", "version": "22.16.0"},
    ),
    case(
        "2.1-uploading",
        "==> Uploading build...",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "uploading"},
    ),
    case(
        "2.1-uploaded",
        "==> Uploaded in 4.6s. Compression took 2.8s",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "uploaded"},
    ),
    case(
        "2.1-build-uploaded-older",
        "==> Build uploaded in 7s",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "uploaded"},
    ),
    case(
        "2.1-available-at",
        "==> Available at your primary URL https://<name>.onrender.com",
        Kind.DEPLOY,
        None,
        {"platform": "render", "step": "available", "url": "https://<name>.onrender.com"},
    ),
    case(
        "2.2-request-log",
        'clientIP="35.247.111.159" requestID="764a5527-1bea-439b" responseTimeMS=16 responseBytes=2253 userAgent="Go-http-client/2.0"',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": "render",
            "duration_ms": 16,
            "bytes": 2253,
            "client": "35.247.111.159",
            "request_id": "764a5527-1bea-439b",
        },
    ),
    case(
        "2.2-request-log-wrapped",
        '2025-08-19T14:38:25Z clientIP="187.115.194.5" requestID="e031899b-9c98-4378" responseTimeMS=5557 responseBytes=1217 userAgent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36"',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": "render",
            "duration_ms": 5557,
            "bytes": 1217,
            "client": "187.115.194.5",
            "request_id": "e031899b-9c98-4378",
        },
    ),
    case(
        "1.3-request-log-cli-text",
        '2025-08-19 14:38:17  clientIP="187.115.194.5" requestID="a2dc5e65-961b-466a" responseTimeMS=2147 responseBytes=1217 userAgent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) ..."',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": "render",
            "duration_ms": 2147,
            "bytes": 1217,
            "client": "187.115.194.5",
            "request_id": "a2dc5e65-961b-466a",
        },
    ),
    case(
        "2.3-instance-failed-with-instance",
        "Instance failed: ntn6c — Ran out of memory (used over 512MB)",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "render", "limit_mb": 512, "instance": "ntn6c"},
    ),
    case(
        "2.3-instance-failed",
        "Instance failed: Ran out of memory (used over 512MB)",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "render", "limit_mb": 512},
    ),
    case(
        "2.3-while-running-your-code",
        "Ran out of memory (used over 512MB) while running your code.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "render", "limit_mb": 512},
    ),
    case(
        "2.3-while-running-your-code-2gb",
        "Ran out of memory (used over 2GB) while running your code.",
        Kind.PLATFORM_OOM,
        None,
        {"platform": "render", "limit_mb": 2048},
    ),
]


# -- §3.2-3.4 Heroku --------------------------------------------------------------------------------

H = "heroku"
HEROKU = [
    case(
        "3.2-h12-doc-example",
        '2010-10-06T21:51:37-07:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=6ms service=30001ms status=503 bytes=0',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H12",
            "desc": "Request timeout",
            "method": "GET",
            "path": "/",
            "host": "myapp.herokuapp.com",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 30001,
        },
    ),
    case(
        "3.2-h13-doc-example",
        'at=error code=H13 desc="Connection closed without response" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=3030ms service=9767ms status=503 bytes=0',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H13",
            "desc": "Connection closed without response",
            "method": "GET",
            "path": "/",
            "host": "myapp.herokuapp.com",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 9767,
        },
    ),
    case(
        "3.2-h13-real-router2",
        '2025-08-10T04:06:13.637050+00:00 heroku[router]: at=error code=H13 desc="Connection closed without response" method=GET path="/api/concordance" host=www.123-bibel.de request_id=5c594461-… fwd="61.8.139.252" dyno=web.1 connect=0ms service=24183ms status=503 bytes=567 protocol=http2.0 tls=true tls_version=tls1.3',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H13",
            "desc": "Connection closed without response",
            "method": "GET",
            "path": "/api/concordance",
            "host": "www.123-bibel.de",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 24183,
        },
    ),
    case(
        "3.2-h18-sock-backend",
        'sock=backend at=error code=H18 desc="Server Request Interrupted" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno=web.1 connect=1ms service=1ms status=503 bytes=0',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H18",
            "desc": "Server Request Interrupted",
            "method": "GET",
            "path": "/",
            "host": "myapp.herokuapp.com",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 1,
        },
    ),
    case(
        "3.2-h27-sock-client",
        'sock=client at=warning code=H27 desc="Client Request Interrupted" method=POST path="/submit/" … service=0ms status=499 bytes=0',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "warning",
            "code": "H27",
            "desc": "Client Request Interrupted",
            "method": "POST",
            "path": "/submit/",
            "status": 499,
            "duration_ms": 0,
        },
    ),
    case(
        "3.2-h28",
        'at=warning code=H28 desc="Client Connection Idle" method=GET path="/" … service=55449ms status=499 bytes=18',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "warning",
            "code": "H28",
            "desc": "Client Connection Idle",
            "method": "GET",
            "path": "/",
            "status": 499,
            "duration_ms": 55449,
        },
    ),
    case(
        "3.2-h15",
        'code=H15 desc="Idle connection" … service=55449ms status=503',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "code": "H15",
            "desc": "Idle connection",
            "status": 503,
            "duration_ms": 55449,
        },
    ),
    case(
        "3.2-h10-empty-values",
        'at=error code=H10 desc="App crashed" method=GET path="/" host=… fwd=… dyno= connect= service= status=503 bytes=',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H10",
            "desc": "App crashed",
            "method": "GET",
            "path": "/",
            "host": "…",
            "status": 503,
        },
    ),
    case(
        "3.2-h20",
        'code=H20 desc="App boot timeout" … status=503',
        Kind.REQUEST_LOG,
        None,
        {"platform": H, "code": "H20", "desc": "App boot timeout", "status": 503},
    ),
    case(
        "3.2-at-info-constructed",
        'at=info method=GET path="/healthz" host=myapp.herokuapp.com request_id=0b1c fwd="17.17.17.17" dyno=web.2 connect=0ms service=12ms status=200 bytes=345 protocol=https',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "info",
            "method": "GET",
            "path": "/healthz",
            "host": "myapp.herokuapp.com",
            "dyno": "web.2",
            "status": 200,
            "duration_ms": 12,
        },
    ),
    case(
        "3.4-drain-h13",
        '396 <158>1 2015-05-12T18:27:15.834333+00:00 host heroku router - at=error code=H13 desc="Connection closed without response" method=GET path="/2bbb…" host=ephemeralp2p.durazo.us request_id=a84a62c8-… fwd="128.119.40.196" dyno=web.1 connect=1ms service=10512ms status=503 bytes=0',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H13",
            "desc": "Connection closed without response",
            "method": "GET",
            "path": "/2bbb…",
            "host": "ephemeralp2p.durazo.us",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 10512,
        },
    ),
    case(
        "corpus111-h12-modern",
        '2019-06-13T19:40:36.454315+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/admin/profiles/userprofile/" host=network-pulse-api-stagi-pr-505.herokuapp.com request_id=444feeaa-6bc7-4abb-8af9-81fb1635684a fwd="63.245.212.200" dyno=web.1 connect=1ms service=30000ms status=503 bytes=0 protocol=https',
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "level": "error",
            "code": "H12",
            "desc": "Request timeout",
            "method": "GET",
            "path": "/admin/profiles/userprofile/",
            "host": "network-pulse-api-stagi-pr-505.herokuapp.com",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 30000,
        },
    ),
    case(
        "corpus110-h12-2012-form",
        "2012-07-13T19:59:27+00:00 heroku[router]: Error H12 (Request timeout) -> GET quiet-wind-6510.herokuapp.com/admin/core/pilegroup/1/ dyno=web.1 queue= wait= service=30000ms status=503 bytes=0",
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "code": "H12",
            "desc": "Request timeout",
            "method": "GET",
            "host": "quiet-wind-6510.herokuapp.com",
            "path": "/admin/core/pilegroup/1/",
            "dyno": "web.1",
            "status": 503,
            "duration_ms": 30000,
        },
    ),
    case(
        "corpus110-plain-2012-form",
        "2012-07-13T19:54:36+00:00 heroku[router]: GET quiet-wind-6510.herokuapp.com/favicon.ico/ dyno=web.1 queue=0 wait=0ms service=111ms status=404 bytes=1736",
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "method": "GET",
            "host": "quiet-wind-6510.herokuapp.com",
            "path": "/favicon.ico/",
            "dyno": "web.1",
            "status": 404,
            "duration_ms": 111,
        },
    ),
    case(
        "corpus110-plain-2012-form-unwrapped",
        "GET quiet-wind-6510.herokuapp.com/favicon.ico/ dyno=web.1 queue=0 wait=0ms service=273ms status=404 bytes=1736",
        Kind.REQUEST_LOG,
        None,
        {
            "platform": H,
            "method": "GET",
            "host": "quiet-wind-6510.herokuapp.com",
            "path": "/favicon.ico/",
            "dyno": "web.1",
            "status": 404,
            "duration_ms": 273,
        },
    ),
    case(
        "3.3-mem-mb-r14",
        "2011-05-03T17:40:10+00:00 heroku[worker.1]: Process running mem=1028MB(103.3%)",
        Kind.MEMORY_SAMPLE,
        None,
        {"platform": H, "mem_mb": 1028.0, "percent": 103.3},
    ),
    case(
        "3.3-r14",
        "2011-05-03T17:40:11+00:00 heroku[worker.1]: Error R14 (Memory quota exceeded)",
        Kind.MEMORY_PRESSURE,
        None,
        {"platform": H, "code": "R14", "desc": "Memory quota exceeded"},
    ),
    case(
        "3.3-mem-mb-r15",
        "Process running mem=1029MB(201.0%)",
        Kind.MEMORY_SAMPLE,
        None,
        {"platform": H, "mem_mb": 1029.0, "percent": 201.0},
    ),
    case(
        "3.3-r15",
        "Error R15 (Memory quota vastly exceeded)",
        Kind.MEMORY_KILL,
        None,
        {"platform": H, "code": "R15", "desc": "Memory quota vastly exceeded"},
    ),
    case(
        "3.3-stopping-process-sigkill",
        "2011-05-03T17:40:11+00:00 heroku[worker.1]: Stopping process with SIGKILL",
        Kind.PLATFORM_KILL,
        None,
        {"platform": H, "signal": "SIGKILL"},
    ),
    case(
        "3.3-process-exited-2011",
        "2011-05-03T17:40:12+00:00 heroku[worker.1]: Process exited",
        Kind.PROCESS_EXIT,
        None,
        {"platform": H},
    ),
    case(
        "3.3-mem-m-modern",
        "2022-11-23T12:41:49.556352+00:00 heroku[web.1]: Process running mem=1025M(200.2%)",
        Kind.MEMORY_SAMPLE,
        None,
        {"platform": H, "mem_mb": 1025.0, "percent": 200.2},
    ),
    case(
        "3.3-process-exited-137",
        "Process exited with status 137",
        Kind.PROCESS_EXIT,
        None,
        {"platform": H, "status": 137},
    ),
    case(
        "6-heroku-cli-process-exited-1",
        "2019-02-06T05:22:53.146914+00:00 heroku[web.1]: Process exited with status 1",
        Kind.PROCESS_EXIT,
        None,
        {"platform": H, "status": 1},
    ),
    case(
        "3.3-state-starting-to-crashed",
        "2015-12-01T18:55:18.475966+00:00 heroku[web.1]: State changed from starting to crashed",
        Kind.PLATFORM_CRASHED,
        None,
        {"platform": H, "from": "starting"},
    ),
    case(
        "3.3-state-up-to-crashed",
        "State changed from up to crashed",
        Kind.PLATFORM_CRASHED,
        None,
        {"platform": H, "from": "up"},
    ),
    case(
        "3.3-r10-boot-timeout",
        "2014-08-09T16:13:42.501515+00:00 heroku[web.1]: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch",
        Kind.PLATFORM_ERROR,
        None,
        {
            "platform": H,
            "code": "R10",
            "desc": "Boot timeout",
            "reason": "boot_timeout",
            "detail": "Web process failed to bind to $PORT within 60 seconds of launch",
        },
    ),
    case(
        "3.3-r12-exit-timeout",
        "Error R12 (Exit timeout) -> At least one process failed to exit within 30 seconds of SIGTERM",
        Kind.PLATFORM_ERROR,
        None,
        {
            "platform": H,
            "code": "R12",
            "desc": "Exit timeout",
            "reason": "exit_timeout",
            "detail": "At least one process failed to exit within 30 seconds of SIGTERM",
        },
    ),
    case(
        "3.3-stopping-remaining-processes-sigkill",
        "2021-11-27T09:41:07.518219+00:00 heroku[web.1]: Stopping remaining processes with SIGKILL",
        Kind.PLATFORM_KILL,
        None,
        {"platform": H, "signal": "SIGKILL", "remaining": 1},
    ),
    case(
        "3.3-runtime-metrics-memory",
        "heroku[web.1]: source=web.1 dyno=heroku.<n>.<uuid> sample#memory_total=491.32MB sample#memory_rss=491.20MB sample#memory_cache=0.12MB sample#memory_swap=0.00MB … sample#memory_quota=512.00MB",
        Kind.MEMORY_SAMPLE,
        None,
        {
            "platform": H,
            "mem_mb": 491.32,
            "quota_mb": 512.0,
            "percent": 96.0,
            "swap_mb": 0.0,
            "dyno": "web.1",
        },
    ),
    case(
        "corpus104-papertrail-r14",
        " Oct 16 08:37:11 live-opentech-fund heroku/web.1: Error R14 (Memory quota exceeded)",
        Kind.MEMORY_PRESSURE,
        None,
        {"platform": H, "code": "R14", "desc": "Memory quota exceeded"},
    ),
    case(
        "corpus106-mem-m",
        "2021-11-28T04:27:50.211536+00:00 heroku[web.1]: Process running mem=1279M(250.0%)",
        Kind.MEMORY_SAMPLE,
        None,
        {"platform": H, "mem_mb": 1279.0, "percent": 250.0},
    ),
    case(
        "corpus106-r15",
        "2021-11-28T04:27:50.660719+00:00 heroku[web.1]: Error R15 (Memory quota vastly exceeded)",
        Kind.MEMORY_KILL,
        None,
        {"platform": H, "code": "R15", "desc": "Memory quota vastly exceeded"},
    ),
    case(
        "corpus106-process-exited-137",
        "2021-11-28T04:27:50.898135+00:00 heroku[web.1]: Process exited with status 137",
        Kind.PROCESS_EXIT,
        None,
        {"platform": H, "status": 137},
    ),
    case(
        "corpus106-up-to-crashed",
        "2021-11-28T04:27:50.957641+00:00 heroku[web.1]: State changed from up to crashed",
        Kind.PLATFORM_CRASHED,
        None,
        {"platform": H, "from": "up"},
    ),
]


# -- §5.1 nginx error log ---------------------------------------------------------------------------

NGINX = [
    case(
        "5.1-upstream-timed-out-reading-header",
        '2026/06/23 14:18:42 [error] 3102#3102: *20455 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 203.0.113.42, server: api.example.com, request: "POST /reports/generate HTTP/1.1", upstream: "http://127.0.0.1:8000/reports/generate", host: "api.example.com"',
        Kind.PROXY_ERROR,
        None,
        {
            "proxy": "nginx",
            "error": "timeout",
            "status": 504,
            "level": "error",
            "method": "POST",
            "path": "/reports/generate",
            "upstream": "http://127.0.0.1:8000/reports/generate",
        },
    ),
    case(
        "5.1-upstream-prematurely-closed",
        '2024/02/18 07:57:20 [error] 30#30: *1 upstream prematurely closed connection while reading response header from upstream, client: 172.31.0.1, server: localhost, request: "GET /api/ HTTP/1.1", upstream: "http://172.31.0.2:80/", host: "localhost:8080"',
        Kind.PROXY_ERROR,
        None,
        {
            "proxy": "nginx",
            "error": "closed",
            "status": 502,
            "level": "error",
            "method": "GET",
            "path": "/api/",
            "upstream": "http://172.31.0.2:80/",
        },
    ),
    case(
        "5.1-recv-reset-by-peer-constructed",
        '2024/02/18 07:57:20 [error] 30#30: *7 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 172.31.0.1, server: localhost, request: "GET /api/ HTTP/1.1", upstream: "http://172.31.0.2:80/", host: "localhost:8080"',
        Kind.PROXY_ERROR,
        None,
        {
            "proxy": "nginx",
            "error": "reset",
            "status": 502,
            "level": "error",
            "method": "GET",
            "path": "/api/",
            "upstream": "http://172.31.0.2:80/",
        },
    ),
    case(
        "5.1-connect-refused-constructed",
        '2024/02/18 07:57:20 [error] 30#30: *8 connect() failed (111: Connection refused) while connecting to upstream, client: 172.31.0.1, server: localhost, request: "GET /api/ HTTP/1.1", upstream: "http://172.31.0.2:80/", host: "localhost:8080"',
        Kind.PROXY_ERROR,
        None,
        {
            "proxy": "nginx",
            "error": "refused",
            "status": 502,
            "level": "error",
            "method": "GET",
            "path": "/api/",
            "upstream": "http://172.31.0.2:80/",
        },
    ),
    case(
        "5.1-timed-out-connecting-constructed",
        '2026/06/23 14:18:42 [error] 3102#3102: *20456 upstream timed out (110: Connection timed out) while connecting to upstream, client: 203.0.113.42, server: api.example.com, request: "GET /health HTTP/1.1", upstream: "http://127.0.0.1:8000/health", host: "api.example.com"',
        Kind.PROXY_ERROR,
        None,
        {
            "proxy": "nginx",
            "error": "connect_timeout",
            "status": 504,
            "level": "error",
            "method": "GET",
            "path": "/health",
            "upstream": "http://127.0.0.1:8000/health",
        },
    ),
    case(
        "5.1-no-live-upstreams-constructed",
        '2026/06/23 14:18:43 [error] 3102#3102: *20457 no live upstreams while connecting to upstream, client: 203.0.113.42, server: api.example.com, request: "GET / HTTP/1.1", upstream: "http://backend/", host: "api.example.com"',
        Kind.PROXY_ERROR,
        None,
        {
            "proxy": "nginx",
            "error": "no_live_upstreams",
            "status": 502,
            "level": "error",
            "method": "GET",
            "path": "/",
            "upstream": "http://backend/",
        },
    ),
]


# -- catalogue §8: PostgreSQL server log and driver errors ----------------------------------------

DATABASE = [
    case(
        "cat8.3-server-statement-timeout",
        "2025-07-30 14:10:08.259 UTC [4321] ERROR:  canceling statement due to statement timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"level": "ERROR", "backend_pid": 4321, "reason": "statement_timeout"},
    ),
    case(
        "cat8.3-server-statement-line",
        "2025-07-30 14:10:08.259 UTC [4321] STATEMENT:  SELECT pg_sleep(3)",
        Kind.DB_LOG,
        None,
        {
            "level": "STATEMENT",
            "backend_pid": 4321,
            "message": "SELECT pg_sleep(3)",
            "sql": "SELECT pg_sleep(3)",
        },
    ),
    case(
        "cat9.5-server-statement-timeout",
        "2025-07-30 09:53:07.259 UTC [4321] ERROR:  canceling statement due to statement timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"level": "ERROR", "backend_pid": 4321, "reason": "statement_timeout"},
    ),
    case(
        "cat8.3-server-user-request-no-prefix",
        "ERROR:  canceling statement due to user request",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"level": "ERROR", "reason": "user_request"},
    ),
    case(
        "cat8.3-lock-timeout-message",
        "canceling statement due to lock timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"reason": "lock_timeout"},
    ),
    case(
        "cat8.3-idle-in-transaction-message",
        "terminating connection due to idle-in-transaction timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"reason": "idle_in_transaction"},
    ),
    case(
        "rule-example-server-checkpoint-log",
        "2025-07-30 14:10:08.259 UTC [4321] LOG:  checkpoint starting: time",
        Kind.DB_LOG,
        None,
        {"level": "LOG", "backend_pid": 4321, "message": "checkpoint starting: time"},
    ),
    case(
        "brief-duration-statement-with-cat8.3-prefix",
        "2025-07-30 14:10:08.259 UTC [4321] LOG:  duration: 5001.234 ms  statement: SELECT …",
        Kind.SQL_QUERY,
        None,
        {"duration": 5.001234, "sql": "SELECT …", "backend_pid": 4321},
    ),
    case(
        "brief-duration-statement-no-prefix",
        "LOG:  duration: 5001.234 ms  statement: SELECT …",
        Kind.SQL_QUERY,
        None,
        {"duration": 5.001234, "sql": "SELECT …"},
    ),
    case(
        "brief-remaining-connection-slots",
        "FATAL:  remaining connection slots are reserved for …",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"level": "FATAL", "error": "too_many_connections"},
    ),
    case(
        "brief-too-many-clients-with-cat8.3-prefix",
        "2025-07-30 14:10:08.259 UTC [4321] FATAL:  sorry, too many clients already",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"level": "FATAL", "backend_pid": 4321, "error": "too_many_connections"},
    ),
    case(
        "brief-password-authentication-failed",
        "FATAL:  password authentication failed",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"level": "FATAL", "error": "auth_failed"},
    ),
    case(
        "cat8.3-prefix-duration-sql-with-trigger-words-constructed",
        "2025-07-30 14:10:08.259 UTC [4321] LOG:  duration: 12.3 ms  statement: SELECT 1 WHERE note = 'could not connect to server'",
        Kind.SQL_QUERY,
        None,
        {
            "duration": 0.0123,
            "sql": "SELECT 1 WHERE note = 'could not connect to server'",
            "backend_pid": 4321,
        },
    ),
    case(
        "cat8.3-prefix-duration-only-constructed",
        "2025-07-30 14:10:08.259 UTC [4321] LOG:  duration: 0.512 ms",
        Kind.SQL_QUERY,
        None,
        {"duration": 0.000512, "backend_pid": 4321},
    ),
    case(
        "brief-too-many-clients-through-psycopg2-constructed",
        "psycopg2.OperationalError: FATAL:  sorry, too many clients already",
        Kind.DB_CONNECTION_ERROR,
        None,
        {
            "level": "FATAL",
            "exception": "psycopg2.OperationalError",
            "error": "too_many_connections",
        },
    ),
    case(
        "cat9.5-psycopg2-querycanceled",
        "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"exception": "psycopg2.errors.QueryCanceled", "reason": "statement_timeout"},
    ),
    case(
        "cat9.5-psycopg3-querycanceled",
        "psycopg.errors.QueryCanceled: canceling statement due to statement timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"exception": "psycopg.errors.QueryCanceled", "reason": "statement_timeout"},
    ),
    case(
        "cat9.5-django-operationalerror",
        "django.db.utils.OperationalError: canceling statement due to statement timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"exception": "django.db.utils.OperationalError", "reason": "statement_timeout"},
    ),
    case(
        "corpus108-querycanceled",
        "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout",
        Kind.DB_STATEMENT_TIMEOUT,
        None,
        {"exception": "psycopg2.errors.QueryCanceled", "reason": "statement_timeout"},
    ),
    case(
        "brief-psycopg2-could-not-connect",
        "psycopg2.OperationalError: could not connect to server: Connection refused",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"exception": "psycopg2.OperationalError", "error": "refused"},
    ),
    case(
        "brief-libpq-connection-to-server-failed",
        'connection to server at "db" (172.18.0.2), port 5432 failed: Connection refused',
        Kind.DB_CONNECTION_ERROR,
        None,
        {"error": "refused"},
    ),
    case(
        "corpus119-pool-timeout",
        "psycopg_pool.PoolTimeout: couldn't get a connection after 30.00 sec",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"exception": "psycopg_pool.PoolTimeout", "error": "pool_timeout", "wait_s": 30.0},
    ),
    case(
        "brief-sqlalchemy-queuepool",
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"exception": "sqlalchemy.exc.TimeoutError", "error": "pool_timeout"},
    ),
    case(
        "brief-server-closed-connection",
        "server closed the connection unexpectedly",
        Kind.DB_CONNECTION_ERROR,
        None,
        {"error": "closed"},
    ),
]


# -- supervisord (corpus 118) and uvicorn's supervisor (corpus 112, 113) ----------------------------

SUPERVISORS = [
    case(
        "corpus118-supervisord-exited",
        "2020-12-31 08:32:33,439 INFO exited: gunicorn (exit status 1; not expected)",
        Kind.SUPERVISOR_EXIT,
        None,
        {"platform": "supervisord", "program": "gunicorn", "status": 1, "expected": 0},
    ),
    case(
        "corpus118-supervisord-spawned",
        "2020-12-31 08:32:34,441 INFO spawned: 'gunicorn' with pid 90",
        Kind.DEPLOY,
        90,
        {"platform": "supervisord", "step": "spawned", "program": "gunicorn"},
    ),
    case(
        "corpus118-supervisord-success",
        "2020-12-31 08:32:35,576 INFO success: gunicorn entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
        Kind.DEPLOY,
        None,
        {"platform": "supervisord", "step": "entered_running", "program": "gunicorn"},
    ),
    case(
        "corpus112-uvicorn-child-died",
        "INFO:     Child process [8] died",
        Kind.UVICORN_CHILD_DIED,
        8,
    ),
    case(
        "corpus112-uvicorn-child-died-trailing-spaces",
        "INFO:     Child process [814] died  ",
        Kind.UVICORN_CHILD_DIED,
        814,
    ),
    case(
        "corpus113-uvicorn-child-died",
        "INFO:     Child process [1428] died",
        Kind.UVICORN_CHILD_DIED,
        1428,
    ),
]


@pytest.mark.parametrize("c", KERNEL)
def test_kernel(c: Case) -> None:
    check(c)


@pytest.mark.parametrize("c", CONTAINERS)
def test_containers_and_hosts(c: Case) -> None:
    check(c)


@pytest.mark.parametrize("c", RENDER)
def test_render(c: Case) -> None:
    check(c)


@pytest.mark.parametrize("c", HEROKU)
def test_heroku(c: Case) -> None:
    check(c)


@pytest.mark.parametrize("c", NGINX)
def test_nginx_error_log(c: Case) -> None:
    check(c)


@pytest.mark.parametrize("c", DATABASE)
def test_database(c: Case) -> None:
    check(c)


@pytest.mark.parametrize("c", SUPERVISORS)
def test_supervisors(c: Case) -> None:
    check(c)


# -- the wrappers of §4.1 and §6 in front of a kernel line ------------------------------------------

KERNEL_WRAPPERS = [
    pytest.param("", id="none"),
    pytest.param("[  142.890123] ", id="4.1-dmesg"),
    pytest.param("[Mon Jan 15 10:23:45 2024] ", id="4.1-dmesg-T"),
    pytest.param("Sep 29 17:50:31 bfs kernel: [5618442.047786] ", id="4.1-rsyslog"),
    pytest.param("Jan 15 10:23:45 host kernel: ", id="4.1-journalctl-k"),
    pytest.param("2024-01-15T10:23:45+0000 host kernel: ", id="6-journalctl-short-iso"),
]


@pytest.mark.parametrize("prefix", KERNEL_WRAPPERS)
def test_kernel_lines_behind_any_wrapper(prefix: str) -> None:
    killed = match_companion(
        prefix + "Out of memory: Killed process 6439 (tracker-miner-f) total-vm:127921280kB, "
        "anon-rss:60906104kB, file-rss:0kB, shmem-rss:4kB, UID:1000 pgtables:249416kB "
        "oom_score_adj:0"
    )
    assert killed is not None and killed.kind is Kind.KERNEL_OOM and killed.pid == 6439
    assert killed.fields["process"] == "tracker-miner-f"
    assert killed.fields["anon_rss_kb"] == 60906104
    invoked = match_companion(
        prefix
        + "Web Content invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)"
        ", order=0, oom_score_adj=0"
    )
    assert invoked is not None and invoked.kind is Kind.OOM_INVOKED
    assert invoked.fields["process"] == "Web Content"


# -- lines that are not companions ----------------------------------------------------------------------

NOT_COMPANIONS = [
    # ordinary application lines
    pytest.param(
        "2025-07-30 11:10:08,123 - app.views - INFO - Processing order 12345 for user 678",
        id="app-logging-line-constructed",
    ),
    pytest.param(
        "Connected to redis at redis://cache:6379/0", id="app-connected-redis-constructed"
    ),
    pytest.param(
        "2021-11-28T04:27:34.890760+00:00 app[web.1]: 2021-11-28 04:27:34,890 - bot - INFO - https://henilreleases.gq/0:/Weathering.with.You.2019.1080p.BluRay.REMUX.AVC.MULTi.DTS-HD.MA.5.1-HENiL.mkv",
        id="corpus106-app-line",
    ),
    pytest.param(
        "2019-06-13T19:40:38.600793+00:00 app[web.1]: /app/.heroku/python/lib/python3.6/site-packages/environ/environ.py:639: UserWarning: Error reading /app/.env - if you're not configuring your environment separately, check this.",
        id="corpus111-userwarning",
    ),
    pytest.param(
        "gunicorn_1  | 2019-02-01 18:33:56,528 - app - INFO - Entered app", id="corpus122-app-line"
    ),
    pytest.param("程序初始化完成", id="corpus114-non-ascii"),
    pytest.param(
        '140 <190>1 2022-06-13T14:52:23.621815+00:00 host app web.1 - [GIN] 2022/06/13 - 14:52:23 | 200 |    1.428101ms |  181.167.87.140 | GET      "/"',
        id="3.4-drain-app-gin-line",
    ),
    pytest.param("(1.001) SELECT pg_sleep(3); args=[3]; alias=default", id="cat8.1-django-sql"),
    pytest.param("Internal Server Error: /sleep/3", id="cat9.5-django-request"),
    # Gunicorn and uvicorn lines (other recognizers' business)
    pytest.param(
        "[2025-07-30 11:12:11 +0000] [1] [ERROR] Worker (pid:12) was sent SIGKILL! Perhaps out of memory?",
        id="cat9.2-gunicorn-sigkill-perhaps-oom",
    ),
    pytest.param(
        "[2025-07-30 11:10:08 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)",
        id="cat9.1-gunicorn-worker-timeout",
    ),
    pytest.param(
        "[2025-07-30 11:10:08 +0000] [7] [INFO] Worker exiting (pid: 7)",
        id="cat9.1-gunicorn-worker-exiting",
    ),
    pytest.param(
        "2024-02-29 17:29:14 [2024-02-29 11:59:14 +0000] [1] [ERROR] Worker (pid:8) was sent SIGKILL! Perhaps out of memory?",
        id="corpus116-gunicorn-sigkill",
    ),
    pytest.param(
        "[2026-11-28 12:35:08 +0000] [4727] [ERROR] Worker (pid:4728) exited with code 1.",
        id="gunicorn-exit-code",
    ),
    pytest.param(
        "[2020-12-31 08:32:33 +0100] [87] [ERROR] Can't connect to ('localhost', 8000)",
        id="corpus118-gunicorn-cant-connect",
    ),
    pytest.param(
        "[2020-12-31 08:32:31 +0100] [87] [ERROR] Connection in use: ('localhost', 8000)",
        id="corpus118-gunicorn-connection-in-use",
    ),
    pytest.param(
        "[2022-09-27 05:34:00 +0000] [1881] [INFO] Autorestarting worker after current request.",
        id="corpus120-gunicorn-max-requests",
    ),
    pytest.param("INFO:     Started server process [814]", id="corpus112-uvicorn-started"),
    pytest.param("INFO:     Waiting for child process [72]", id="corpus113-uvicorn-waiting"),
    pytest.param(
        "LOG:  checkpoint starting: time",
        id="cat8.3-pg-log-without-pid-prefix",
    ),
    pytest.param(
        "WARNING:  Invalid HTTP request received.",
        id="cat1.3-uvicorn-warning-two-spaces-constructed",
    ),
    # access lines (nginx and Gunicorn), handled by the access-line parser
    pytest.param(
        'nginx_1     | 172.24.0.1 - - [01/Feb/2019:18:34:01 +0000] "GET / HTTP/1.0" 504 167 "-" "ApacheBench/2.3"',
        id="corpus122-nginx-access-504",
    ),
    pytest.param(
        '120.52.92.188 - - [09/Nov/2016:00:59:32 +0800] "GET /hexo HTTP/1.1" 502 575 "-" "Mozilla/5.0 …" "-"',
        id="5.1-nginx-access-502",
    ),
    pytest.param(
        'gunicorn_1  | 172.24.0.2 - - [01/Feb/2019:18:33:59 +0000] "GET / HTTP/1.0" 200 14 "-" "ApacheBench/2.3"',
        id="corpus122-gunicorn-access",
    ),
    # near misses in the platforms' own output
    pytest.param(
        "Mar 22 04:21:48 stg-chef-loom-server kernel: gunicorn[9604]: segfault at 0 ip           (null) sp 00007fff446b17b8 error 14 in python2.7[400000+31e000]",
        id="corpus101-segfault",
    ),
    pytest.param(
        "Dec 19 03:29:30 ip-10-0-0-236 kernel: [11571472.649735] [ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name",
        id="corpus103-process-table-header",
    ),
    pytest.param(
        "Dec 19 03:29:30 ip-10-0-0-236 kernel: [11571472.649994] [25501]     0 25501   106609    66276   0       0             0 gunicorn",
        id="corpus103-process-table-row",
    ),
    pytest.param(
        "[76062.885775] memory: usage 524288kB, limit 524288kB, failcnt 212",
        id="4.1-memcg-usage-context",
    ),
    pytest.param(
        "erigon.service: Consumed … CPU time, 16.0G memory peak, 0B memory swap peak.",
        id="4.1-systemd-consumed-unit-filled-in",
    ),
    pytest.param("Reason: Error", id="4.2-reason-error-not-oom"),
    pytest.param('"OOMKilled":false', id="4.3-docker-oomkilled-false-constructed"),
    pytest.param(
        "2026-05-31T03:10:45Z app[8e40d3b769e2d8] dfw [info][  368.350727] reboot: Restarting system",
        id="5.4-fly-reboot",
    ),
    pytest.param(
        '2026-05-31T03:12:36Z proxy[8e40d3b769e2d8] dfw [error]error.message="machine was recently stopped and is unavailable to service request"',
        id="5.4-fly-proxy-error",
    ),
    pytest.param(
        "==> Docs on specifying a port: https://render.com/docs/web-services#port-binding",
        id="2.1-render-docs-link",
    ),
    pytest.param("==> ///////…", id="2.1-render-banner"),
    pytest.param(
        "2026-03-01 10:00:00 [warn] 3102#3102: *20455 upstream server temporarily disabled while reading response header from upstream",
        id="5.1-nginx-warn-upstream-disabled-constructed",
    ),
    pytest.param(
        "heroku[web.1]: Stopping all processes with SIGTERM", id="3.3-heroku-sigterm-constructed"
    ),
]


@pytest.mark.parametrize("line", NOT_COMPANIONS)
def test_not_a_companion(line: str) -> None:
    assert match_companion(line) is None


def test_companion_is_frozen() -> None:
    found = match_companion("==> Exited with status 137")
    assert found is not None
    with pytest.raises(AttributeError):
        found.pid = 1  # type: ignore[misc]

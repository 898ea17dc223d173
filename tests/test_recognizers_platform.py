"""Companion-line tests that are not a plain line → event case.

The line → event cases are data: `tests/recognizer_cases/*.toml`, run by
`tests/test_recognizer_cases.py`.
"""

from __future__ import annotations

import pytest

from diagnoser.events import Kind
from diagnoser.recognizers.platform import match_companion

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

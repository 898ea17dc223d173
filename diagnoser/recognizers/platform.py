"""Companion lines: what the kernel, the platform, the proxy and the database say
around a Gunicorn worker's timeout or death.

`match_companion` reads one message (the platform wrapper normally removed) and
returns a typed `Companion`, or None. The wordings follow
`platform-log-formats.md` (Render, Heroku, kernel OOM killer, Kubernetes, Docker,
nginx, Cloud Run, Fly) and the Gunicorn catalogue §8 (PostgreSQL), plus the
supervisord and uvicorn supervisor lines of the real corpus.

It runs on every line no Gunicorn template claimed, so each family is guarded by
a cheap substring test and an ordinary application line costs only those tests.
Patterns are searched, not anchored, so a prefix the unwrapping missed (a dmesg
stamp, `host kernel: `, `heroku[web.1]: `) does not hide a line.
"""

from __future__ import annotations

import re

from diagnoser.events import Kind
from diagnoser.recognizers.companion import Companion, Fields
from diagnoser.recognizers.database import match_database
from diagnoser.recognizers.gunicorn import SIGNAL_NAMES

# -- kernel OOM killer (§4.1) ---------------------------------------------------------

# `Out of memory: Kill process N (comm) score S or sacrifice child` (≤4.18),
# `Memory cgroup out of memory: Killed process N (comm) total-vm:…` (4.19+),
# `Out of memory (oom_kill_allocating_task): …`, RHEL6 `Killed process N, UID U, (comm)`
# and the bare `Killed process N (comm) total-vm:…` second line of older kernels.
KERNEL_KILL = re.compile(
    r"(?:(?P<head>Memory cgroup out of memory|Out of memory(?: \([^)]*\))?):\s+)?"
    r"Kill(?P<ed>ed)? process (?P<pid>\d+),? (?:UID (?P<uid>\d+), )?\((?P<comm>.+?)\)"
)
KERNEL_SIZES = re.compile(r"(total-vm|anon-rss):(\d+)kB")
KERNEL_UID = re.compile(r"\bUID:(\d+)")
KERNEL_SCORE = re.compile(r" score (\d+) or sacrifice child")
# 4.19+ summary: `oom-kill:constraint=…,oom_memcg=…,task=comm,pid=N,uid=U`.
OOM_KILL_SUMMARY = re.compile(r"oom-kill:(?P<body>constraint=.*)")
OOM_KILL_FIELD = re.compile(r"(?:^|,)(constraint|oom_memcg|task|pid|uid)=([^,]*)")
OOM_REAPER = re.compile(r"oom_reaper: reaped process (?P<pid>\d+) \((?P<comm>.+?)\)")
# `<comm> invoked oom-killer: gfp_mask=…, [nodemask=…, ]order=0, oom_score_adj=0`.
# comm is at most 15 characters and may hold spaces, so it is read after the
# kernel prefixes are cut; `LOOSE_INVOKED` is the fallback for unknown prefixes.
INVOKED = re.compile(r"(?P<comm>\S.{0,14}?) invoked oom-killer: (?P<rest>.*)")
LOOSE_INVOKED = re.compile(r"(?P<comm>\S+) invoked oom-killer: (?P<rest>.*)")
INVOKED_ORDER = re.compile(r"\border=(-?\d+)")
INVOKED_ADJ = re.compile(r"\boom_score_adj=(-?\d+)")
# What may sit before a kernel message: `host kernel: ` and a dmesg or `dmesg -T` stamp.
KERNEL_PREFIX = re.compile(
    r"(?:.*?\bkernel: )?"
    r"(?:\[\s*\d+\.\d+\] ?|\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?)?"
)

# -- systemd (§4.1), Kubernetes (§4.2), Docker (§4.3), Cloud Run (§5.3), Fly (§5.4) -----

SYSTEMD_OOM = re.compile(
    r"(?P<unit>[^\s:]+): (?:A process of this unit has been killed by the OOM killer\."
    r"|(?P<failed>Failed with result 'oom-kill'\.))"
)
SYSTEMD_EXIT = re.compile(
    r"(?P<unit>[^\s:]+): Main process exited, code=(?P<code>\w+), "
    r"status=(?P<status>\d+)/(?P<name>\w+)"
)
K8S_REASON = re.compile(r"(?:^|\s)Reason:\s+OOMKilled\b")
K8S_POD_STATUS = re.compile(r"^\s*(?P<pod>\S+)\s+\d+/\d+\s+OOMKilled\b")  # kubectl get pods
K8S_EXIT = re.compile(r"(?:^|\s)Exit Code:\s+(?P<status>-?\d+)\b")
DOCKER_OOM = re.compile(r'"OOMKilled":\s*true\b')
DOCKER_EXIT_CODE = re.compile(r'"ExitCode":\s*(-?\d+)')
DOCKER_PS_EXITED = re.compile(r"\bExited \((?P<status>-?\d+)\) .*\bago\b")
CLOUD_RUN_OOM = re.compile(
    r"Memory limit of (?P<limit>\d+(?:\.\d+)?) ?(?P<lunit>[MG])i?B? exceeded with "
    r"(?P<used>\d+(?:\.\d+)?) ?(?P<uunit>[MG])i?B? used"
)
FLY_EXIT = re.compile(r"Main child exited normally with code: (?P<status>-?\d+)")
FLY_RESTARTS = re.compile(r"machine has reached its max restart count of (?P<count>\d+)")

# -- Render (§2.1-2.3) ------------------------------------------------------------------

RENDER_OOM = re.compile(
    r"(?:Instance failed: (?:(?P<instance>\w+) — )?)?"
    r"Ran out of memory \(used over (?P<size>\d+(?:\.\d+)?) ?(?P<unit>[MG])i?B?\)"
)
RENDER_EXIT = re.compile(r"(?:Exited with status|Application exited with code) (?P<status>-?\d+)")
# `==> <text>` lines other than exits: (pattern, kind, step or reason).
RENDER_LINES: tuple[tuple[re.Pattern[str], Kind, str], ...] = (
    (re.compile(r"Application exited early"), Kind.PLATFORM_ERROR, "exited_early"),
    (re.compile(r"Timed Out$"), Kind.PLATFORM_ERROR, "timed_out"),
    (re.compile(r"Port scan timeout reached"), Kind.PLATFORM_ERROR, "port_scan_timeout"),
    (re.compile(r"No open ports detected"), Kind.PLATFORM_ERROR, "no_open_ports"),
    (re.compile(r"Deploy failed"), Kind.PLATFORM_ERROR, "deploy_failed"),
    (re.compile(r"Deploying\.\.\."), Kind.DEPLOY, "deploying"),
    (re.compile(r"Build successful"), Kind.DEPLOY, "build_successful"),
    (re.compile(r"Running build command '(?P<command>.*)'\.\.\.$"), Kind.DEPLOY, "build_command"),
    (re.compile(r"Running '(?P<command>.*)'$"), Kind.DEPLOY, "running"),
    (re.compile(r"Your (?:service|site) is live"), Kind.DEPLOY, "live"),
    (re.compile(r"Setting WEB_CONCURRENCY=(?P<workers>\d+)"), Kind.DEPLOY, "web_concurrency"),
    (re.compile(r"Detected service running on port (?P<port>\d+)"), Kind.DEPLOY, "port_detected"),
    (re.compile(r"Cloning from (?P<repo>\S+)"), Kind.DEPLOY, "cloning"),
    (
        re.compile(r"Checking out commit (?P<commit>\S+) in branch (?P<branch>\S+)"),
        Kind.DEPLOY,
        "checkout",
    ),
    (re.compile(r"Using (?P<runtime>.+?) version (?P<version>\S+)"), Kind.DEPLOY, "runtime"),
    (re.compile(r"Uploading build\.\.\."), Kind.DEPLOY, "uploading"),
    (re.compile(r"(?:Build uploaded|Uploaded) in "), Kind.DEPLOY, "uploaded"),
    (re.compile(r"Available at your primary URL (?P<url>\S+)"), Kind.DEPLOY, "available"),
)
_INT_GROUPS = frozenset({"workers", "port"})

# -- Heroku (§3.2-3.4) ------------------------------------------------------------------

# logfmt `key=value` / `key="quoted value"` (Heroku router, runtime metrics, Render requests).
LOGFMT = re.compile(r'(?:^|(?<=\s))([\w#.-]+)=("(?:[^"\\]|\\.)*"|\S*)')
# 2012 router: `[Error H12 (Request timeout) -> ]GET host/path dyno=web.1 queue= wait= …`.
HEROKU_ROUTER_2012 = re.compile(
    r"(?:Error (?P<code>H\d+) \((?P<desc>[^)]*)\) -> )?(?<![\w-])(?P<method>[A-Z]+) "
    r"(?P<host>[^\s/]+)(?P<path>/\S*) dyno=(?P<dyno>\S*) queue=\S* wait=\S* "
    r"service=(?P<service>\d*)(?:ms)? status=(?P<status>\d+)"
)
HEROKU_MEM = re.compile(
    r"Process running mem=(?P<mem>\d+(?:\.\d+)?)M(?:B)?\((?P<percent>\d+(?:\.\d+)?)%\)"
)
HEROKU_ERROR = re.compile(r"Error (?P<code>R\d+) \((?P<desc>[^)]*)\)(?: -> (?P<detail>.*))?")
HEROKU_KILL = re.compile(r"Stopping (?P<which>process|remaining processes) with SIGKILL")
HEROKU_EXIT = re.compile(r"(?:^|\s)Process exited(?: with status (?P<status>-?\d+))?\s*$")
HEROKU_CRASHED = re.compile(r"State changed from (?P<from>\w+) to crashed")
HEROKU_METRIC_MB = re.compile(r"(\d+(?:\.\d+)?)MB$")

# -- nginx error log (§5.1) -----------------------------------------------------------

NGINX_HEAD = re.compile(
    r"\[(?P<level>emerg|alert|crit|error|warn|notice|info|debug)\] \d+#\d+: (?:\*\d+ )?"
)
NGINX_REQUEST = re.compile(r', request: "(?P<method>[A-Z]+) (?P<path>\S+)[^"]*"')
NGINX_UPSTREAM = re.compile(r', upstream: "(?P<upstream>[^"]*)"')
# (substring of the message, error id, status the client got), first match wins.
NGINX_ERRORS: tuple[tuple[str, str, int], ...] = (
    ("upstream timed out", "timeout", 504),  # `while connecting` is checked separately
    ("upstream prematurely closed connection", "closed", 502),
    ("(104: Connection reset by peer)", "reset", 502),
    ("(111: Connection refused)", "refused", 502),
    ("no live upstreams", "no_live_upstreams", 502),
)

# -- supervisord and uvicorn's supervisor (corpus 112, 113, 118) -------------------------------

SUPERVISOR_EXITED = re.compile(
    r"\bexited: (?P<program>\S+) \((?:exit status (?P<status>\d+)"
    r"|terminated by (?P<signal>SIG[A-Z0-9]+)(?: \(core dumped\))?); "
    r"(?P<expected>not expected|expected)\)"
)
SUPERVISOR_SPAWNED = re.compile(r"\bspawned: '(?P<program>[^']+)' with pid (?P<pid>\d+)")
SUPERVISOR_STATE = re.compile(
    r"\b(?P<what>success|gave up): (?P<program>\S+) entered (?P<state>RUNNING|FATAL) state"
)
UVICORN_DIED = re.compile(r"Child process \[(?P<pid>\d+)\] died")

_SIGNAL_NUMBERS = {name: num for num, name in SIGNAL_NAMES.items()}


# -- entry point ------------------------------------------------------------------------------


# macOS: a forked process that touches Objective-C runtime state is killed by the
# runtime (`OBJC_DISABLE_INITIALIZE_FORK_SAFETY=YES` lifts the check).
OBJC_FORK_CRASH = re.compile(r"objc\[(?P<pid>\d+)\]: .*fork\(\) child process\. Crashing instead")
# A platform that gave up waiting for the service to listen on its port.
PORT_NEVER_OPENED: tuple[tuple[re.Pattern[str], str], ...] = (
    # Cloud Run, as gcloud prints it (both wordings are in use)
    (
        re.compile(r"failed to start and listen on the port defined provided by the PORT="),
        "cloud_run",
    ),
    (re.compile(r"Failed to start and then listen on the port defined by the PORT"), "cloud_run"),
    # Azure App Service (Linux)
    (re.compile(r"didn't respond to HTTP pings on port"), "azure"),
)


def match_companion(message: str) -> Companion | None:
    """The companion event `message` is, or None for any other line."""
    if "emory" in message or "OOM" in message or "oom" in message or "Killed process" in message:
        found = _memory(message)
        if found is not None:
            return found
    if "==>" in message:
        found = _render(message)
        if found is not None:
            return found
    if "=" in message:
        found = _logfmt(message)
        if found is not None:
            return found
    if "xit" in message:
        found = _exit(message)
        if found is not None:
            return found
    if "Error R" in message:
        found = _heroku_error(message)
        if found is not None:
            return found
    if "with SIGKILL" in message:
        m = HEROKU_KILL.search(message)
        if m is not None:
            fields: Fields = {"platform": "heroku", "signal": "SIGKILL"}
            if m.group("which") != "process":
                fields["remaining"] = 1
            return Companion(Kind.PLATFORM_KILL, fields)
    if "State changed" in message:
        m = HEROKU_CRASHED.search(message)
        if m is not None:
            return Companion(Kind.PLATFORM_CRASHED, {"platform": "heroku", "from": m["from"]})
    if "max restart count" in message:
        m = FLY_RESTARTS.search(message)
        if m is not None:
            return Companion(
                Kind.PLATFORM_ERROR,
                {"platform": "fly", "reason": "max_restart_count", "count": int(m["count"])},
            )
    if "upstream" in message:
        found = _nginx(message)
        if found is not None:
            return found
    if (
        "onnect" in message
        or ":  " in message
        or "canceling statement" in message
        or "QueuePool" in message
        or "translate host name" in message
    ):
        found = match_database(message)
        if found is not None:
            return found
    if "objc[" in message and "fork()" in message:
        m = OBJC_FORK_CRASH.search(message)
        if m is not None:
            return Companion(Kind.FORK_SAFETY_CRASH, {"platform": "macos"}, int(m["pid"]))
    if " port" in message:
        for pattern, platform in PORT_NEVER_OPENED:
            if pattern.search(message) is not None:
                return Companion(
                    Kind.PLATFORM_ERROR, {"platform": platform, "reason": "port_not_listening"}
                )
    if "Child process [" in message:
        m = UVICORN_DIED.search(message)
        if m is not None:
            return Companion(Kind.UVICORN_CHILD_DIED, {}, int(m["pid"]))
    if "spawned: " in message or "entered " in message:
        return _supervisor_state(message)
    return None


# -- families ---------------------------------------------------------------------------------


def _memory(message: str) -> Companion | None:
    """Kernel OOM killer, systemd, Render, Cloud Run, Fly, Kubernetes and Docker memory kills."""
    if "Ran out of memory (used over" in message:
        m = RENDER_OOM.search(message)
        if m is not None:
            fields: Fields = {"platform": "render", "limit_mb": _mb(m["size"], m["unit"])}
            if m["instance"]:
                fields["instance"] = m["instance"]
            return Companion(Kind.PLATFORM_OOM, fields)
    if "Memory limit of " in message:
        m = CLOUD_RUN_OOM.search(message)
        if m is not None:
            return Companion(
                Kind.PLATFORM_OOM,
                {
                    "platform": "cloud_run",
                    "limit_mb": _mb(m["limit"], m["lunit"]),
                    "used_mb": _mb(m["used"], m["uunit"]),
                },
            )
    if "The user-provided container ran out of memory" in message:
        return Companion(Kind.PLATFORM_OOM, {"platform": "cloud_run"})
    if "Kill" in message:
        found = _kernel_kill(message)
        if found is not None:
            return found
    if "oom" in message:
        found = _kernel_other(message)
        if found is not None:
            return found
    if "OOM" in message:
        return _oom_status(message)
    return None


def _kernel_kill(message: str) -> Companion | None:
    """`Out of memory: Kill(ed) process …`, `Memory cgroup out of memory: …`, `Killed process …`."""
    m = KERNEL_KILL.search(message)
    if m is None:
        return None
    head = m["head"]
    if head is None and m["ed"] is None:
        return None  # a bare `Kill process` is not a kernel line
    fields: Fields = {"process": m["comm"]}
    if head is not None:
        fields["scope"] = "cgroup" if head.startswith("Memory cgroup") else "global"
    fields["stage"] = "killed" if m["ed"] else "selected"
    rest = message[m.end() :]
    for name, value in KERNEL_SIZES.findall(rest):
        fields["anon_rss_kb" if name == "anon-rss" else "total_vm_kb"] = int(value)
    uid = m["uid"]
    if uid is None:
        found = KERNEL_UID.search(rest)
        uid = found.group(1) if found else None
    if uid is not None:
        fields["uid"] = int(uid)
    score = KERNEL_SCORE.match(rest)
    if score is not None:
        fields["score"] = int(score.group(1))
    return Companion(Kind.KERNEL_OOM, fields, int(m["pid"]))


def _kernel_other(message: str) -> Companion | None:
    """`oom-kill:…` summary, `oom_reaper:`, `invoked oom-killer:`, systemd `oom-kill` result."""
    if "oom-kill:" in message:
        m = OOM_KILL_SUMMARY.search(message)
        if m is not None:
            return _oom_summary(m["body"])
    if "oom_reaper: " in message:
        m = OOM_REAPER.search(message)
        if m is not None:
            return Companion(
                Kind.KERNEL_OOM, {"process": m["comm"], "stage": "reaped"}, int(m["pid"])
            )
    if " invoked oom-killer: " in message:
        start = KERNEL_PREFIX.match(message)
        body = message[start.end() :] if start is not None else message
        m = INVOKED.match(body) or LOOSE_INVOKED.search(body)
        if m is not None:
            fields: Fields = {"process": m["comm"]}
            rest = m["rest"]
            for key, pattern in (("order", INVOKED_ORDER), ("oom_score_adj", INVOKED_ADJ)):
                found = pattern.search(rest)
                if found is not None:
                    fields[key] = int(found.group(1))
            return Companion(Kind.OOM_INVOKED, fields)
    if "'oom-kill'" in message:
        return _systemd_oom(message)
    return None


def _oom_summary(body: str) -> Companion:
    """`oom-kill:constraint=CONSTRAINT_MEMCG,…,oom_memcg=/x,task_memcg=/x,task=comm,pid=N,uid=U`."""
    values = dict(OOM_KILL_FIELD.findall(body))
    fields: Fields = {}
    if "task" in values:
        fields["process"] = values["task"]
    if "oom_memcg" in values or values.get("constraint") == "CONSTRAINT_MEMCG":
        fields["scope"] = "cgroup"
    elif "global_oom" in body:
        fields["scope"] = "global"
    fields["stage"] = "summary"
    if values.get("uid", "").isdigit():
        fields["uid"] = int(values["uid"])
    if "oom_memcg" in values:
        fields["memcg"] = values["oom_memcg"]
    pid = values.get("pid", "")
    return Companion(Kind.KERNEL_OOM, fields, int(pid) if pid.isdigit() else None)


def _systemd_oom(message: str) -> Companion | None:
    m = SYSTEMD_OOM.search(message)
    if m is None:
        return None
    fields: Fields = {"platform": "systemd", "unit": m["unit"]}
    if m["failed"]:
        fields["failed"] = 1
    return Companion(Kind.PLATFORM_OOM, fields)


def _oom_status(message: str) -> Companion | None:
    """Fly's init, kubectl (describe / get pods), docker inspect, systemd's OOM killer line."""
    if "Process appears to have been OOM killed!" in message:
        return Companion(Kind.PLATFORM_OOM, {"platform": "fly"})
    if "OOMKilled" in message:
        if DOCKER_OOM.search(message):
            fields: Fields = {"platform": "docker"}
            code = DOCKER_EXIT_CODE.search(message)
            if code is not None:
                fields["status"] = int(code.group(1))
            return Companion(Kind.PLATFORM_OOM, fields)
        if K8S_REASON.search(message):
            return Companion(Kind.PLATFORM_OOM, {"platform": "kubernetes"})
        m = K8S_POD_STATUS.match(message)
        if m is not None:
            return Companion(Kind.PLATFORM_OOM, {"platform": "kubernetes", "pod": m["pod"]})
        return None
    if "OOM killer" in message:
        return _systemd_oom(message)
    return None


def _render(message: str) -> Companion | None:
    """Render's `==> …` platform lines: exits, boot/port failures and deploy steps."""
    start = message.find("==> ")
    if start < 0:
        return None
    text = message[start + 4 :].rstrip()
    m = RENDER_EXIT.match(text)
    if m is not None:
        return Companion(Kind.PROCESS_EXIT, {"platform": "render", "status": int(m["status"])})
    for pattern, kind, name in RENDER_LINES:
        m = pattern.match(text)
        if m is None:
            continue
        fields: Fields = {"platform": "render"}
        fields["reason" if kind is Kind.PLATFORM_ERROR else "step"] = name
        for key, value in m.groupdict().items():
            if value is not None:
                fields[key] = int(value) if key in _INT_GROUPS else value
        return Companion(kind, fields)
    return None


def _logfmt(message: str) -> Companion | None:
    """Render request logs, Heroku router lines, `mem=` samples and runtime metrics."""
    if "responseTimeMS=" in message:
        values = _logfmt_values(message)
        duration = values.get("responseTimeMS", "")
        if duration.isdigit():
            fields: Fields = {"platform": "render", "duration_ms": int(duration)}
            if values.get("responseBytes", "").isdigit():
                fields["bytes"] = int(values["responseBytes"])
            if values.get("clientIP"):
                fields["client"] = values["clientIP"]
            if values.get("requestID"):
                fields["request_id"] = values["requestID"]
            # `render logs -o json` carries these as labels (added to the message on read)
            for key, name in (("method", "method"), ("path", "path"), ("host", "host")):
                if values.get(key):
                    fields[name] = values[key]
            if values.get("statusCode", "").isdigit():
                fields["status"] = int(values["statusCode"])
            return Companion(Kind.REQUEST_LOG, fields)
    if "sample#memory" in message:
        return _heroku_metrics(message)
    if "mem=" in message:
        m = HEROKU_MEM.search(message)
        if m is not None:
            return Companion(
                Kind.MEMORY_SAMPLE,
                {
                    "platform": "heroku",
                    "mem_mb": float(m["mem"]),
                    "percent": float(m["percent"]),
                },
            )
    if "dyno=" in message or "code=H" in message:
        return _heroku_router(message)
    if "code=" in message and "Main process exited" in message:
        return _systemd_exit(message)
    return None


def _logfmt_values(message: str) -> dict[str, str]:
    """`key=value` pairs, quotes removed."""
    out: dict[str, str] = {}
    for key, value in LOGFMT.findall(message):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1].replace('\\"', '"')
        out[key] = value
    return out


def _heroku_router(message: str) -> Companion | None:
    """A Heroku router line, key=value (`at=error code=H12 …`) or the 2012 form."""
    if "status=" in message:
        values = _logfmt_values(message)
        code = values.get("code", "")
        if "status" in values and ("at" in values or (code[:1] == "H" and code[1:].isdigit())):
            fields: Fields = {"platform": "heroku"}
            if values.get("at"):
                fields["level"] = values["at"]
            for key in ("code", "desc", "method", "path", "host", "dyno"):
                if values.get(key):
                    fields[key] = values[key]
            if values["status"].isdigit():
                fields["status"] = int(values["status"])
            service = values.get("service", "").removesuffix("ms")
            if service.isdigit():
                fields["duration_ms"] = int(service)
            return Companion(Kind.REQUEST_LOG, fields)
    m = HEROKU_ROUTER_2012.search(message)
    if m is None:
        return None
    fields = {"platform": "heroku"}
    for key in ("code", "desc", "method", "host", "path", "dyno"):
        if m[key]:
            fields[key] = m[key]
    fields["status"] = int(m["status"])
    if m["service"]:
        fields["duration_ms"] = int(m["service"])
    return Companion(Kind.REQUEST_LOG, fields)


def _heroku_metrics(message: str) -> Companion | None:
    """Runtime metrics: `source=web.1 dyno=… sample#memory_total=491.32MB … sample#memory_quota=…`
    (the percentage of the quota is computed, as `mem=` lines print it)."""
    values = _logfmt_values(message)
    total = _metric_mb(values.get("sample#memory_total", ""))
    if total is None:
        return None
    fields: Fields = {"platform": "heroku", "mem_mb": total}
    quota = _metric_mb(values.get("sample#memory_quota", ""))
    if quota is not None:
        fields["quota_mb"] = quota
        if quota > 0:
            fields["percent"] = round(total / quota * 100, 1)
    swap = _metric_mb(values.get("sample#memory_swap", ""))
    if swap is not None:
        fields["swap_mb"] = swap
    if values.get("source"):
        fields["dyno"] = values["source"]
    return Companion(Kind.MEMORY_SAMPLE, fields)


def _metric_mb(value: str) -> float | None:
    m = HEROKU_METRIC_MB.match(value)
    return float(m.group(1)) if m is not None else None


def _heroku_error(message: str) -> Companion | None:
    """`Error R14 (Memory quota exceeded)`, `Error R15 (…)`, `Error R10 (Boot timeout) -> …`."""
    m = HEROKU_ERROR.search(message)
    if m is None:
        return None
    code = m["code"]
    fields: Fields = {"platform": "heroku", "code": code, "desc": m["desc"]}
    if code == "R14":
        return Companion(Kind.MEMORY_PRESSURE, fields)
    if code == "R15":
        return Companion(Kind.MEMORY_KILL, fields)
    fields["reason"] = re.sub(r"\W+", "_", m["desc"].strip().lower()).strip("_")
    if m["detail"]:
        fields["detail"] = m["detail"]
    return Companion(Kind.PLATFORM_ERROR, fields)


def _exit(message: str) -> Companion | None:
    """Process exits: Heroku, Fly, Kubernetes, `docker ps`, systemd, supervisord."""
    if "Process exited" in message:
        m = HEROKU_EXIT.search(message)
        if m is not None:
            fields: Fields = {"platform": "heroku"}
            if m["status"]:
                fields["status"] = int(m["status"])
            return Companion(Kind.PROCESS_EXIT, fields)
    if "Main child exited" in message:
        m = FLY_EXIT.search(message)
        if m is not None:
            return Companion(Kind.PROCESS_EXIT, {"platform": "fly", "status": int(m["status"])})
    if "Exit Code:" in message:
        m = K8S_EXIT.search(message)
        if m is not None:
            return Companion(
                Kind.PROCESS_EXIT, {"platform": "kubernetes", "status": int(m["status"])}
            )
    if "Exited (" in message:
        m = DOCKER_PS_EXITED.search(message)
        if m is not None:
            return Companion(Kind.PROCESS_EXIT, {"platform": "docker", "status": int(m["status"])})
    if "exited: " in message:
        m = SUPERVISOR_EXITED.search(message)
        if m is not None:
            fields = {"platform": "supervisord", "program": m["program"]}
            signal = m["signal"]
            if m["status"] is not None:
                fields["status"] = int(m["status"])
            elif signal is not None:
                fields["signal"] = signal
                if signal in _SIGNAL_NUMBERS:
                    fields["status"] = 128 + _SIGNAL_NUMBERS[signal]
            fields["expected"] = 1 if m["expected"] == "expected" else 0
            return Companion(Kind.SUPERVISOR_EXIT, fields)
    return None


def _systemd_exit(message: str) -> Companion | None:
    """`<unit>: Main process exited, code=killed, status=9/KILL` (or code=exited, status=1/…)."""
    m = SYSTEMD_EXIT.search(message)
    if m is None:
        return None
    fields: Fields = {"platform": "systemd", "unit": m["unit"]}
    status = int(m["status"])
    if m["code"] == "exited":
        fields["status"] = status
    else:  # killed or dumped: report it the way a shell does (128 + signal)
        fields["signal"] = SIGNAL_NAMES.get(status, f"SIG{m['name']}")
        fields["status"] = 128 + status
    return Companion(Kind.PROCESS_EXIT, fields)


def _nginx(message: str) -> Companion | None:
    """`YYYY/MM/DD HH:MM:SS [error] pid#tid: *N <message>, client: …, server: …,
    request: "…", upstream: "…", host: "…"`. The nginx pid is nginx's own: not kept."""
    head = NGINX_HEAD.search(message)
    if head is None:
        return None
    body = message[head.end() :]
    found = next(((e, s) for needle, e, s in NGINX_ERRORS if needle in body), None)
    if found is None:
        return None
    error, status = found
    if error == "timeout" and "while connecting to upstream" in body:
        error = "connect_timeout"
    fields: Fields = {"proxy": "nginx", "error": error, "status": status, "level": head["level"]}
    request = NGINX_REQUEST.search(body)
    if request is not None:
        fields["method"] = request["method"]
        fields["path"] = request["path"]
    upstream = NGINX_UPSTREAM.search(body)
    if upstream is not None:
        fields["upstream"] = upstream["upstream"]
    return Companion(Kind.PROXY_ERROR, fields)


def _supervisor_state(message: str) -> Companion | None:
    """supervisord `spawned: 'x' with pid N`, `success: x entered RUNNING state`, `gave up: …`."""
    m = SUPERVISOR_SPAWNED.search(message)
    if m is not None:
        return Companion(
            Kind.DEPLOY,
            {"platform": "supervisord", "step": "spawned", "program": m["program"]},
            int(m["pid"]),
        )
    m = SUPERVISOR_STATE.search(message)
    if m is None:
        return None
    if m["what"] == "success":
        return Companion(
            Kind.DEPLOY,
            {"platform": "supervisord", "step": "entered_running", "program": m["program"]},
        )
    return Companion(
        Kind.PLATFORM_ERROR,
        {"platform": "supervisord", "reason": "gave_up", "program": m["program"]},
    )


def _mb(size: str, unit: str) -> int:
    """`512` `M` -> 512, `2` `G` -> 2048 (platforms write MB and MiB interchangeably)."""
    value = float(size)
    if unit.upper() == "G":
        value *= 1024
    return round(value)

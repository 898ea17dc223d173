"""Generate a realistic day of Render logs and measure diagnoser against baselines.

    python benchmarks/bench.py                         # 1,000,000 lines, everything
    python benchmarks/bench.py --lines 1000000 --lines 5000000
    python benchmarks/bench.py --only analyze,loop --keep --out /tmp/day.log
    python benchmarks/bench.py --file saved.log        # measure an existing file
    python benchmarks/bench.py --generate-only --out /tmp/day.log
    python benchmarks/bench.py --multi                 # 8 files x 1M lines, 4 instances
    python benchmarks/bench.py --multi --lines 200000 --instances 2

The generated file is one day of a Django app on Render as `render logs -o text`
prints it (`YYYY-MM-DD HH:MM:SS` + two spaces + message): Render HTTP request
logs, Gunicorn access lines, Django SQL debug lines, app logging, Gunicorn 23
lifecycle lines and a few hundred worker timeouts with their abort tracebacks.
Output is deterministic for a given --seed and --lines.

Each measurement is a child process run one after another on the same file:

    analyze  diagnoser analyze --format json --fail-on never FILE
    watch    diagnoser watch --format jsonl --fail-on never < FILE
    loop     a bare Python `for line in sys.stdin.buffer: pass` < FILE
    lnav     lnav -n -c ';SELECT lines FROM lnav_file' FILE   (if lnav is on PATH)

`--multi` measures a post-mortem over many files instead: for each of
`--instances` instances (default 4) it generates a day of 2 x `--lines` lines
(another seed per instance) cut into two half-day files, `web-X.2025-07-30T00.log`
and `web-X.2025-07-30T12.log`, and runs `diagnoser analyze` over all of them
with `--jobs 1`, `--jobs 2` and `--dask local --jobs 2` (when the dask extra is
installed), one after another. It prints each one's wall time, the speed-up
over `--jobs 1`, the CPU time of the whole process tree and the peak RSS of the
main process and of the largest other process (read from every process's
/proc VmHWM while it runs), and whether the JSON reports are identical.

For each one the table shows CPU seconds (user+sys of that child, from wait4),
wall seconds, lines per CPU second and peak RSS. Figures, not pass/fail: the
script exits 0 after printing, except for usage errors. Compare ratios within one
run on a quiet machine rather than absolute numbers across machines.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import itertools
import math
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")

DAY = datetime(2025, 7, 30, tzinfo=UTC)
DAY_ISO = DAY.strftime("%Y-%m-%d")
DAY_CLF = DAY.strftime("%d/%b/%Y")
MASTER_PID = 85
GUNICORN_VERSION = "23.0.0"
SITE = "/usr/local/lib/python3.11/site-packages"

# Line shares of the ordinary traffic (percent). The rest is app output, lifecycle
# lines and incidents; its app share shrinks by what the incidents take.
SHARE_RENDER = 45.0
SHARE_ACCESS = 35.0
SHARE_SQL = 17.0
SHARE_REST = 3.0

# One incident per this many lines: a few hundred in a million-line day.
LINES_PER_INCIDENT = 3300
# One max_requests recycle per this many lines: ordinary lifecycle noise.
LINES_PER_RECYCLE = 9000

# First octets of public ranges common for Brazilian and cloud clients.
CLIENT_NETS = (34, 35, 177, 179, 186, 187, 189, 191, 200, 201)

KINDS = ("render", "access", "sql", "rest")

PATHS: tuple[tuple[str, float], ...] = (
    ("/", 12.0),
    ("/promocoes/", 8.0),
    ("/promocoes/quadro/", 7.0),
    ("/promocoes/quadro/?pagina=2", 2.0),
    ("/produtos/", 6.0),
    ("/produtos/busca/?q=cafe", 3.0),
    ("/produtos/busca/?q=arroz", 2.0),
    ("/produtos/1432/", 3.0),
    ("/produtos/877/", 3.0),
    ("/produtos/2210/", 2.0),
    ("/categorias/mercearia/", 3.0),
    ("/categorias/bebidas/", 3.0),
    ("/categorias/limpeza/", 2.0),
    ("/carrinho/", 4.0),
    ("/carrinho/adicionar/", 2.0),
    ("/checkout/", 1.5),
    ("/checkout/pagamento/", 1.0),
    ("/conta/login/", 2.0),
    ("/conta/pedidos/", 1.5),
    ("/api/v1/ofertas/", 5.0),
    ("/api/v1/estoque/", 3.0),
    ("/api/v1/precos/?loja=12", 2.0),
    ("/api/v1/frete/?cep=01310100", 1.5),
    ("/relatorios/vendas/", 0.5),
    ("/relatorios/exportar/", 0.3),
    ("/healthz", 6.0),
    ("/static/css/site.css", 2.0),
    ("/static/js/app.js", 2.0),
    ("/favicon.ico", 1.0),
    ("/robots.txt", 0.5),
    ("/wp-login.php", 0.2),
    ("/admin/", 0.5),
)
POST_PATHS = ("/carrinho/adicionar/", "/checkout/pagamento/", "/conta/login/")
STATUSES: tuple[tuple[int, float], ...] = (
    (200, 88.0),
    (304, 2.5),
    (302, 4.0),
    (404, 4.0),
    (500, 0.3),
    (502, 0.1),
    (504, 0.1),
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/139.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/138.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Render/1.0",
    "Go-http-client/2.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
)
REFERERS = ("-", "-", "-", "https://loja.example.com.br/", "https://www.google.com/")
SQL_QUERIES = (
    (
        'SELECT "promocoes_oferta"."id", "promocoes_oferta"."titulo", "promocoes_oferta"."preco" '
        'FROM "promocoes_oferta" WHERE ("promocoes_oferta"."ativa" AND '
        '"promocoes_oferta"."loja_id" = {n}) ORDER BY "promocoes_oferta"."preco" ASC LIMIT 21',
        "(True, {n})",
    ),
    (
        'SELECT "produtos_produto"."id", "produtos_produto"."nome", "produtos_produto"."sku" '
        'FROM "produtos_produto" WHERE "produtos_produto"."id" = {n} LIMIT 21',
        "({n},)",
    ),
    (
        'SELECT COUNT(*) AS "__count" FROM "produtos_produto" WHERE '
        '"produtos_produto"."categoria_id" = {n}',
        "({n},)",
    ),
    (
        'SELECT "django_session"."session_key", "django_session"."session_data", '
        '"django_session"."expire_date" FROM "django_session" WHERE '
        '("django_session"."expire_date" > \'2025-07-30T00:00:00+00:00\'::timestamptz AND '
        '"django_session"."session_key" = \'k{n}\') LIMIT 21',
        "(datetime.datetime(2025, 7, 30, 0, 0, tzinfo=datetime.timezone.utc), 'k{n}')",
    ),
    (
        'SELECT "auth_user"."id", "auth_user"."password", "auth_user"."last_login" '
        'FROM "auth_user" WHERE "auth_user"."id" = {n} LIMIT 21',
        "({n},)",
    ),
    (
        'UPDATE "carrinho_item" SET "quantidade" = 2 WHERE "carrinho_item"."id" = {n}',
        "(2, {n})",
    ),
    (
        'INSERT INTO "carrinho_item" ("carrinho_id", "produto_id", "quantidade") '
        'VALUES ({n}, 877, 1) RETURNING "carrinho_item"."id"',
        "({n}, 877, 1)",
    ),
    (
        'SELECT "estoque_saldo"."produto_id", SUM("estoque_saldo"."quantidade") AS "total" '
        'FROM "estoque_saldo" GROUP BY "estoque_saldo"."produto_id"',
        "()",
    ),
)
APP_LINES = (
    ("INFO", "views", "Rendered quadro in {ms} ms"),
    ("INFO", "views", "Rendered produto {n} in {ms} ms"),
    ("INFO", "ofertas", "Loaded {n} ofertas from cache"),
    ("INFO", "carrinho", "Carrinho {n} updated"),
    ("WARNING", "frete", "Frete API slow: {ms} ms for cep 01310100"),
    ("WARNING", "log", "Not Found: /favicon.ico"),
    ("INFO", "tasks", "Scheduled price refresh for loja {n}"),
    ("ERROR", "pagamento", "Gateway returned 503 for pedido {n}, retrying"),
)

# The Django request stack shared by every abort traceback (catalogue §9.1).
DJANGO_FRAMES = f"""Traceback (most recent call last):
  File "{SITE}/gunicorn/workers/sync.py", line 134, in handle
    self.handle_request(listener, req, client, addr)
  File "{SITE}/gunicorn/workers/sync.py", line 177, in handle_request
    respiter = self.wsgi(environ, resp.start_response)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/core/handlers/wsgi.py", line 124, in __call__
    response = self.get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/core/handlers/base.py", line 140, in get_response
    response = self._middleware_chain(request)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
               ^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"""
DB_FRAMES = f"""  File "{SITE}/django/db/backends/utils.py", line 102, in execute
    return super().execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/db/backends/utils.py", line 67, in execute
    return self._execute_with_wrappers(
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/db/backends/utils.py", line 80, in _execute_with_wrappers
    return executor(sql, params, many, context)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"""
ABORT_FRAMES = f"""  File "{SITE}/gunicorn/workers/base.py", line 204, in handle_abort
    sys.exit(1)
SystemExit: 1"""
# Where the time went, per incident flavour: the frames between the view and
# handle_abort. psycopg 3 is the catalogue's observed sequence; psycopg2 stops in
# the Django frame that called into libpq; requests waits on the upstream socket.
STUCK_FRAMES = {
    "psycopg": f"""  File "/app/relatorios/views.py", line 27, in exportar
    c.execute(SQL, [42])
{DB_FRAMES}
  File "{SITE}/psycopg/cursor.py", line 113, in execute
    self._conn.wait(
  File "{SITE}/psycopg/connection.py", line 495, in wait
    return waiting.wait(
           ^^^^^^^^^^^^^
  File "psycopg_binary/_psycopg/waiting.pyx", line 341, in psycopg_binary._psycopg.wait_c""",
    "psycopg2": f"""  File "/app/produtos/views.py", line 58, in busca
    total = qs.count()
            ^^^^^^^^^^
  File "{SITE}/django/db/models/query.py", line 620, in count
    return self.query.get_count(using=self.db)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/django/db/models/sql/compiler.py", line 1562, in execute_sql
    cursor.execute(sql, params)
{DB_FRAMES}""",
    "requests": f"""  File "/app/carrinho/views.py", line 91, in frete
    resp = requests.get(FRETE_URL, params={{"cep": cep}})
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/requests/api.py", line 73, in get
    return request("get", url, params=params, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/requests/api.py", line 59, in request
    return session.request(method=method, url=url, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/requests/sessions.py", line 589, in request
    resp = self.send(prep, **send_kwargs)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/requests/sessions.py", line 703, in send
    r = adapter.send(request, **kwargs)
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "{SITE}/requests/adapters.py", line 667, in send
    resp = conn.urlopen(
           ^^^^^^^^^^^^^
  File "{SITE}/urllib3/connectionpool.py", line 787, in urlopen
    response = self._make_request(
               ^^^^^^^^^^^^^^^^^^^
  File "{SITE}/urllib3/connectionpool.py", line 534, in _make_request
    response = conn.getresponse()
               ^^^^^^^^^^^^^^^^^^
  File "{SITE}/urllib3/connection.py", line 516, in getresponse
    httplib_response = super().getresponse()
                       ^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/http/client.py", line 1395, in getresponse
    response.begin()
  File "/usr/local/lib/python3.11/http/client.py", line 325, in begin
    version, status, reason = self._read_status()
                              ^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/http/client.py", line 286, in _read_status
    line = str(self.fp.readline(_MAXLINE + 1), "iso-8859-1")
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/local/lib/python3.11/socket.py", line 706, in readinto
    return self._sock.recv_into(b)
           ^^^^^^^^^^^^^^^^^^^^^^^""",
}
STUCK_PATHS = {
    "psycopg": "/relatorios/exportar/",
    "psycopg2": "/produtos/busca/?q=cafe",
    "requests": "/api/v1/frete/?cep=01310100",
}
SLOW_SQL = {
    "psycopg": (
        'SELECT "relatorios_venda"."id", "relatorios_venda"."total" FROM "relatorios_venda" '
        'WHERE "relatorios_venda"."loja_id" = 42; args=[42]; alias=default'
    ),
    "psycopg2": (
        'SELECT COUNT(*) AS "__count" FROM "produtos_produto" WHERE '
        'UPPER("produtos_produto"."nome"::text) LIKE UPPER(\'%cafe%\'); '
        "args=('%cafe%',); alias=default"
    ),
}


@dataclass
class Generated:
    """What the generator wrote: the file and how many lines of each kind."""

    path: Path
    lines: int
    size: int


class _Clock:
    """Maps a line index to a time of the day, with busier afternoons.

    The prefixes are cached per second because a million-line day has about a
    dozen lines per second, so most lines reuse the previous second's strings.
    """

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.last = -1
        self.cached: tuple[str, str, str, str] = ("", "", "", "")

    def second(self, index: int) -> int:
        x = index / self.total
        # Monotonic warp (derivative 1 - 0.3 cos > 0): traffic density peaks mid-day.
        warped = x - 0.3 * math.sin(2 * math.pi * x) / (2 * math.pi)
        return min(int(warped * 86400), 86399)

    def stamps(self, sec: int) -> tuple[str, str, str, str]:
        """(render prefix, gunicorn error stamp, access %(t)s, app asctime without ms)."""
        # Never step back: an incident pins the clock and may run ahead by a second.
        sec = max(sec, self.last)
        if sec != self.last:
            # Formatted by hand: strftime per second was the generator's top cost.
            hms = f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"
            iso = f"{DAY_ISO} {hms}"
            self.cached = (iso + "  ", f"[{iso} +0000]", f"[{DAY_CLF}:{hms} +0000]", iso)
            self.last = sec
        return self.cached


class _Day:
    """State of the simulated service while lines are produced."""

    def __init__(self, total: int, seed: int) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        self.total = total
        self.clock = _Clock(total)
        self.workers = [96, 97, 98]
        self.next_pid = 99
        self.client_ips = [
            f"{rng.choice(CLIENT_NETS)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)}"
            for _ in range(600)
        ]
        self.proxy_ips = [f"10.201.{rng.randint(0, 15)}.{rng.randint(2, 250)}" for _ in range(12)]
        self.paths = [p for p, _ in PATHS]
        self.path_cum = list(itertools.accumulate(w for _, w in PATHS))
        self.statuses = [s for s, _ in STATUSES]
        self.status_cum = list(itertools.accumulate(w for _, w in STATUSES))
        self.incidents = 0

    def pick(self, seq: Sequence[T]) -> T:
        # random.choice and randint cost a Python-level call chain each; one
        # random() per draw keeps a million lines within a few seconds.
        return seq[int(self.rng.random() * len(seq))]

    def num(self, low: int, high: int) -> int:
        """A uniform int in [low, high], like randint but cheaper."""
        return low + int(self.rng.random() * (high - low + 1))

    def weighted(self, seq: Sequence[T], cum: list[float]) -> T:
        return seq[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def new_pid(self) -> int:
        # Real pids jump: other processes fork in between.
        self.next_pid += self.num(1, 9)
        return self.next_pid

    def response_ms(self) -> int:
        u = self.rng.random()
        # Long tail: a few % over 1 s, a small fraction over 5 s, a handful over 20 s.
        if u < 0.0001:
            return self.num(20000, 31000)
        if u < 0.004:
            return self.num(5000, 20000)
        if u < 0.035:
            return self.num(1000, 5000)
        return min(int(self.rng.lognormvariate(4.3, 0.75)) + 3, 999)

    def render_line(self, prefix: str, ms: int | None = None) -> str:
        rng = self.rng
        if ms is None:
            ms = self.response_ms()
        return (
            f'{prefix}clientIP="{self.pick(self.client_ips)}" '
            f'requestID="{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-'
            f'{rng.getrandbits(16):04x}" responseTimeMS={ms} '
            f'responseBytes={self.num(200, 60000)} userAgent="{self.pick(USER_AGENTS)}"'
        )

    def access_line(self, prefix: str, t: str, path: str, status: int, size: str) -> str:
        rng = self.rng
        method = "POST" if path in POST_PATHS and rng.random() < 0.6 else "GET"
        return (
            f'{prefix}{self.pick(self.proxy_ips)} - - {t} "{method} {path} HTTP/1.1" '
            f'{status} {size} "{self.pick(REFERERS)}" "{self.pick(USER_AGENTS)}"'
        )

    def random_access(self, prefix: str, t: str) -> str:
        path = self.weighted(self.paths, self.path_cum)
        status = self.weighted(self.statuses, self.status_cum)
        size = "0" if status in (302, 304) else str(self.num(150, 80000))
        return self.access_line(prefix, t, path, status, size)

    def sql_line(self, prefix: str) -> str:
        rng = self.rng
        sql, args = self.pick(SQL_QUERIES)
        u = rng.random()
        # Mostly milliseconds; one in a couple of thousand over a second.
        if u < 0.0005:
            dur = rng.uniform(1.0, 6.0)
        elif u < 0.02:
            dur = rng.uniform(0.05, 0.9)
        else:
            dur = rng.expovariate(1 / 0.004)
        n = self.num(1, 5000)
        return f"{prefix}({dur:.3f}) {sql.format(n=n)}; args={args.format(n=n)}; alias=default"

    def app_line(self, prefix: str, asctime: str) -> str:
        level, module, msg = self.pick(APP_LINES)
        text = msg.format(ms=self.num(2, 900), n=self.num(1, 5000))
        return f"{prefix}{level} {asctime},{self.num(0, 999):03d} {module} {text}"

    def startup(self, index: int) -> list[str]:
        prefix, g, _, _ = self.clock.stamps(self.clock.second(index))
        m = f"{prefix}{g} [{MASTER_PID}]"
        out = [
            f"{m} [INFO] Starting gunicorn {GUNICORN_VERSION}",
            f"{m} [INFO] Listening at: http://0.0.0.0:10000 ({MASTER_PID})",
            f"{m} [INFO] Using worker: sync",
        ]
        out += [
            f"{prefix}{g} [{pid}] [INFO] Booting worker with pid: {pid}" for pid in self.workers
        ]
        return out

    def recycle(self, index: int) -> list[str]:
        """A max_requests restart: the ordinary way a worker pid changes."""
        prefix, g, t, _ = self.clock.stamps(self.clock.second(index))
        slot = self.rng.randrange(len(self.workers))
        old = self.workers[slot]
        new = self.workers[slot] = self.new_pid()
        return [
            f"{prefix}{g} [{old}] [INFO] Autorestarting worker after current request.",
            self.random_access(prefix, t),
            f"{prefix}{g} [{old}] [INFO] Worker exiting (pid: {old})",
            f"{prefix}{g} [{new}] [INFO] Booting worker with pid: {new}",
        ]

    def incident(self, index: int) -> list[str]:
        """A worker timeout as Gunicorn 23 logs it (catalogue §9.1 and §9.2)."""
        rng = self.rng
        sec = self.clock.second(index)
        prefix, g, t, _ = self.clock.stamps(sec)
        slot = rng.randrange(len(self.workers))
        old = self.workers[slot]
        new = self.workers[slot] = self.new_pid()
        flavour = rng.choices(("psycopg", "psycopg2", "requests"), (3, 4, 3))[0]
        path = STUCK_PATHS[flavour]
        out = [f"{prefix}{g} [{MASTER_PID}] [CRITICAL] WORKER TIMEOUT (pid:{old})"]
        sigkill = rng.random() < 0.3
        if flavour == "psycopg2" and sigkill:
            # Stuck inside libpq: SIGABRT never runs Python, so no traceback and no
            # "Worker exiting"; the master's SIGKILL a second later ends it.
            prefix, g, t, _ = self.clock.stamps(sec + 1)
            out.append(
                f"{prefix}{g} [{MASTER_PID}] [ERROR] Worker (pid:{old}) was sent SIGKILL! "
                "Perhaps out of memory?"
            )
        else:
            if flavour in SLOW_SQL:
                out.append(f"{prefix}({rng.uniform(30.0, 31.5):.3f}) {SLOW_SQL[flavour]}")
            out.append(f"{prefix}{g} [{old}] [ERROR] Error handling request {path}")
            body = f"{DJANGO_FRAMES}\n{STUCK_FRAMES[flavour]}\n{ABORT_FRAMES}"
            out += [prefix + frame for frame in body.split("\n")]
            # Gunicorn's own 500 for the aborted request: size 0, no referer or agent.
            out.append(
                f'{prefix}{rng.choice(self.proxy_ips)} - - {t} "GET {path} HTTP/1.1" 500 0 "-" "-"'
            )
            out.append(self.render_line(prefix, rng.randint(30000, 30400)))
            out.append(f"{prefix}{g} [{old}] [INFO] Worker exiting (pid: {old})")
            if sigkill:
                # A worker_abort hook or atexit handler that outlives the grace second.
                prefix, g, t, _ = self.clock.stamps(sec + 1)
                out.append(
                    f"{prefix}{g} [{MASTER_PID}] [ERROR] Worker (pid:{old}) was sent SIGKILL! "
                    "Perhaps out of memory?"
                )
        out.append(f"{prefix}{g} [{new}] [INFO] Booting worker with pid: {new}")
        return out


def _schedule(rng: random.Random, total: int, every: int) -> list[int]:
    """Start indexes spread through the day with jitter, in increasing order."""
    count = total // every
    starts = [int((k + rng.uniform(0.1, 0.9)) * total / max(count, 1)) for k in range(count)]
    return sorted(starts)


def generate_lines(total: int, seed: int = 1) -> Iterator[list[str]]:
    """Yield batches of lines (without newlines) that add up to exactly `total`."""
    day = _Day(total, seed)
    rng = day.rng
    incidents = _schedule(rng, total, LINES_PER_INCIDENT)
    recycles = _schedule(rng, total, LINES_PER_RECYCLE)
    # Specials are whole blocks; key them by start so a collision just shifts one.
    specials: dict[int, str] = {}
    for start in incidents:
        specials.setdefault(start, "incident")
    for start in recycles:
        while start in specials:
            start += 1
        specials[start] = "recycle"
    # Roughly 40 lines per incident come out of the "rest" share, so the ordinary
    # app lines get what is left of it and the overall mix stays near the target.
    incident_pct = 100.0 * 40 * len(incidents) / max(total, 1)
    app_pct = max(SHARE_REST - incident_pct - 0.2, 0.3)
    weights = (SHARE_RENDER, SHARE_ACCESS, SHARE_SQL, app_pct)

    batch: list[str] = []
    index = 0
    if total >= 10:
        batch += day.startup(0)
        index = len(batch)
    clock = day.clock
    stamps = clock.stamps
    second = clock.second
    while index < total:
        chunk = min(20000, total - index)
        # Draw the kinds in bulk: one choices() call is far cheaper than one per line.
        kinds = rng.choices(range(4), weights, k=chunk)
        for kind in kinds:
            if index >= total:
                break
            special = specials.get(index)
            if special is not None:
                block = day.incident(index) if special == "incident" else day.recycle(index)
                if index + len(block) <= total:
                    batch += block
                    index += len(block)
                    if special == "incident":
                        day.incidents += 1
                    continue
            prefix, _, t, asctime = stamps(second(index))
            if kind == 0:
                batch.append(day.render_line(prefix))
            elif kind == 1:
                batch.append(day.random_access(prefix, t))
            elif kind == 2:
                batch.append(day.sql_line(prefix))
            else:
                batch.append(day.app_line(prefix, asctime))
            index += 1
        yield batch
        batch = []
    if batch:
        yield batch


def generate(path: Path, total: int, seed: int = 1) -> Generated:
    """Write `total` lines to `path`; return what was written."""
    count = 0
    with path.open("wb", buffering=4 << 20) as out:
        for batch in generate_lines(total, seed):
            out.write(("\n".join(batch) + "\n").encode())
            count += len(batch)
    return Generated(path=path, lines=count, size=path.stat().st_size)


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    cpu: float
    wall: float
    rss_mb: float
    returncode: int
    note: str = ""


@dataclass
class Measurement:
    name: str
    argv: Callable[[Path], list[str]]
    stdin: bool
    capture: bool = False
    check: Callable[[str, int], str] | None = None


def measurements() -> dict[str, Measurement]:
    lnav_query = ";SELECT lines FROM lnav_file"

    def lnav_check(out: str, lines: int) -> str:
        # The query prints a header then the line count lnav indexed.
        digits = [tok for tok in out.split() if tok.isdigit()]
        got = int(digits[-1]) if digits else -1
        return f"lnav indexed {got:,} lines" + ("" if got == lines else " (MISMATCH)")

    return {
        "analyze": Measurement(
            "analyze",
            lambda p: [
                sys.executable,
                "-m",
                "diagnoser",
                "analyze",
                "--format",
                "json",
                "--fail-on",
                "never",
                str(p),
            ],
            stdin=False,
        ),
        "watch": Measurement(
            "watch",
            lambda p: [
                sys.executable,
                "-m",
                "diagnoser",
                "watch",
                "--format",
                "jsonl",
                "--fail-on",
                "never",
            ],
            stdin=True,
        ),
        "loop": Measurement(
            "loop",
            lambda p: [sys.executable, "-c", "import sys\nfor line in sys.stdin.buffer: pass"],
            stdin=True,
        ),
        "lnav": Measurement(
            "lnav",
            # Plain `lnav -n FILE` dumps the whole view to stdout; a query that reads
            # the indexed line count loads the same file, prints one number, and
            # proves the whole file was read.
            lambda p: ["lnav", "-n", "-c", lnav_query, str(p)],
            stdin=False,
            capture=True,
            check=lnav_check,
        ),
    }


def classify(message: str) -> str:
    """Which share of the mix a message (without the Render prefix) counts towards."""
    if message.startswith('clientIP="'):
        return "render"
    if message.startswith("(") and message.endswith("; alias=default"):
        return "sql"
    if " - - [" in message and '" "' in message and not message.startswith("["):
        return "access"
    return "rest"


# A minimal launcher between this script and each measured command. On Linux a
# child's ru_maxrss is at least its parent's peak RSS (exec carries the old address
# space's high-water mark over), so spawning straight from here would floor every
# figure at this script's own peak. The launcher runs with -S -I and imports only
# builtins, forks (a fresh process whose mark starts at the launcher's few MB),
# execs the command, and reports the command's own wait4 rusage and wall time.
LAUNCHER = """import os, signal, sys, time
fd, limit, argv = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
# On timeout kill the command but still reap it, so its rusage so far is reported.
signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
signal.setitimer(signal.ITIMER_REAL, limit)
_, status, ru = os.wait4(pid, 0)
signal.setitimer(signal.ITIMER_REAL, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
os.write(fd, f"{code} {ru.ru_utime} {ru.ru_stime} {ru.ru_maxrss} {wall}".encode())
"""


def _run(m: Measurement, path: Path, lines: int, timeout: float) -> Result:
    """Run one command through the launcher; read the command's own rusage."""
    with contextlib.ExitStack() as stack:
        stdin: IO[bytes] | int = (
            stack.enter_context(path.open("rb")) if m.stdin else subprocess.DEVNULL
        )
        out_file: IO[bytes] | None = (
            stack.enter_context(tempfile.TemporaryFile()) if m.capture else None
        )
        err_file = stack.enter_context(tempfile.TemporaryFile())
        read_fd, write_fd = os.pipe()
        stack.callback(os.close, read_fd)
        timed_out = threading.Event()
        launcher = [sys.executable, "-S", "-I", "-c", LAUNCHER]
        try:
            proc = subprocess.Popen(
                [*launcher, str(write_fd), str(timeout), *m.argv(path)],
                stdin=stdin,
                stdout=out_file if out_file is not None else subprocess.DEVNULL,
                stderr=err_file,
                pass_fds=(write_fd,),
                # Its own process group, so a timeout kills the command too.
                start_new_session=True,
            )
        finally:
            os.close(write_fd)

        def kill() -> None:
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        # A backstop only: the launcher kills the command itself at `timeout`.
        timer = threading.Timer(timeout + 30, kill)
        timer.start()
        try:
            with os.fdopen(os.dup(read_fd), "rb") as report_pipe:
                fields = report_pipe.read().decode().split()
            proc.wait()
        finally:
            timer.cancel()
        note = ""
        if timed_out.is_set() or len(fields) != 5:
            note = "launcher killed" if timed_out.is_set() else "no report"
            fields = ["-1", "0", "0", "0", "0"]
        code, utime, stime, maxrss, wall = fields
        returncode = int(code)
        if returncode == -signal.SIGKILL and float(wall) >= timeout:
            # Figures so far: a lower bound on what the full run would cost.
            note = f"killed at the {timeout:g} s timeout; figures are up to then"
        elif not note and returncode != 0:
            err_file.seek(0)
            tail = err_file.read().decode(errors="replace").strip().splitlines()[-1:]
            note = f"exit {returncode}: {tail[0] if tail else ''}"[:120]
        elif not note and m.check is not None and out_file is not None:
            out_file.seek(0)
            note = m.check(out_file.read().decode(errors="replace"), lines)
    return Result(
        name=m.name,
        cpu=float(utime) + float(stime),
        wall=float(wall),
        # ru_maxrss is in KiB on Linux.
        rss_mb=int(maxrss) / 1024,
        returncode=returncode,
        note=note,
    )


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"machine: {model}, {os.cpu_count()} logical cores, {platform.system()} "
        f"{platform.release()}\npython:  {platform.python_version()} "
        f"({platform.python_implementation()}) at {sys.executable}"
    )


def count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _ratio(a: float, b: float, partial: bool = False) -> str:
    """a/b; `partial` marks a numerator from a killed run, so only a lower bound."""
    if b <= 0:
        return "n/a"
    return f"{'>= ' if partial else ''}{a / b:.1f}x"


def report(results: dict[str, Result], lines: int, size: int) -> str:
    out = [f"\n{lines:,} lines, {size / 1e6:.1f} MB"]
    header = f"{'':<9} {'CPU s':>8} {'wall s':>8} {'lines/s (CPU)':>14} {'peak RSS MB':>12}  note"
    out += [header, "-" * len(header)]
    for r in results.values():
        # A command that failed or was killed did not read every line.
        rate = f"{lines / r.cpu:,.0f}" if r.cpu > 0 and r.returncode == 0 else "n/a"
        row = f"{r.name:<9} {r.cpu:>8.2f} {r.wall:>8.2f} {rate:>14} {r.rss_mb:>12.1f}  {r.note}"
        out.append(row.rstrip())
    analyze = results.get("analyze")
    if analyze is not None:
        killed = analyze.returncode != 0
        if "loop" in results:
            loop = results["loop"].cpu
            out.append(f"analyze CPU / bare loop CPU: {_ratio(analyze.cpu, loop, killed)}")
        if "lnav" in results:
            lnav = results["lnav"].cpu
            out.append(f"analyze CPU / lnav CPU:      {_ratio(analyze.cpu, lnav, killed)}")
        if "watch" in results and not killed:
            # Same file, so per-line CPU is the CPU ratio; spelled out per line
            # because that is the figure that matters for a live stream.
            per_watch = results["watch"].cpu / max(lines, 1)
            per_analyze = analyze.cpu / max(lines, 1)
            # Only a killed watch makes this a lower bound; a killed analyze voids it.
            partial = results["watch"].returncode != 0 and not killed
            out.append(
                f"watch / analyze per-line CPU: {_ratio(per_watch, per_analyze, partial)} "
                f"({per_watch * 1e6:.1f} vs {per_analyze * 1e6:.1f} us/line)"
            )
    return "\n".join(out)


# --- many files: --jobs and --dask -----------------------------------------------------------


@dataclass
class TreeResult:
    name: str
    wall: float
    cpu: float
    main_rss_mb: float
    worker_rss_mb: float  # the largest process other than the main one (0: none)
    processes: int
    returncode: int
    digest: str


def _descendants(root: int) -> list[int]:
    """`root` and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and brackets: fields follow the last ')'
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _hwm_kb(pid: int) -> int | None:
    """A process's peak RSS so far (VmHWM), in KiB."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    """A process's CPU time so far (user + system), in seconds."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_run(name: str, argv: list[str], timeout: float) -> TreeResult:
    """Run `argv`, sampling the peak RSS of each process of its tree every 50 ms."""
    import hashlib

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, start_new_session=True)
        peaks: dict[int, int] = {}
        cpu: dict[int, float] = {}
        deadline = start + timeout
        while proc.poll() is None:
            for pid in _descendants(proc.pid):
                hwm = _hwm_kb(pid)
                if hwm is not None and hwm > peaks.get(pid, 0):
                    peaks[pid] = hwm
                used = _cpu_s(pid)
                if used is not None:
                    cpu[pid] = used
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.05)
        wall = time.perf_counter() - start
        code = proc.returncode  # reaped by poll(): its CPU is in our children's usage
        # the tree's CPU: what was reaped into the main process's usage, or the sum of
        # what each process had used at the last sample (for those no one reaped, such
        # as the fork server's workers), whichever is more
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()[:12]
        if code not in (0, 1):
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-1:]
            print(f"  {name}: exit {code}: {tail[0] if tail else ''}"[:160])
    main_kb = peaks.pop(proc.pid, 0)
    return TreeResult(
        name=name,
        wall=wall,
        cpu=max(reaped, sum(cpu.values())),
        main_rss_mb=main_kb / 1024,
        worker_rss_mb=max(peaks.values(), default=0) / 1024,
        processes=1 + len(peaks),
        returncode=code if code is not None else -1,
        digest=digest,
    )


def _dask_installed() -> bool:
    probe = [sys.executable, "-c", "import distributed"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def multi(args: argparse.Namespace) -> int:
    """The many-files benchmark (see the module's docstring)."""
    print(machine())
    per_file = args.lines[0]
    workdir = Path(tempfile.mkdtemp(prefix="diagnoser-bench-multi-"))
    try:
        files: list[Path] = []
        start = time.perf_counter()
        for index in range(args.instances):
            name = "abcdefghijklmnopqrstuvwxyz"[index % 26] + ("" if index < 26 else str(index))
            day = workdir / f"day-{name}.tmp"
            _generate_in_child(day, 2 * per_file, args.seed + index)
            first = workdir / f"web-{name}.2025-07-30T00.log"
            second = workdir / f"web-{name}.2025-07-30T12.log"
            with day.open("rb") as source, first.open("wb") as a, second.open("wb") as b:
                for number, line in enumerate(source):
                    (a if number < per_file else b).write(line)
            day.unlink()
            files += [first, second]
        size = sum(f.stat().st_size for f in files)
        print(
            f"\n{len(files)} files x {per_file:,} lines across {args.instances} instances "
            f"({size / 1e6:,.0f} MB), generated in {time.perf_counter() - start:.0f} s"
        )
        base = [sys.executable, "-m", "diagnoser", "analyze", "--format", "json"]
        base += ["--fail-on", "never"]
        paths = [str(f) for f in files]
        runs = [("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"])]
        if _dask_installed():
            runs.append(("--dask local", ["--dask", "local", "--jobs", "2"]))
        else:
            print("note: the dask extra is not installed, skipping --dask local")
        results = [_tree_run(label, [*base, *flags, *paths], args.timeout) for label, flags in runs]
        print(multi_report(results, per_file * len(files)))
    finally:
        if args.keep:
            print(f"\nkept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def multi_report(results: list[TreeResult], lines: int) -> str:
    header = (
        f"{'':<13} {'wall s':>7} {'speed-up':>9} {'CPU s':>7} {'lines/s (wall)':>15} "
        f"{'RSS main MB':>12} {'RSS worker MB':>14} {'procs':>6}  report"
    )
    out = [header, "-" * len(header)]
    one = results[0].wall if results else 0.0
    for r in results:
        rate = f"{lines / r.wall:,.0f}" if r.wall > 0 else "n/a"
        worker = f"{r.worker_rss_mb:.1f}" if r.worker_rss_mb else "-"
        out.append(
            f"{r.name:<13} {r.wall:>7.2f} {_ratio(one, r.wall):>9} {r.cpu:>7.2f} {rate:>15} "
            f"{r.main_rss_mb:>12.1f} {worker:>14} {r.processes:>6}  {r.digest}"
        )
    same = len({r.digest for r in results}) == 1 and all(r.returncode in (0, 1) for r in results)
    out.append(f"identical JSON reports: {'yes' if same else 'NO'}")
    if len(results) > 1 and results[1].wall > 0:
        out.append(f"--jobs 2 speed-up over --jobs 1 (wall): {one / results[1].wall:.2f}x")
    return "\n".join(out)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate a realistic Render log day and measure diagnoser on it.",
        epilog="Names for --only: " + ", ".join(measurements()),
    )
    parser.add_argument(
        "--lines",
        type=int,
        action="append",
        metavar="N",
        help="lines to generate (repeatable: one table per size; default 1,000,000)",
    )
    parser.add_argument("--out", type=Path, help="write the generated log here (one size only)")
    parser.add_argument("--file", type=Path, help="measure this existing file instead")
    parser.add_argument("--keep", action="store_true", help="keep the generated file(s)")
    parser.add_argument("--only", help="comma-separated measurements (default: all)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds before a child is killed"
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="write the log and stop, no measurements"
    )
    parser.add_argument(
        "--multi",
        action="store_true",
        help="many files: --jobs 1, --jobs 2 and --dask local over 2 files per instance "
        "(--lines: lines per file)",
    )
    parser.add_argument(
        "--instances", type=int, default=4, help="instances for --multi (default 4)"
    )
    args = parser.parse_args(argv)
    if args.file is not None and args.lines:
        parser.error("--file and --lines are exclusive")
    if args.file is not None and not args.file.is_file():
        parser.error(f"--file {args.file}: no such file")
    if args.lines is None:
        args.lines = [1_000_000]
    if any(n <= 0 for n in args.lines):
        parser.error("--lines must be positive")
    if args.generate_only and args.file is not None:
        parser.error("--generate-only writes a new file; drop --file")
    if args.out is not None and len(args.lines) > 1:
        parser.error("--out takes one --lines size")
    known = measurements()
    names = list(known) if args.only is None else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        parser.error(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(known)}")
    args.names = names
    return args


def _generate_in_child(path: Path, size: int, seed: int) -> None:
    """Generate in a separate process so this one stays small.

    On Linux a child's ru_maxrss is at least its parent's peak RSS at spawn time
    (exec carries the old address space's high-water mark over), so building a
    million lines here would inflate every figure measured after it.
    """
    argv = [sys.executable, __file__, "--generate-only", "--lines", str(size)]
    subprocess.run([*argv, "--out", str(path), "--seed", str(seed)], check=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.multi:
        return multi(args)
    if args.generate_only:
        for size in args.lines:
            path = args.out if args.out is not None else Path(f"render-day-{size}.log")
            start = time.perf_counter()
            gen = generate(path, size, args.seed)
            print(
                f"generated {gen.lines:,} lines, {gen.size / 1e6:.1f} MB in "
                f"{time.perf_counter() - start:.1f} s: {path}",
                flush=True,
            )
        return 0
    print(machine())
    known = measurements()
    chosen = [known[n] for n in args.names]
    if any(m.name == "lnav" for m in chosen) and shutil.which("lnav") is None:
        print("note: lnav is not on PATH, skipping it")
        chosen = [m for m in chosen if m.name != "lnav"]

    workdir = Path(tempfile.mkdtemp(prefix="diagnoser-bench-"))
    analyze_rss: list[tuple[int, float]] = []
    try:
        sizes: list[int | None] = [None] if args.file is not None else list(args.lines)
        for size in sizes:
            if size is None:
                path = args.file
                lines = count_lines(path)
            else:
                path = args.out if args.out is not None else workdir / f"render-day-{size}.log"
                print(flush=True)
                _generate_in_child(path, size, args.seed)
                lines = count_lines(path)
            results = {m.name: _run(m, path, lines, args.timeout) for m in chosen}
            print(report(results, lines, path.stat().st_size))
            if "analyze" in results:
                analyze_rss.append((lines, results["analyze"].rss_mb))
            if size is not None and args.out is None and not args.keep:
                path.unlink()
        for (n1, r1), (n2, r2) in itertools.pairwise(analyze_rss):
            print(
                f"\nanalyze peak RSS, {n2:,} vs {n1:,} lines ({_ratio(n2, n1)} the lines): "
                f"{r2:.1f} / {r1:.1f} MB = {_ratio(r2, r1)}"
            )
    finally:
        if args.keep:
            kept = sorted(workdir.iterdir())
            if kept:
                print("\nkept: " + ", ".join(str(p) for p in kept))
            else:
                workdir.rmdir()
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

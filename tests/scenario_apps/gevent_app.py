"""A WSGI app for the gevent worker whose view blocks the whole worker.

/ok          answers at once
/block?s=N   sleeps N seconds in C (libc's sleep through ctypes): gevent's
             monkey-patching replaces time.sleep, not C code, so the hub never
             runs, no other greenlet does, and the heartbeat stops
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

StartResponse = Callable[..., Any]

LIBC = ctypes.CDLL(None, use_errno=True)


def blocking_call(seconds: int) -> bytes:
    LIBC.sleep(seconds)  # a C call: gevent cannot switch away from it
    return b"slept\n"


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("PATH_INFO") == "/block":
        body = blocking_call(int(query.get("s", ["6"])[0]))
    else:
        body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]

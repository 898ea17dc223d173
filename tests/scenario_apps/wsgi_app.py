"""A WSGI app whose endpoints are slow in known ways.

/ok           answers at once
/sleep?s=N    sleeps N seconds in app code (a slow request)
/upstream?url=U  calls U with urllib and no timeout (a slow upstream)
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

StartResponse = Callable[..., Any]


def slow_view(seconds: float) -> bytes:
    time.sleep(seconds)
    return b"slept\n"


def call_upstream(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:  # no timeout: blocks the worker
        return bytes(response.read())


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    path = environ.get("PATH_INFO", "/")
    if path == "/sleep":
        body = slow_view(float(query.get("s", ["5"])[0]))
    elif path == "/upstream":
        body = call_upstream(query["url"][0])
    else:
        body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]

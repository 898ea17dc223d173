"""A WSGI app that takes longer to import than Gunicorn's timeout.

Its import sleeps SLOW_IMPORT_SECONDS (default 6) before `app` exists, as an app
that loads a model or warms a cache at import does. Without --preload every
worker imports it after it boots, under the heartbeat.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]

time.sleep(float(os.environ.get("SLOW_IMPORT_SECONDS", "6")))


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [b"ok\n"]

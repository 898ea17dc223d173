"""An app whose workers die right after they boot, every time."""

import os
import threading

threading.Timer(0.3, os._exit, (1,)).start()


def app(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]

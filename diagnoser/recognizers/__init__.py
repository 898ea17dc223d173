"""Recognizers: one record in, a typed event (or nothing) out.

- `parser.LineParser`: the state machine (headers, tracebacks, indented blocks)
  and the line accounting
- `gunicorn`: Gunicorn and Uvicorn message templates
- `app`, `django`, `database`: the application's own output
- `platform`: the companion lines of kernels, platforms and proxies
- `traceback`, `frames`: traceback assembly and stuck-frame classification
"""

from __future__ import annotations

from diagnoser.envelopes import LineCounts
from diagnoser.recognizers.parser import LineParser

__all__ = ["LineCounts", "LineParser"]

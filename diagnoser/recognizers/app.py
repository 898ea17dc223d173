"""The application's own output that tells about a worker: progress bars at boot,
bare exception lines, and configuration printed as JSON.
"""

from __future__ import annotations

import re

from diagnoser.envelopes.json import loads

# tqdm: `Downloading shards:  50%|█████     | 1/2 [00:10<00:10, 1.2s/it]`
PROGRESS = re.compile(r"\d{1,3}%\|")
# `psycopg_pool.PoolTimeout: couldn't get…`, `ModuleNotFoundError: No module named 'x'`
EXCEPTION = re.compile(
    r"((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Timeout|Canceled|Cancelled|Exit))"
    r"(?:: (.*))?$"
)
# keys that make a JSON object a server configuration rather than a log record
_CONFIG_KEYS = frozenset({"workers", "bind", "worker_class", "timeout", "graceful_timeout"})


def is_progress(message: str) -> bool:
    """A progress bar (tqdm and alike), possibly with other output glued to it."""
    return "%|" in message and PROGRESS.search(message) is not None


def match_exception(message: str) -> dict[str, str | int | float] | None:
    """A bare `Type: message` exception line (outside a traceback)."""
    if ": " not in message and not message.endswith(("Error", "Exception")):
        return None
    m = EXCEPTION.match(message)
    if m is None:
        return None
    return {"exception": message, "exception_type": m.group(1)}


def match_config_json(message: str) -> dict[str, str | int | float] | None:
    """A configuration printed as one JSON object (`{"workers": 64, "bind": …}`)."""
    if not message.startswith("{") or ('"workers"' not in message and '"bind"' not in message):
        return None
    data = loads(message)  # None for what is not JSON, or nests too deep to decode
    if not isinstance(data, dict) or not _CONFIG_KEYS & data.keys():
        return None
    return {
        str(key): value
        for key, value in data.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    }


def config_value(text: str) -> str | int | float:
    """A `name: value` of Gunicorn's debug configuration dump, typed when numeric."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text

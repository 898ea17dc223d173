"""Hosting-platform text prefixes: `render logs -o text`, Heroku's CLI source
column and its log drain frame, Fly's `app[id] region [level]`, and a log
viewer's `YYYY-MM-DD HH:MM:SS` stamp.

§ numbers refer to `shared/reference/platform-log-formats.md`.
"""

from __future__ import annotations

import re

from diagnoser.envelopes.record import Layer
from diagnoser.timestamps import naive_ts, rfc3339_text_ts

# `YYYY-MM-DD HH:MM:SS` (render logs -o text, §1.3; a viewer's stamp, corpus 116).
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
# Heroku CLI source (§3.1): `app[web.1]: `, `heroku[router]: `.
HEROKU_SOURCE = re.compile(r"(app|heroku)\[([^\]\s]+)\]:(?: |$)")
# Fly (§5.4): `app[8e40d3b769e2d8] dfw [info]` then the message, no separator.
FLY = re.compile(r"(?:app|proxy|runner)\[([0-9a-z]+)\] [a-z0-9]{3,4} \[[a-z]+\]")
# Heroku drain frame (§3.4): `<len> <PRI>1 <ts> host <app|heroku> <proc> - <msg>`, and
# some frames carry `- -`. No SD parsing: `[GIN] …` messages would pass for SD.
HEROKU_DRAIN = re.compile(r"\d+ <\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) -(?: -)?(?: |$)")


def heroku_or_fly(text: str, end: int, ts: float | None) -> Layer | None:
    """Heroku's `app[web.1]: ` or Fly's `app[id] dfw [info]` after a stamp ending at `end`."""
    heroku = HEROKU_SOURCE.match(text, end)
    if heroku is not None:
        return text[heroku.end() :], ts, heroku.group(2), "heroku"
    fly = FLY.match(text, end)
    if fly is not None:
        return text[fly.end() :], ts, fly.group(1), "fly"
    return None


def heroku_drain(text: str) -> Layer | None:
    drain = HEROKU_DRAIN.match(text)
    if drain is None:
        return None
    stamp, _, _, proc = drain.groups()
    return text[drain.end() :], rfc3339_text_ts(stamp), proc, "heroku-drain"


def date_space(text: str) -> Layer | None:
    """`YYYY-MM-DD HH:MM:SS  msg` (render-text) or `… [YYYY-…` (a viewer's stamp)."""
    if text[13:14] != ":" or text[16:17] != ":":
        return None
    sep = text[19:21]
    if sep == "  ":
        wrapper, cut = "render-text", 21
    elif sep == " [" and text[25:26] == "-" and text[21:25].isdigit():
        # Only before a bracketed date (Gunicorn's own stamp, corpus 116): Gunicorn
        # 0.x `2012-07-13 14:59:27 [2] [CRITICAL]` and `%(asctime)s [%(levelname)s]`
        # app lines keep their timestamp.
        wrapper, cut = "date-prefix", 20
    else:
        return None
    if DATE_TIME.match(text) is None:
        return None
    return text[cut:], naive_ts(text[:19]), "", wrapper

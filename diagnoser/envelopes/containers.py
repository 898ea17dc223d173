"""Container wrappers: `docker logs --timestamps`, CRI node log files, `kubectl
logs --prefix`, Docker Compose's `name  | ` column and a k9s pane border.

§ numbers refer to `shared/reference/platform-log-formats.md`.
"""

from __future__ import annotations

import re

from diagnoser.envelopes.record import Layer

# kubectl logs --prefix: `[pod/<pod>/<container>] `.
KUBECTL_PREFIX = re.compile(r"\[pod/([^/\]\s]+)/[^\]\s]*\] ")
# Docker Compose (§6; corpus 109/117/122): the name is padded to the widest name + 1,
# then ` | `, so at least two spaces stand before the bar.
COMPOSE = re.compile(r"([A-Za-z0-9][\w.-]*)  +\|(?: |$)")
_CRI_STREAMS = ("stdout ", "stderr ")
_CRI_TAGS = ("F", "P")


def cri(rest: str, ts: float | None) -> Layer | None:
    """CRI node log file after its stamp: `stdout|stderr F|P <line>` (P: a partial line)."""
    if rest[:7] in _CRI_STREAMS and rest[7:8] in _CRI_TAGS and rest[8:9] in (" ", ""):
        return rest[9:], ts, "", "cri"
    return None


def docker_or_render(rest: str, ts: float | None, frac: str | None) -> Layer:
    """A `Z` stamp and the message: docker/kubelet or the Render dashboard.

    docker/kubelet print a fixed 9-digit fraction; Render's RFC3339Nano drops
    trailing zeros (§0.3). A 9-digit Render line cannot be told from docker.
    """
    if frac is not None and len(frac) == 10:
        return rest, ts, "", "docker"
    return rest, ts, "", "render-dashboard"


def kubectl_prefix(text: str) -> Layer | None:
    m = KUBECTL_PREFIX.match(text)
    if m is None:
        return None
    return text[m.end() :], None, m.group(1), "kubectl-prefix"


def compose(text: str) -> Layer | None:
    m = COMPOSE.match(text)
    if m is None:
        return None
    name = m.group(1)
    if name.isupper() or name.isdigit():
        return None  # `INFO     | …`, `200   | …`: an app's own columns, not a service
    return text[m.end() :], None, name, "docker-compose"


def k9s(text: str) -> Layer | None:
    # A k9s pane border (corpus 102); the pane pads lines with spaces on the right.
    if text[1:2] in (" ", ""):
        return text[2:].rstrip(" "), None, "", "k9s"
    return None

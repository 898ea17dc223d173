"""Envelopes: the wrappers a log line arrives in, removed before recognition.

- `stage.EnvelopeStage`: physical lines in, `Record`s out (holds JSON assembly state)
- `record`: `Record`, the one type the recognizers receive; `Envelope`; `LineCounts`
- `unwrap`: one line's wrappers peeled as they nest, dispatched on the first character
- `syslog`: syslog files, journald, RFC 3164/5424 frames, dmesg
- `containers`: docker, CRI, kubectl, Docker Compose, k9s
- `platforms`: Render text, Heroku CLI and drain, Fly
- `json`: JSON lines and pretty-printed multi-line records, one set of key lists

The templates come from `shared/reference/platform-log-formats.md` and the
real-log corpus.
"""

from __future__ import annotations

from diagnoser.envelopes.record import Envelope, LineCounts, Record
from diagnoser.envelopes.stage import EnvelopeStage
from diagnoser.envelopes.unwrap import strip_ansi, unwrap

__all__ = ["Envelope", "EnvelopeStage", "LineCounts", "Record", "strip_ansi", "unwrap"]

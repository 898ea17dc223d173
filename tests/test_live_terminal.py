"""The live view in a real terminal: tmux runs `diagnoser watch` on a pty, the test
feeds it the runbook incident through a FIFO and reads the screen before, during
and after the incident, then presses Ctrl-C and reads the handover to the report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (Debian's tmux package)"
)

BOOT = [
    "2025-07-30 14:09:30  [2025-07-30 11:09:30 -0300] [85] [INFO] Booting worker with pid: 96",
    *(
        f"2025-07-30 14:09:{s:02d}  127.0.0.1 - - [30/Jul/2025:11:09:{s:02d} -0300] "
        '"GET /promocoes/ HTTP/1.1" 200 512 "-" "Mozilla/5.0"'
        for s in range(31, 60)
    ),
]
RUNBOOK = (ROOT / "sample_logs" / "render-runbook-incident.log").read_text().splitlines()


class Screen:
    def __init__(self, socket: str, session: str) -> None:
        self.socket = socket
        self.session = session

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout

    def text(self, history: bool = False) -> str:
        extra = ["-S", "-"] if history else []
        return self.tmux("capture-pane", "-p", "-J", *extra, "-t", self.session)

    def wait_for(self, ok: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = self.text()
        while time.monotonic() < deadline:
            text = self.text()
            if ok(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"the screen never showed it; it shows:\n{text}")


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[tuple[Screen, int, Path]]:
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    done = tmp_path / "exit-code"
    socket = f"diagnoser-test-{uuid.uuid4().hex[:8]}"
    command = (
        f"cd {ROOT} && {sys.executable} -m diagnoser watch --width 150 {fifo}; "
        f"echo $? > {done}; sleep 30"
    )
    tmux = ["tmux", "-L", socket, "new-session", "-d", "-s", "watch", "-x", "160", "-y", "60"]
    subprocess.run(
        [*tmux, "bash", "--norc", "--noprofile", "-c", command],
        check=True,
        timeout=10,
        env={**os.environ, "TERM": "xterm-256color", "NO_COLOR": ""},
    )
    screen = Screen(socket, "watch")
    writer = os.open(fifo, os.O_WRONLY)  # blocks until watch opens it
    try:
        yield screen, writer, done
    finally:
        with contextlib.suppress(OSError):
            os.close(writer)
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


def send(writer: int, lines: list[str]) -> None:
    os.write(writer, ("\n".join(lines) + "\n").encode())


def test_the_screen_before_during_and_after_the_incident(
    screen: tuple[Screen, int, Path],
) -> None:
    view, writer, done = screen
    # before: a worker booted and serving; no incident
    send(writer, BOOT)
    before = view.wait_for(lambda s: "30 lines" in s and "No incidents yet." in s)
    row = next(line for line in before.splitlines() if " 96 " in line)
    assert "running" in row and "booting" not in row
    assert " 29s " in row  # its age: 11:09:30 to 11:09:59, in log time
    assert "29*" in row  # the instance's requests since it started
    # during: the WORKER TIMEOUT
    send(writer, RUNBOOK[:1])
    during = view.wait_for(lambda s: "provisional" in s)
    row = next(line for line in during.splitlines() if " 96 " in line and "timed_out" in line)
    assert row
    assert "Worker timeout" in during  # the incident row's title
    # after: the exit and the SIGKILL; the narrower rule's incident, then its fix
    send(writer, RUNBOOK[1:])
    after = view.wait_for(lambda s: "confirmed" in s and "Fix for inc-" in s, timeout=30)
    row = next(line for line in after.splitlines() if " 96 " in line and "killed" in line)
    assert row
    incident = next(line for line in after.splitlines() if "confirmed" in line)
    assert "critical" in incident and "slow_request" in incident and "/96" in incident
    assert "timeout" in after and "gunicorn" in after.lower()  # the fix's setting and file
    # Ctrl-C: the view gives way to the final report, drawn once
    view.tmux("send-keys", "-t", "watch", "C-c")
    deadline = time.monotonic() + 20
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done.read_text().strip() == "130"
    history = view.text(history=True)
    assert history.count("diagnoser watch  ") == 0  # the live frame is gone, not left above
    assert history.count("Gunicorn killed worker 96") == 1  # the report's finding, once

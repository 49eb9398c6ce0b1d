"""`python -m bench` stopped with SIGTERM stops the servers it started.

Runs the benchmark against bench's trivial server only (no s3box, no file-system
settling) and stops it as soon as the server is up: a second or two.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_MANY_ROUNDS = ("--only", "get_4k", "--rounds", "1000")


def _children(pid: int) -> dict[int, str]:
    """Processes whose parent is pid: their command lines."""
    out: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out[int(entry)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_stops_the_targets_and_reports() -> None:
    proc = subprocess.Popen(
        # Enough rounds that the run cannot end on its own before the signal lands.
        [sys.executable, "-m", "bench", "--quick", "--targets", "trivial", *_MANY_ROUNDS],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        servers: list[int] = []
        while not servers:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "the trivial server never started"
            servers = [p for p, cmd in _children(proc.pid).items() if "trivial_server" in cmd]
            time.sleep(0.05)  # polling for the server to appear; the deadline bounds it
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = output.decode(errors="replace")
    assert proc.returncode == 130, text
    assert "interrupted" in text
    # The bench waits for each server it stops, so none may be left once it has exited.
    assert not any(_alive(p) for p in servers), f"left running: {servers}\n{text}"

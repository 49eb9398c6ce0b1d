"""`python -m bench` stopped with SIGTERM stops the servers it started.

Runs the benchmark against bench's trivial server only (no s3box, no file-system
settling) and stops it once the first round was measured, while the load
generator runs: a second or two.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
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


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the bench and everything it started (it leads its own session)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def test_sigterm_stops_the_targets_and_reports() -> None:
    proc = subprocess.Popen(
        # Enough rounds that the run cannot end on its own before the signal lands.
        [sys.executable, "-m", "bench", "--quick", "--targets", "trivial", *_MANY_ROUNDS],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # so a failed or timed-out test can kill the whole group
    )
    lines: list[str] = []
    # A bench that hangs without printing must not hang the test: kill it.
    watchdog = threading.Timer(120, _stop_group, args=(proc,))
    watchdog.start()
    try:
        assert proc.stdout is not None
        # Wait for the first measured round: the signal must land while the load
        # generator's event loop runs (where uvloop used to swallow it), not before.
        servers: list[int] = []
        for raw in proc.stdout:
            lines.append(raw.decode(errors="replace"))
            if not servers:
                servers = [p for p, cmd in _children(proc.pid).items() if "trivial_server" in cmd]
            if " r1 " in lines[-1]:
                break
        assert servers, "the trivial server never started\n" + "".join(lines)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
        _stop_group(proc)
    text = "".join(lines) + output.decode(errors="replace")
    assert proc.returncode == 130, text
    assert "interrupted" in text
    assert "Fatal error" not in text, text
    # The bench waits for each server it stops, so none may be left once it has exited.
    assert not any(_alive(p) for p in servers), f"left running: {servers}\n{text}"

"""Keeping s3box's GIL-bound threads on one CPU.

Python runs one thread at a time. Every time the event loop hands the interpreter to a
storage worker thread (or back), the kernel wakes the other thread; when it sleeps on
another CPU that is a cross-CPU wake-up, which on virtual machines (an IPI, often a halted
vCPU to resume) costs tens of microseconds with nobody holding the interpreter. Pinning
the event loop thread, and so the worker threads it creates, to one CPU turns those
hand-offs into same-CPU switches. Measured on a 2-vCPU VM: small PUTs 1,500 -> 3,000
ops/s, small GETs 5,500 -> 9,000 (docs/decisions/cpu-affinity.md).

Threads that spend long stretches without the GIL (hashing, writing and reading large
bodies) gain from the other CPUs, so they undo the pin for themselves with `unpin()`.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("s3box.server")

# The CPUs the process may use, as they were before pin_current_thread() narrowed the
# calling thread's set (None until then: unpin() has nothing to undo).
_allowed: frozenset[int] | None = None


def pin_current_thread() -> int | None:
    """Pin the calling thread (threads it starts later inherit the pin) to one of the
    CPUs the process may use, picked by process id so that several s3box processes on
    one machine spread out. Returns the CPU, or None when there is nothing to choose
    (one CPU, or a platform without sched_setaffinity)."""
    global _allowed
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        allowed = frozenset(os.sched_getaffinity(0))
        if len(allowed) < 2:
            return None
        cpu = sorted(allowed)[os.getpid() % len(allowed)]
        if _allowed is None:
            _allowed = allowed
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:  # a sandbox that forbids it: run unpinned
        log.debug("could not pin the event loop thread: %s", exc)
        return None
    return cpu


def unpin() -> None:
    """Let the calling thread run on every CPU the process was allowed before pinning
    (used as the initializer of the thread pool for large bodies)."""
    if _allowed is None:
        return
    try:
        os.sched_setaffinity(0, _allowed)
    except OSError:
        pass

"""Pinning the event loop thread to one CPU, and unpinning the large-body threads."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from s3box.server import affinity


def in_thread(fn: Any) -> Any:
    """Run fn in a fresh thread (affinity is per thread: the test process stays as is)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # surfaced below
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def unpinned_set() -> set[int]:
    affinity.unpin()
    return os.sched_getaffinity(0)


def test_pin_narrows_the_thread_to_one_allowed_cpu_and_children_inherit_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(affinity, "_allowed", None)
    allowed = os.sched_getaffinity(0)

    def body() -> tuple[int | None, set[int], set[int], set[int]]:
        cpu = affinity.pin_current_thread()
        mine = os.sched_getaffinity(0)
        child = in_thread(lambda: os.sched_getaffinity(0))
        unpinned = in_thread(unpinned_set)
        return cpu, mine, child, unpinned

    cpu, mine, child, unpinned = in_thread(body)
    if len(allowed) < 2:
        assert cpu is None and mine == allowed  # nothing to choose: left alone
    else:
        assert cpu in allowed
        assert cpu == sorted(allowed)[os.getpid() % len(allowed)]
        assert mine == {cpu}
        assert child == {cpu}  # threads started by a pinned thread stay with it
        assert unpinned == allowed  # ... unless they unpin themselves
    assert os.sched_getaffinity(0) == allowed  # the test's own thread never moved


def test_unpin_before_any_pin_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(affinity, "_allowed", None)
    allowed = os.sched_getaffinity(0)
    cpu = min(allowed)

    def body() -> set[int]:
        os.sched_setaffinity(0, {cpu})
        affinity.unpin()
        return os.sched_getaffinity(0)

    assert in_thread(body) == {cpu}

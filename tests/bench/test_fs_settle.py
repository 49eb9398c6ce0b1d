"""The benchmark's file-system settle step: probe, wait while creates are slow, give up."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.fs_settle import (
    DELETION_WINDOW_S,
    SettleResult,
    note_cleanup,
    probe_staging_us,
    settle_filesystem,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settle(
    tmp_path: Path, costs: list[float], marker: Path | None = None, **kwargs: Any
) -> tuple[SettleResult, FakeTime, list[str]]:
    """settle_filesystem with probes answering `costs` in turn (the last one repeats), a
    fake clock, and no benchmark cleanup on record unless `marker` says otherwise."""
    fake = FakeTime()
    messages: list[str] = []
    answers = iter(costs)
    result = settle_filesystem(
        tmp_path,
        probe=lambda d: next(answers, costs[-1]),
        sleep=fake.sleep,
        clock=fake.clock,
        report=messages.append,
        marker=marker or tmp_path / "no-marker",
        **kwargs,
    )
    return result, fake, messages


def test_probe_makes_staging_like_dirs_and_deletes_nothing(tmp_path: Path) -> None:
    cost = probe_staging_us(tmp_path, dirs=10)
    assert cost > 0
    (sub,) = tmp_path.iterdir()
    assert sorted(p.name for p in sub.iterdir()) == sorted(f"d{i}" for i in range(10))
    assert all([f.name for f in d.iterdir()] == ["part.1"] for d in sub.iterdir())


def test_quiet_file_system_costs_one_probe(tmp_path: Path) -> None:
    result, fake, messages = settle(tmp_path, [20.0])
    assert result.quiet and result.probes == 1 and result.waited_s == 0
    assert fake.sleeps == [] and messages == []


def test_waits_until_creates_are_cheap_again(tmp_path: Path) -> None:
    result, _, messages = settle(tmp_path, [150.0, 120.0, 90.0, 18.0], interval_s=10.0)
    assert result.quiet and result.probes == 4
    assert result.waited_s == 30.0 and result.probe_us == 18.0
    assert len(messages) == 1 and "150 us per directory + file" in messages[0]


def test_gives_up_after_the_bound_and_says_so(tmp_path: Path) -> None:
    result, _, messages = settle(tmp_path, [100.0], max_wait_s=35.0, interval_s=10.0)
    assert not result.quiet
    assert result.waited_s <= 35.0 and result.probes == 4
    assert "still slow" in messages[-1]


def test_waits_out_the_window_after_a_recent_benchmark_cleanup(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    note_cleanup(marker)
    assert abs(float(marker.read_text()) - time.time()) < 5
    marker.write_text(f"{time.time() - 100:.0f}\n")  # the cleanup ended 100 s ago
    result, fake, messages = settle(tmp_path, [20.0], marker=marker)
    assert result.quiet and result.probes == 1
    (slept,) = fake.sleeps
    assert abs(slept - (DELETION_WINDOW_S - 100)) < 5
    assert "deleted its data 100 s ago" in messages[0]


def test_an_old_cleanup_costs_no_wait(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    marker.write_text(f"{time.time() - 3600:.0f}\n")
    result, fake, _ = settle(tmp_path, [20.0], marker=marker)
    assert result.waited_s == 0 and fake.sleeps == []

"""`python -m bench`: run every scenario on every target side by side, print the table.

Targets stay up for the whole run and alternate per round (the order rotates each round) so
slow drifts of the machine hit all of them alike. Every process started is stopped on exit,
including on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import subprocess
import sys
import time
from typing import Any

from bench.fs_settle import SettleResult, note_cleanup, settle_filesystem
from bench.loadgen import ProtocolError
from bench.report import Collector, table, write_json
from bench.scenarios import (
    FULL,
    QUICK,
    SMALL_BUCKET,
    Metric,
    Profile,
    Scenario,
    build_scenarios,
    ensure_bucket,
    profile_summary,
)
from bench.servers import TARGETS, RunningServer, TargetError, interrupt, start_target, venv_bin

DEFAULT_TARGETS = "s3box,moto,trivial"


def parse_size(text: str) -> int:
    """'64M', '1G', '512K' or a byte count."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small counts and 64 MiB objects (~1 minute)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SCENARIO",
        help="run scenarios whose name starts with this (repeatable or comma-separated), "
        "e.g. get_4k, big_put, list, multipart",
    )
    parser.add_argument(
        "--targets",
        default=DEFAULT_TARGETS,
        help=f"comma-separated, from {', '.join(TARGETS)} (default {DEFAULT_TARGETS})",
    )
    parser.add_argument("--rounds", type=int, help="rounds for repeated scenarios")
    parser.add_argument(
        "--sizes", type=parse_size, metavar="SIZE", help="large object size, e.g. 64M or 1G"
    )
    parser.add_argument(
        "--complete-parts",
        help="comma-separated part counts for the CompleteMultipartUpload timing (5 MiB parts)",
    )
    parser.add_argument("--list-keys", type=int, help="keys in the listing bucket")
    parser.add_argument("--list", action="store_true", help="list scenario names and exit")
    return parser.parse_args(argv)


def build_profile(args: argparse.Namespace) -> Profile:
    profile = QUICK if args.quick else FULL
    changes: dict[str, Any] = {}
    if args.rounds:
        changes["rounds"] = args.rounds
    if args.sizes:
        changes["big_bytes"] = args.sizes
        changes["multipart_bytes"] = args.sizes
    if args.complete_parts:
        changes["complete_part_counts"] = tuple(int(p) for p in args.complete_parts.split(","))
    if args.list_keys:
        changes["list_keys"] = args.list_keys
    return dataclasses.replace(profile, **changes)


def select(scenarios: list[Scenario], only: list[str]) -> list[Scenario]:
    wanted = [w for item in only for w in item.split(",") if w]
    if not wanted:
        return scenarios
    chosen = [s for s in scenarios if any(s.name.startswith(w) for w in wanted)]
    if not chosen:
        names = ", ".join(s.name for s in scenarios)
        raise SystemExit(f"no scenario matches {wanted}; known: {names}")
    return chosen


def available(target: str) -> str | None:
    """None when the target can run, else why not (s3box's CLI may not exist yet)."""
    if not target.startswith("s3box"):
        return None
    try:
        subprocess.run(
            [str(venv_bin() / "s3box"), "--version"], check=True, capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`s3box --version` failed: {exc}"
    return None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    """One run: the live targets, the collector, and the scenario loop."""

    def __init__(self, targets: list[str], profile: Profile) -> None:
        self.targets = targets
        self.profile = profile
        self.servers: dict[str, RunningServer] = {}
        self.collector = Collector(targets)
        self.failures: list[str] = []
        self.fs_settle: SettleResult | None = None

    def server(self, target: str) -> RunningServer:
        server = self.servers.get(target)
        if server is not None and server.proc.poll() is not None:
            self.failures.append(f"{target} died (exit {server.proc.returncode}); restarted")
            log(f"  ! {target} died:\n{server.log_tail()}")
            server.stop()
            server = None
        if server is None:
            server = start_target(target)
            self.servers[target] = server
        return server

    def run(self, scenarios: list[Scenario]) -> None:
        for target in self.targets:
            self.server(target)
        self.settle_filesystem()
        for scenario in scenarios:
            for metric in scenario.metrics:
                self.collector.declare(metric)
            targets = [t for t in self.targets if t in scenario.targets]
            rounds = self.profile.rounds if scenario.repeat else 1
            for round_index in range(rounds):
                shift = round_index % max(1, len(targets))
                for target in targets[shift:] + targets[:shift]:
                    self.run_one(scenario, target, round_index)

    def run_one(self, scenario: Scenario, target: str, round_index: int) -> None:
        if round_index and self.timed_out(scenario, target):
            return  # one bounded timeout is the answer; do not spend it again each round
        started = time.perf_counter()
        try:
            results = scenario.run(self.server(target), self.profile)
        except (TargetError, OSError, ProtocolError) as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else repr(exc)
            self.failures.append(f"{scenario.name} on {target}: {first_line}")
            results = {m.key: "error" for m in scenario.metrics}
        for key, value in results.items():
            self.collector.add(target, key, value)
        shown = ", ".join(
            f"{k.split('.', 1)[1]}={v:,.1f}"
            if isinstance(v, float)
            else f"{k.split('.', 1)[1]}={v}"
            for k, v in results.items()
            if not k.endswith(".errors") or v
        )
        elapsed = time.perf_counter() - started
        log(f"  {scenario.name:<16} r{round_index + 1} {target:<14} {shown}  [{elapsed:.1f} s]")

    def settle_filesystem(self) -> None:
        """Untimed: wait out a file system still busy with an earlier mass deletion
        (bench/fs_settle.py). The probe creates files where a small PUT does, in the
        small-object bucket's staging/put of the first s3box target: ext4 places a new
        inode near its parent directory, so that is where the cost shows."""
        target = next((t for t in self.targets if t.startswith("s3box")), None)
        if target is None:
            return
        server = self.server(target)
        ensure_bucket(server, SMALL_BUCKET)
        probe_in = server.data_dir / "buckets" / SMALL_BUCKET / "staging" / "put"
        self.fs_settle = settle_filesystem(probe_in, report=lambda m: log(f"  {m}"))
        waited = self.fs_settle.waited_s
        log(
            f"file system: {self.fs_settle.probe_us:.0f} us per directory + file"
            + (f" after waiting {waited:.0f} s" if self.fs_settle.probes > 1 else "")
        )

    def timed_out(self, scenario: Scenario, target: str) -> bool:
        return any(
            "timeout" in self.collector.values.get(m.key, {}).get(target, [])
            for m in scenario.metrics
        )

    def finish(self) -> None:
        """Record the whole-run peaks and stop every target (data dirs are removed later)."""
        for target, server in self.servers.items():
            self.collector.add(target, "run.peak_rss_mib", server.sampler.peak_bytes / (1 << 20))
        for server in self.servers.values():
            server.stop(remove=False)

    def cleanup(self) -> None:
        if not self.servers:
            return
        log("removing the targets' temporary data dirs ...")
        wrote_files = any(target.startswith("s3box") for target in self.servers)
        for server in self.servers.values():
            server.remove_workdir()
        self.servers.clear()
        if wrote_files:  # moto and the trivial server keep nothing on disk
            note_cleanup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    profile = build_profile(args)
    scenarios = select(build_scenarios(profile), args.only)
    if args.list:
        for scenario in scenarios:
            print(scenario.name)
        return 0
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise SystemExit(f"unknown targets {unknown}; known: {', '.join(TARGETS)}")
    skipped = {t: why for t in targets if (why := available(t))}
    for target, why in skipped.items():
        log(f"skipping target {target}: {why}")
    targets = [t for t in targets if t not in skipped]
    if not targets:
        raise SystemExit("no target can run")

    # `kill` stops a run as Ctrl-C does: targets stopped, data dirs removed,
    # what was measured reported (without this, SIGTERM left the servers running).
    signal.signal(signal.SIGTERM, interrupt)
    bench = Bench(targets, profile)
    bench.collector.declare(Metric("run.peak_rss_mib", "server peak RSS, whole run", "MiB", False))
    log(f"profile {profile.name}; targets {', '.join(targets)}")
    started = time.perf_counter()
    interrupted = False
    try:
        try:
            bench.run(scenarios)
        except KeyboardInterrupt:
            interrupted = True
            log("interrupted: stopping targets, reporting what was measured")
        finally:
            bench.finish()
        report(bench, profile, scenarios, skipped, interrupted, started)
    finally:
        bench.cleanup()
    return 130 if interrupted else 0


def report(
    bench: Bench,
    profile: Profile,
    scenarios: list[Scenario],
    skipped: dict[str, str],
    interrupted: bool,
    started: float,
) -> None:
    # Peak RSS over the run goes last in the table.
    peak = bench.collector.metrics.pop("run.peak_rss_mib")
    bench.collector.metrics["run.peak_rss_mib"] = peak
    print(table(bench.collector))
    for failure in bench.failures:
        print(f"- {failure}")
    path = write_json(
        bench.collector,
        {
            "profile": profile_summary(profile),
            "scenarios": [s.name for s in scenarios],
            "skipped_targets": skipped,
            "failures": bench.failures,
            "interrupted": interrupted,
            "duration_s": round(time.perf_counter() - started, 1),
            "fs_settle": dataclasses.asdict(bench.fs_settle) if bench.fs_settle else None,
        },
    )
    log(f"results written to {path} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())

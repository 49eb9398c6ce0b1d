"""The `s3box` command: arguments, --init, healthcheck, rebuild-index; starts the server.

Turns flags into config overrides and hands a validated Config to the runner. Never
prints a traceback for a user mistake: bad config is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from s3box import __version__
from s3box.config import (
    HTTP_SERVERS,
    LOG_LEVELS,
    Config,
    ConfigError,
    default_config_template,
    load_config,
)
from s3box.storage.rebuild import rebuild_index_offline

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # bad configuration or arguments (argparse uses 2 as well)
EXIT_DATA_DIR = 3  # base_dir cannot be used (not a directory, read-only, no permission)

READY_PATH = "/_s3box/health/ready"


def _add_config_options(parser: argparse.ArgumentParser, *, in_subcommand: bool) -> None:
    """Options that feed load_config. In a subcommand they default to SUPPRESS, so a
    value given before the subcommand name is not reset by the subparser."""
    default: Any = argparse.SUPPRESS if in_subcommand else None
    parser.add_argument(
        "-c", "--config", metavar="FILE", default=default, help="path to config.yaml"
    )
    parser.add_argument(
        "--port", type=int, metavar="N", default=default, help="bind_port (0 = any free port)"
    )
    parser.add_argument("--address", metavar="A", default=default, help="bind_address")
    parser.add_argument("--data-dir", metavar="D", default=default, help="base_dir")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s3box",
        description="S3-compatible object storage server for development and CI.",
        epilog="Precedence: flag > S3BOX_* environment variable > config file > default. "
        "See docs/configuration.md.",
    )
    _add_config_options(parser, in_subcommand=False)
    parser.add_argument("--http-server", choices=HTTP_SERVERS, help="ASGI server to run")
    parser.add_argument("--log-level", choices=LOG_LEVELS, help="logging.level")
    parser.add_argument(
        "--cors",
        action="append",
        metavar="ORIGIN",
        help="allow browser requests from ORIGIN to buckets without a CORS configuration "
        "(repeatable; * allows any origin): cors.allowed_origins",
    )
    parser.add_argument(
        "--domain",
        action="append",
        metavar="NAME",
        help="domains: {bucket}.NAME addresses a bucket (repeatable; replaces the list)",
    )
    parser.add_argument(
        "--init",
        action="store_true",
        help="write a fully commented config.yaml (to -c FILE if given) and exit",
    )
    parser.add_argument("--force", action="store_true", help="with --init: overwrite")
    parser.add_argument("--version", action="version", version=f"s3box {__version__}")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    health = commands.add_parser(
        "healthcheck",
        help="probe a running server's readiness (exit 0 when ready, 1 otherwise)",
        description=f"GET {READY_PATH} on the configured address and port.",
    )
    _add_config_options(health, in_subcommand=True)
    health.add_argument("--url", help=f"URL to probe (default http://<address>:<port>{READY_PATH})")
    health.add_argument("--timeout", type=float, default=2.0, metavar="S", help="seconds")

    rebuild = commands.add_parser(
        "rebuild-index",
        help="rebuild one bucket's SQLite index from its objects/ tree (server stopped)",
        description="Offline rebuild. While the server runs use POST /{bucket}?rebuildIndex.",
    )
    rebuild.add_argument("bucket", metavar="BUCKET")
    _add_config_options(rebuild, in_subcommand=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.force and not args.init:
        parser.print_usage(sys.stderr)
        print("s3box: --force only applies to --init", file=sys.stderr)
        return EXIT_USAGE
    if args.init:
        return write_template(Path(args.config or "config.yaml"), force=args.force)
    if args.command == "healthcheck" and args.url:
        return healthcheck(args.url, timeout=args.timeout)

    try:
        config = load_config(args.config, os.environ, _overrides(args))
    except ConfigError as err:
        print(f"s3box: config error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for warning in config.warnings:
        print(f"s3box: warning: {warning}", file=sys.stderr)

    if args.command == "healthcheck":
        if config.bind_port == 0:
            print("unhealthy: bind_port is 0 (any free port); pass --port or --url")
            return EXIT_FAILURE
        return healthcheck(ready_url(config), timeout=args.timeout)
    if args.command == "rebuild-index":
        return rebuild_index(config, args.bucket)
    problem = data_dir_problem(Path(config.base_dir))
    if problem is not None:
        print(f"s3box: base_dir {config.base_dir}: {problem}", file=sys.stderr)
        return EXIT_DATA_DIR
    return serve(config)


def data_dir_problem(base_dir: Path) -> str | None:
    """Why base_dir cannot hold s3box's data, or None. Creates it (and buckets/)
    when missing, and proves it writable by creating and removing a file: that
    catches a read-only mount and missing permission alike (root included,
    where os.access would say yes)."""
    buckets = base_dir / "buckets"
    try:
        buckets.mkdir(parents=True, exist_ok=True)
        probe = buckets / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except FileExistsError:
        return "is not a directory" if not base_dir.is_dir() else "buckets is not a directory"
    except NotADirectoryError:
        return "is not a directory (a component of the path is a regular file)"
    except OSError as err:
        return f"is not writable: {err.strerror or err}"
    return None


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    flags: Mapping[str, str] = {
        "port": "bind_port",
        "address": "bind_address",
        "data_dir": "base_dir",
        "http_server": "http_server",
        "log_level": "logging.level",
        "cors": "cors.allowed_origins",
        "domain": "domains",
    }
    given = {dest: getattr(args, dest, None) for dest in flags}
    return {flags[dest]: value for dest, value in given.items() if value is not None}


def write_template(path: Path, *, force: bool, out: TextIO | None = None) -> int:
    """--init: write the commented default config; never overwrite without --force."""
    out = out or sys.stdout
    mode = "w" if force else "x"
    try:
        with path.open(mode, encoding="utf-8") as handle:
            handle.write(default_config_template())
    except FileExistsError:
        print(f"s3box: {path} already exists; use --init --force to overwrite it", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as err:
        print(f"s3box: cannot write {path}: {err.strerror or err}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {path}", file=out)
    return EXIT_OK


def ready_url(config: Config) -> str:
    """Where the readiness probe should go; wildcard binds are probed on loopback."""
    host = config.bind_address
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{config.bind_port}{READY_PATH}"


def healthcheck(url: str, *, timeout: float = 2.0) -> int:
    """GET the readiness URL; exit 0 on 200 and 1 otherwise, with one line of output."""
    if url.rstrip("/").count("/") <= 2:  # "http://host:port" alone: add the ready path
        url = url.rstrip("/") + READY_PATH
    # No proxies: a container's HTTP_PROXY must not intercept a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        print(f"unhealthy: {url}: {reason}")
        return EXIT_FAILURE
    if status == 200:
        print(f"ok: {url}")
        return EXIT_OK
    print(f"unhealthy: {url}: HTTP {status}")
    return EXIT_FAILURE


def rebuild_index(config: Config, bucket: str) -> int:
    try:
        count = rebuild_index_offline(Path(config.base_dir), bucket)
    except Exception as err:  # report any engine failure as one line, not a traceback
        print(f"s3box: rebuild-index {bucket}: {err}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"rebuilt index of bucket {bucket}: {count} objects")
    return EXIT_OK


def serve(config: Config) -> int:
    # Imported here, not at the top: the server stack (engine, handlers, awscrt) takes
    # about 0.45 s to import, which healthcheck (run every few seconds by container
    # probes), --init and --help would otherwise pay for nothing.
    from s3box.server.runner import serve as run_server

    return run_server(config)

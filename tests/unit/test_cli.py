"""The s3box command: --init, flags into Config, error lines, healthcheck, rebuild-index."""

from __future__ import annotations

import http.server
import os
import socket
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3box import __version__, cli
from s3box.cli import main, ready_url
from s3box.config import Config, default_config_template, load_config


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No S3BOX_* from the developer's shell, and a scratch working directory."""
    for name in list(os.environ):
        if name.startswith("S3BOX_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> list[Config]:
    """Stands in for s3box.server.runner; records the Config it was started with."""
    started: list[Config] = []
    fake = types.ModuleType("s3box.server.runner")

    def serve(config: Config) -> int:
        started.append(config)
        return 0

    fake.serve = serve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "s3box.server.runner", fake)
    return started


def test_init_writes_the_commented_template_in_the_current_directory(tmp_path, capsys):
    assert main(["--init"]) == 0
    written = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert written == default_config_template()
    assert load_config(tmp_path / "config.yaml", {}, {}) == Config()
    assert "config.yaml" in capsys.readouterr().out


def test_init_refuses_to_overwrite_an_existing_file(tmp_path, capsys):
    (tmp_path / "config.yaml").write_text("mine: true\n")
    assert main(["--init"]) == 1
    assert (tmp_path / "config.yaml").read_text() == "mine: true\n"
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err


def test_init_force_overwrites(tmp_path):
    (tmp_path / "config.yaml").write_text("mine: true\n")
    assert main(["--init", "--force"]) == 0
    assert (tmp_path / "config.yaml").read_text() == default_config_template()


def test_init_writes_to_the_config_path_when_given(tmp_path):
    assert main(["--init", "-c", "conf/s3box.yaml"]) == 1  # missing directory: clear failure
    (tmp_path / "conf").mkdir()
    assert main(["--init", "-c", "conf/s3box.yaml"]) == 0
    assert (tmp_path / "conf" / "s3box.yaml").exists()
    assert not (tmp_path / "config.yaml").exists()


def test_force_without_init_is_a_usage_error(capsys):
    assert main(["--force"]) == 2
    assert "--force only applies to --init" in capsys.readouterr().err


def test_version_and_help_exit_zero(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["-h"]) == 0
    assert "healthcheck" in capsys.readouterr().out


def test_bad_argument_is_a_usage_error(capsys):
    assert main(["--port", "eighty"]) == 2
    assert "invalid int value" in capsys.readouterr().err


def test_no_arguments_starts_the_server_on_defaults(runner):
    assert main([]) == 0
    assert runner == [Config()]


def test_flags_override_environment_and_file(tmp_path, monkeypatch, runner):
    (tmp_path / "c.yaml").write_text("bind_port: 1000\nlogging: {level: error}\nregion: r1\n")
    monkeypatch.setenv("S3BOX_BIND_PORT", "2000")
    monkeypatch.setenv("S3BOX_BIND_ADDRESS", "10.1.1.1")
    argv = ["-c", "c.yaml", "--port", "3000", "--log-level", "debug", "--data-dir", "d"]
    assert main([*argv, "--http-server", "granian", "--address", "127.0.0.1"]) == 0
    (config,) = runner
    assert config.bind_port == 3000
    assert config.bind_address == "127.0.0.1"
    assert config.logging.level == "debug"
    assert config.base_dir == Path("d")
    assert config.http_server == "granian"
    assert config.region == "r1"


def test_runner_exit_code_is_returned(monkeypatch):
    fake = types.ModuleType("s3box.server.runner")
    fake.serve = lambda config: 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "s3box.server.runner", fake)
    assert main([]) == 3


def test_bad_config_file_is_one_line_on_stderr_and_exit_2(tmp_path, capsys, runner):
    (tmp_path / "c.yaml").write_text("bind_prot: 9000\n")
    assert main(["-c", "c.yaml"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "s3box: config error: bind_prot: unknown field; did you mean bind_port? (in c.yaml)\n"
    )
    assert runner == []


def test_bad_environment_value_is_a_config_error(monkeypatch, capsys, runner):
    monkeypatch.setenv("S3BOX_LOG_LEVEL", "loud")
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("s3box: config error: logging.level: must be one of")


def test_missing_config_file_is_a_config_error(capsys):
    assert main(["-c", "absent.yaml"]) == 2
    assert capsys.readouterr().err == (
        "s3box: config error: absent.yaml: cannot read config file: No such file or directory\n"
    )


def test_legacy_alias_warning_is_printed_and_server_starts(tmp_path, capsys, runner):
    (tmp_path / "c.yaml").write_text("maintenance: {max_objects_per_pass: 9}\n")
    assert main(["-c", "c.yaml"]) == 0
    assert runner[0].maintenance.visibility_repair_batch_size == 9
    assert "s3box: warning: maintenance.max_objects_per_pass is deprecated" in (
        capsys.readouterr().err
    )


# --- healthcheck -----------------------------------------------------------------------


class _Probe(http.server.BaseHTTPRequestHandler):
    status = 200
    paths: list[str] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def probe_server() -> Iterator[tuple[int, type[_Probe]]]:
    handler = type("Probe", (_Probe,), {"status": 200, "paths": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()
    thread.join()


def free_port() -> int:
    """A port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthcheck_ready_server_exits_0(probe_server, capsys):
    port, handler = probe_server
    assert main(["healthcheck", "--port", str(port), "--address", "127.0.0.1"]) == 0
    assert handler.paths == ["/_s3box/health/ready"]
    assert capsys.readouterr().out == f"ok: http://127.0.0.1:{port}/_s3box/health/ready\n"


def test_healthcheck_uses_the_environment_like_the_server(probe_server, monkeypatch):
    port, handler = probe_server
    monkeypatch.setenv("S3BOX_BIND_PORT", str(port))
    assert main(["healthcheck"]) == 0
    assert handler.paths == ["/_s3box/health/ready"]


def test_healthcheck_reads_the_config_file(probe_server, tmp_path):
    port, _ = probe_server
    (tmp_path / "c.yaml").write_text(f"bind_port: {port}\n")
    assert main(["healthcheck", "-c", "c.yaml"]) == 0
    assert main(["-c", "c.yaml", "healthcheck"]) == 0


def test_healthcheck_not_ready_exits_1(probe_server, capsys):
    port, handler = probe_server
    handler.status = 503
    assert main(["healthcheck", "--url", f"http://127.0.0.1:{port}"]) == 1
    assert capsys.readouterr().out.strip().endswith("HTTP 503")
    assert handler.paths == ["/_s3box/health/ready"]


def test_healthcheck_nothing_listening_exits_1(capsys):
    assert main(["healthcheck", "--url", f"http://127.0.0.1:{free_port()}/", "--timeout", "1"]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: ")


def test_healthcheck_ignores_proxy_settings(probe_server, monkeypatch):
    port, _ = probe_server
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    assert main(["healthcheck", "--port", str(port)]) == 0


def test_healthcheck_with_port_zero_cannot_probe(capsys):
    assert main(["healthcheck", "--port", "0"]) == 1
    assert "bind_port is 0" in capsys.readouterr().out


def test_ready_url_probes_wildcard_binds_on_loopback():
    assert ready_url(Config()) == "http://127.0.0.1:8002/_s3box/health/ready"
    assert ready_url(Config(bind_address="::", bind_port=9)) == "http://[::1]:9/_s3box/health/ready"
    assert ready_url(Config(bind_address="10.0.0.5")) == "http://10.0.0.5:8002/_s3box/health/ready"


# --- rebuild-index ---------------------------------------------------------------------


@pytest.fixture
def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str]]:
    calls: list[tuple[Path, str]] = []

    def rebuild_index_offline(base_dir: Path, bucket: str) -> int:
        calls.append((base_dir, bucket))
        if bucket == "missing":
            raise LookupError("no such bucket")
        return 42

    monkeypatch.setattr(cli, "rebuild_index_offline", rebuild_index_offline)
    return calls


def test_rebuild_index_calls_the_engine_with_the_data_dir(rebuilds, capsys):
    assert main(["rebuild-index", "photos", "--data-dir", "/srv/s3"]) == 0
    assert rebuilds == [(Path("/srv/s3"), "photos")]
    assert capsys.readouterr().out == "rebuilt index of bucket photos: 42 objects\n"


def test_rebuild_index_takes_the_data_dir_from_the_config(rebuilds, tmp_path):
    (tmp_path / "c.yaml").write_text("base_dir: /data/x\n")
    assert main(["rebuild-index", "b", "-c", "c.yaml"]) == 0
    assert rebuilds == [(Path("/data/x"), "b")]


def test_rebuild_index_failure_is_one_line_and_exit_1(rebuilds, capsys):
    assert main(["rebuild-index", "missing"]) == 1
    assert capsys.readouterr().err == "s3box: rebuild-index missing: no such bucket\n"

"""The config model: documented defaults, a frozen Config, secrets kept out of repr()."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3box.config import Config, load_config


def test_no_file_no_env_gives_the_documented_defaults():
    config = load_config(None, {}, {})
    assert config == Config()
    assert config.bind_address == "0.0.0.0"
    assert config.bind_port == 8002
    assert config.base_dir == Path("./s3box-data")
    assert config.http_server == "uvicorn"
    assert config.region == "us-east-1"
    assert config.storage.sqlite_max_connections == 50
    assert config.storage.meta_cache_capacity == 200000
    assert config.storage.sqlite_repair_cache_capacity == 200000
    assert config.storage.fsync is False
    assert config.logging.level == "info"
    assert config.logging.format == "text"
    assert config.logging.enable_bandwidth_report is True
    assert config.logging.file is None
    assert (config.logging.rotation_size_mb, config.logging.keep_files) == (100, 5)
    assert config.logging.compress is False
    assert config.maintenance.interval_secs == 300
    assert config.maintenance.visibility_repair_batch_size == 100
    assert config.maintenance.visibility_repair_grace_period_secs == 86400
    assert config.maintenance.staging_expiry_secs == 86400
    assert config.maintenance.trash_expiry_secs == 600
    assert config.auth.enabled is False
    assert config.auth.public_hostname is None
    assert config.auth.credentials == ()
    assert config.warnings == ()


def test_port_zero_means_any_free_port_and_is_allowed():
    assert load_config(None, {}, {"bind_port": 0}).bind_port == 0


def test_secret_key_never_appears_in_repr():
    config = load_config(None, {"S3BOX_ACCESS_KEY": "AK", "S3BOX_SECRET_KEY": "s3cr3t"}, {})
    assert "s3cr3t" not in repr(config)


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        Config().bind_port = 1  # type: ignore[misc]

"""Validation: types, ranges, choices and credential entries; each error is one line
naming the field."""

from __future__ import annotations

from pathlib import Path

from s3box.config import SCHEMA, load_config
from tests.unit.config.helpers import error_of, write

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_wrong_type_is_named(tmp_path):
    assert error_of(write(tmp_path, "bind_port: '8002'\n")).startswith(
        "bind_port: expected an integer, got string '8002'"
    )
    assert error_of(write(tmp_path, "storage: {fsync: 1}\n")).startswith(
        "storage.fsync: expected true or false, got integer 1"
    )
    assert error_of(write(tmp_path, "region: 5\n")).startswith(
        "region: expected a string, got integer 5"
    )
    assert error_of(write(tmp_path, "logging: 3\n")).startswith(
        "logging: expected a mapping of fields"
    )


def test_bool_is_not_accepted_as_an_integer(tmp_path):
    message = error_of(write(tmp_path, "bind_port: true\n"))
    assert message.startswith("bind_port: expected an integer, got boolean true")


def test_out_of_range_values_are_rejected():
    assert error_of(overrides={"bind_port": 65536}).startswith(
        "bind_port: must be between 0 and 65535"
    )
    assert error_of(overrides={"bind_port": -1}).startswith(
        "bind_port: must be between 0 and 65535"
    )
    assert error_of(overrides={"logging.rotation_size_mb": 0}).startswith(
        "logging.rotation_size_mb: must be a positive number, got 0"
    )
    assert error_of(overrides={"storage.sqlite_max_connections": 0}).startswith(
        "storage.sqlite_max_connections: must be a positive number"
    )
    assert error_of(overrides={"maintenance.staging_expiry_secs": -5}).startswith(
        "maintenance.staging_expiry_secs: must be >= 0"
    )


def test_enumerations_are_checked_and_case_insensitive():
    assert error_of(overrides={"logging.level": "verbose"}).startswith(
        "logging.level: must be one of trace, debug, info, warn, error; got 'verbose'"
    )
    assert error_of(overrides={"logging.format": "xml"}).startswith(
        "logging.format: must be one of"
    )
    assert error_of(overrides={"http_server": "hypercorn"}).startswith(
        "http_server: must be one of"
    )
    assert load_config(None, {"S3BOX_LOG_LEVEL": "WARN"}, {}).logging.level == "warn"


def test_auth_enabled_without_credentials_is_an_error():
    assert error_of(env={"S3BOX_AUTH_ENABLED": "true"}).startswith(
        "auth.credentials: auth.enabled is true but no credentials"
    )


def test_credential_entries_are_checked_without_echoing_secrets(tmp_path):
    path = write(tmp_path, "auth:\n  credentials:\n    - {access_key: A, secret: hunter2}\n")
    message = error_of(path)
    assert message.startswith("auth.credentials[0].secret: unknown field; did you mean secret_key?")
    path = write(tmp_path, "auth:\n  credentials:\n    - {access_key: A}\n")
    assert error_of(path).startswith("auth.credentials[0].secret_key: is missing")
    path = write(tmp_path, "auth:\n  credentials: hunter2\n")
    message = error_of(path)
    assert message.startswith("auth.credentials: expected a list")
    assert "hunter2" not in message


def test_duplicate_access_key_with_different_secrets_is_an_error():
    creds = [{"access_key": "A", "secret_key": "1"}, {"access_key": "A", "secret_key": "2"}]
    message = error_of(overrides={"auth": {"credentials": creds}})
    assert message.startswith("auth.credentials: access key 'A' is listed twice")


def test_reference_documentation_covers_every_field_and_variable():
    docs = DOCS.read_text(encoding="utf-8")
    for spec in SCHEMA.values():
        assert f"`{spec.path}`" in docs, spec.path
        assert spec.env_var in docs, spec.env_var
    for var in ("S3BOX_LOG_LEVEL", "S3BOX_ACCESS_KEY", "S3BOX_SECRET_KEY", "S3BOX_FSYNC"):
        assert var in docs

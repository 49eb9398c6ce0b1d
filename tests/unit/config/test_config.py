"""Config loading: defaults, precedence, validation messages, aliases, template."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from s3box.config import (
    SCHEMA,
    Config,
    ConfigError,
    Credential,
    default_config_template,
    load_config,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(
    path: Path | None = None, env: dict[str, str] | None = None, overrides: Any = None
) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, env or {}, overrides or {})
    message = str(info.value)
    assert "\n" not in message
    return message


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


def test_empty_file_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "# nothing\n"), {}, {}) == Config()


def test_section_with_all_fields_commented_out_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "storage:\n  # fsync: true\n"), {}, {}) == Config()


def test_file_values_are_loaded(tmp_path):
    path = write(
        tmp_path,
        """
bind_address: "127.0.0.1"
bind_port: 9000
base_dir: /srv/data
http_server: granian
region: eu-west-3
storage: {fsync: true}
logging: {level: debug, format: json, file: /tmp/s3box.log, compress: true}
auth:
  enabled: true
  public_hostname: "localhost:9000"
  credentials:
    - {access_key: AK1, secret_key: SK1}
""",
    )
    config = load_config(path, {}, {})
    assert config.bind_address == "127.0.0.1"
    assert config.bind_port == 9000
    assert config.base_dir == Path("/srv/data")
    assert config.http_server == "granian"
    assert config.region == "eu-west-3"
    assert config.storage.fsync is True
    assert config.logging.level == "debug"
    assert config.logging.format == "json"
    assert config.logging.file == Path("/tmp/s3box.log")
    assert config.auth.public_hostname == "localhost:9000"
    assert config.auth.credentials == (Credential("AK1", "SK1"),)


def test_flag_beats_env_beats_file(tmp_path):
    path = write(tmp_path, "bind_port: 1111\nbind_address: 10.0.0.1\nregion: file-region\n")
    env = {"S3BOX_BIND_PORT": "2222", "S3BOX_BIND_ADDRESS": "10.0.0.2"}
    config = load_config(path, env, {"bind_port": 3333})
    assert config.bind_port == 3333
    assert config.bind_address == "10.0.0.2"
    assert config.region == "file-region"


def test_shortcut_environment_variables():
    env = {
        "S3BOX_BASE_DIR": "/data",
        "S3BOX_HTTP_SERVER": "granian",
        "S3BOX_LOG_LEVEL": "trace",
        "S3BOX_LOG_FORMAT": "json",
        "S3BOX_AUTH_ENABLED": "true",
        "S3BOX_ACCESS_KEY": "AKID",
        "S3BOX_SECRET_KEY": "SECRET",
        "S3BOX_FSYNC": "1",
        "S3BOX_REGION": "ap-south-1",
    }
    config = load_config(None, env, {})
    assert config.base_dir == Path("/data")
    assert config.http_server == "granian"
    assert (config.logging.level, config.logging.format) == ("trace", "json")
    assert config.auth.enabled is True
    assert config.auth.credentials == (Credential("AKID", "SECRET"),)
    assert config.storage.fsync is True
    assert config.region == "ap-south-1"


def test_generic_environment_form_reaches_every_section():
    env = {
        "S3BOX_STORAGE__META_CACHE_CAPACITY": "10",
        "S3BOX_LOGGING__FILE": "/var/log/s3box.log",
        "S3BOX_LOGGING__ENABLE_BANDWIDTH_REPORT": "off",
        "S3BOX_MAINTENANCE__TRASH_EXPIRY_SECS": "0",
        "S3BOX_AUTH__PUBLIC_HOSTNAME": "mys3.example.com",
        "S3BOX_AUTH__CREDENTIALS": "AK1:SK1,AK2:S:K2",
    }
    config = load_config(None, env, {})
    assert config.storage.meta_cache_capacity == 10
    assert config.logging.file == Path("/var/log/s3box.log")
    assert config.logging.enable_bandwidth_report is False
    assert config.maintenance.trash_expiry_secs == 0
    assert config.auth.public_hostname == "mys3.example.com"
    assert config.auth.credentials == (Credential("AK1", "SK1"), Credential("AK2", "S:K2"))


def value_at(config: Config, path: str):
    value = config
    for part in path.split("."):
        value = getattr(value, part)
    return value


SCALARS = [spec for spec in SCHEMA.values() if spec.kind in (int, bool)]


@pytest.mark.parametrize("spec", SCALARS, ids=[spec.path for spec in SCALARS])
def test_every_number_and_flag_has_a_generic_environment_variable(spec):
    raw, expected = ("7", 7) if spec.kind is int else (str(not spec.default), not spec.default)
    env = {spec.env_var: raw, "S3BOX_ACCESS_KEY": "A", "S3BOX_SECRET_KEY": "B"}
    assert value_at(load_config(None, env, {}), spec.path) == expected


def test_empty_environment_value_clears_an_optional_field(tmp_path):
    path = write(tmp_path, "logging: {file: /tmp/x.log}\n")
    assert load_config(path, {"S3BOX_LOGGING__FILE": ""}, {}).logging.file is None


def test_unrelated_s3box_variables_are_ignored():
    assert load_config(None, {"S3BOX_TEST_ENDPOINT": "x", "HOME": "/root"}, {}) == Config()


def test_environment_overrides_file_credentials(tmp_path):
    path = write(tmp_path, "auth: {credentials: [{access_key: A, secret_key: B}]}\n")
    env = {"S3BOX_ACCESS_KEY": "C", "S3BOX_SECRET_KEY": "D"}
    assert load_config(path, env, {}).auth.credentials == (Credential("C", "D"),)


def test_access_key_without_secret_key_is_an_error():
    message = error_of(env={"S3BOX_ACCESS_KEY": "AK"})
    assert message.startswith("auth.credentials: S3BOX_ACCESS_KEY is set but S3BOX_SECRET_KEY")


def test_conflicting_shortcut_and_generic_variables_are_an_error():
    env = {"S3BOX_LOG_LEVEL": "debug", "S3BOX_LOGGING__LEVEL": "error"}
    message = error_of(env=env)
    assert message.startswith("logging.level: set by both")


def test_overrides_accept_dotted_and_nested_names():
    config = load_config(None, {}, {"logging.level": "warn", "storage": {"fsync": True}})
    assert config.logging.level == "warn"
    assert config.storage.fsync is True


def test_unknown_field_names_the_closest_valid_one(tmp_path):
    message = error_of(write(tmp_path, "bind_prot: 9000\n"))
    assert message.startswith("bind_prot: unknown field; did you mean bind_port?")
    message = error_of(write(tmp_path, "storage:\n  meta_cache_capacty: 5\n"))
    assert message.startswith("storage.meta_cache_capacty: unknown field; did you mean")
    assert "storage.meta_cache_capacity" in message


def test_unknown_top_level_field_that_lives_in_a_section_points_there(tmp_path):
    message = error_of(write(tmp_path, "fsync: true\n"))
    assert "did you mean storage.fsync?" in message


def test_unknown_generic_environment_field_is_an_error():
    message = error_of(env={"S3BOX_LOGGING__LEVLE": "debug"})
    assert message.startswith("logging.levle: unknown field; did you mean logging.level?")
    assert "S3BOX_LOGGING__LEVLE" in message


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


def test_port_zero_means_any_free_port_and_is_allowed():
    assert load_config(None, {}, {"bind_port": 0}).bind_port == 0


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


def test_environment_values_of_the_wrong_type_name_the_variable():
    message = error_of(env={"S3BOX_BIND_PORT": "eighty"})
    assert message == "bind_port: expected an integer, got string 'eighty' (from S3BOX_BIND_PORT)"
    assert error_of(env={"S3BOX_FSYNC": "maybe"}).startswith("storage.fsync: expected true or")


def test_unreadable_file_is_reported(tmp_path):
    missing = tmp_path / "nope.yaml"
    message = error_of(missing)
    assert message == f"{missing}: cannot read config file: No such file or directory"


def test_invalid_yaml_reports_the_line(tmp_path):
    message = error_of(write(tmp_path, "bind_port: 1\nstorage: [\n"))
    assert message.startswith(f"{tmp_path / 'config.yaml'}: invalid YAML:")
    assert "line 3" in message


def test_top_level_must_be_a_mapping(tmp_path):
    assert "expected a mapping of fields, got list" in error_of(write(tmp_path, "- 1\n"))


def test_legacy_maintenance_aliases_are_accepted_with_a_warning(tmp_path):
    path = write(
        tmp_path,
        "maintenance:\n  max_objects_per_pass: 7\n  orphan_grace_period_secs: 30\n",
    )
    config = load_config(path, {}, {})
    assert config.maintenance.visibility_repair_batch_size == 7
    assert config.maintenance.visibility_repair_grace_period_secs == 30
    assert len(config.warnings) == 2
    assert "maintenance.max_objects_per_pass is deprecated" in config.warnings[0]
    assert "use maintenance.visibility_repair_batch_size" in config.warnings[0]


def test_other_legacy_alias_for_batch_size():
    path_value = {"maintenance": {"visibility_repair_max_per_pass": 3}}
    config = load_config(None, {}, path_value)
    assert config.maintenance.visibility_repair_batch_size == 3


def test_alias_and_new_name_together_is_an_error(tmp_path):
    path = write(
        tmp_path,
        "maintenance:\n  visibility_repair_batch_size: 1\n  max_objects_per_pass: 2\n",
    )
    assert error_of(path).startswith("maintenance.visibility_repair_batch_size: given twice")


def test_auth_enabled_without_credentials_is_an_error():
    assert error_of(env={"S3BOX_AUTH_ENABLED": "true"}).startswith(
        "auth.credentials: auth.enabled is true but no credentials"
    )


def test_credentials_without_auth_enabled_warn():
    env = {"S3BOX_ACCESS_KEY": "A", "S3BOX_SECRET_KEY": "B"}
    config = load_config(None, env, {})
    assert any("auth.enabled is false" in w for w in config.warnings)


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


def test_secret_key_never_appears_in_repr():
    config = load_config(None, {"S3BOX_ACCESS_KEY": "AK", "S3BOX_SECRET_KEY": "s3cr3t"}, {})
    assert "s3cr3t" not in repr(config)


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        Config().bind_port = 1  # type: ignore[misc]


def test_template_loads_back_to_exactly_the_defaults(tmp_path):
    config = load_config(write(tmp_path, default_config_template()), {}, {})
    assert config == Config()
    assert config.warnings == ()


def test_template_names_every_field_with_a_comment():
    template = default_config_template()
    parsed = yaml.safe_load(template)
    for path in SCHEMA:
        section, _, name = path.rpartition(".")
        assert name in (parsed[section] if section else parsed), path
    assert template.count("#") > len(SCHEMA)


def test_reference_documentation_covers_every_field_and_variable():
    docs = DOCS.read_text(encoding="utf-8")
    for spec in SCHEMA.values():
        assert f"`{spec.path}`" in docs, spec.path
        assert spec.env_var in docs, spec.env_var
    for var in ("S3BOX_LOG_LEVEL", "S3BOX_ACCESS_KEY", "S3BOX_SECRET_KEY", "S3BOX_FSYNC"):
        assert var in docs


def test_plain_dict_of_a_config_loads_back_as_overrides():
    # The granian worker rebuilds the parent's Config this way (JSON through the env).
    env = {"S3BOX_AUTH_ENABLED": "1", "S3BOX_ACCESS_KEY": "A", "S3BOX_SECRET_KEY": "B"}
    config = load_config(None, {**env, "S3BOX_LOGGING__FILE": "/tmp/s.log"}, {"bind_port": 0})
    plain = dataclasses.asdict(config)
    plain.pop("warnings")
    plain["base_dir"] = str(plain["base_dir"])
    plain["logging"]["file"] = str(plain["logging"]["file"])
    assert load_config(None, {}, plain) == config


def test_limits_take_fractional_seconds_from_the_environment_and_refuse_zero():
    config = load_config(
        None,
        {"S3BOX_LIMITS__BODY_IDLE_TIMEOUT_SECS": "0.5", "S3BOX_LIMITS__BODY_MIN_RATE": "0"},
    )
    assert config.limits.body_idle_timeout_secs == 0.5
    assert config.limits.body_min_rate == 0
    assert config.limits.header_timeout_secs == 20.0
    with pytest.raises(ConfigError) as info:
        load_config(None, {"S3BOX_LIMITS__HEADER_TIMEOUT_SECS": "0"})
    assert info.value.field == "limits.header_timeout_secs"
    assert "limits:" in default_config_template()

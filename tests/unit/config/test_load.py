"""Loading: file, environment and flags merged in precedence order; aliases and their warnings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from s3box.config import (
    SCHEMA,
    AccessKey,
    Config,
    ConfigError,
    default_config_template,
    load_config,
)
from tests.unit.config.helpers import error_of, write


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
    assert config.auth.credentials == (AccessKey("AK1", "SK1"),)


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
    assert config.auth.credentials == (AccessKey("AKID", "SECRET"),)
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
    assert config.auth.credentials == (AccessKey("AK1", "SK1"), AccessKey("AK2", "S:K2"))


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
    assert load_config(path, env, {}).auth.credentials == (AccessKey("C", "D"),)


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


def test_credentials_without_auth_enabled_warn():
    env = {"S3BOX_ACCESS_KEY": "A", "S3BOX_SECRET_KEY": "B"}
    config = load_config(None, env, {})
    assert any("auth.enabled is false" in w for w in config.warnings)


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

"""The `cors:` section: lists from the file, the environment and --cors."""

from __future__ import annotations

from s3box.cli import _overrides, build_parser
from s3box.config import load_config
from s3box.config.template import default_config_template
from s3box.server.cors import default_rules
from tests.unit.config.helpers import error_of, write


def test_cors_is_off_by_default() -> None:
    config = load_config(None, {})
    assert config.cors.allowed_origins == ()
    assert default_rules(config.cors) is None


def test_cors_lists_from_the_file(tmp_path) -> None:
    path = write(
        tmp_path, "cors:\n  allowed_origins: [http://a, '*']\n  allowed_methods: [get, PUT]\n"
    )
    config = load_config(path, {})
    assert config.cors.allowed_origins == ("http://a", "*")
    assert config.cors.allowed_methods == ("GET", "PUT")
    (rule,) = default_rules(config.cors) or ()
    assert rule.allowed_origins == ("http://a", "*")
    assert "ETag" in rule.expose_headers and rule.max_age_seconds == 3000


def test_cors_from_the_environment_comma_separated() -> None:
    config = load_config(None, {"S3BOX_CORS_ORIGINS": "http://a, http://b"})
    assert config.cors.allowed_origins == ("http://a", "http://b")
    config = load_config(None, {"S3BOX_CORS__EXPOSE_HEADERS": "ETag"})
    assert config.cors.expose_headers == ("ETag",)


def test_cors_flag_is_repeatable() -> None:
    args = build_parser().parse_args(["--cors", "*", "--cors", "http://localhost:5173"])
    config = load_config(None, {}, _overrides(args))
    assert config.cors.allowed_origins == ("*", "http://localhost:5173")


def test_bad_cors_values_are_named(tmp_path) -> None:
    path = write(tmp_path, "cors:\n  allowed_methods: [PATCH]\n")
    assert error_of(path).startswith("cors.allowed_methods: each must be one of")
    path = write(tmp_path, "cors:\n  allowed_origins: 5\n")
    assert error_of(path).startswith("cors.allowed_origins: expected a list of strings")


def test_template_shows_the_cors_section() -> None:
    text = default_config_template()
    assert "\ncors:\n" in text
    assert "  allowed_origins: []" in text
    assert '  allowed_methods: ["GET", "PUT", "POST", "DELETE", "HEAD"]' in text
    load_config(None, {})  # the template's values are the defaults

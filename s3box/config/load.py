"""Loading: defaults, then the file, then S3BOX_* variables, then command-line overrides,
each layer validated by schema.py; legacy names are mapped with a warning.

Reads the config file and the environment mapping it is given; never os.environ itself.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from s3box.config.model import SECTIONS, AccessKey, Config
from s3box.config.schema import (
    ENV_PREFIX,
    SCHEMA,
    TOP_LEVEL_NAMES,
    ConfigError,
    FieldSpec,
    check_auth,
    coerce,
    describe,
)

# Older configs (from the original description) used these names under `maintenance`.
LEGACY_ALIASES: dict[str, str] = {
    "maintenance.visibility_repair_max_per_pass": "maintenance.visibility_repair_batch_size",
    "maintenance.max_objects_per_pass": "maintenance.visibility_repair_batch_size",
    "maintenance.orphan_grace_period_secs": "maintenance.visibility_repair_grace_period_secs",
}

# Short environment names for the settings people change most; every field also has the
# generic form S3BOX_<SECTION>__<FIELD> (top-level fields: S3BOX_<FIELD>).
ENV_SHORTCUTS: dict[str, str] = {
    "S3BOX_LOG_LEVEL": "logging.level",
    "S3BOX_LOG_FORMAT": "logging.format",
    "S3BOX_AUTH_ENABLED": "auth.enabled",
    "S3BOX_FSYNC": "storage.fsync",
    "S3BOX_CORS_ORIGINS": "cors.allowed_origins",
}
ENV_ACCESS_KEY = "S3BOX_ACCESS_KEY"
ENV_SECRET_KEY = "S3BOX_SECRET_KEY"


def load_config(
    path: str | Path | None,
    env: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the Config from defaults, then the file, then `env`, then `overrides`.

    `overrides` holds typed values by field, either dotted (`{"logging.level": "debug"}`)
    or nested (`{"logging": {"level": "debug"}}`); the CLI passes its flags here.
    Raises ConfigError (one line naming the field) on any problem.
    """
    values: dict[str, Any] = {}
    warnings: list[str] = []
    if path is not None:
        raw = _read_file(Path(path))
        values.update(_layer_from_mapping(raw, f"in {path}", warnings))
    values.update(_layer_from_env(env, warnings))
    if overrides:
        values.update(_layer_from_mapping(_expand_dotted(overrides), "command line", warnings))
    return _assemble(values, warnings)


def _read_file(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(str(path), f"cannot read config file: {reason}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), f"invalid YAML: {_yaml_problem(exc)}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(str(path), f"expected a mapping of fields, got {describe(doc)}")
    return doc


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())


def _expand_dotted(overrides: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if "." in key:
            section, name = key.split(".", 1)
            nested.setdefault(section, {})[name] = value
        else:
            nested[key] = value
    return nested


def _layer_from_mapping(raw: Mapping[Any, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """Validate one nested mapping (the file or the overrides) into {path: typed value}."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)
        if name in SECTIONS:
            if value is None:  # every field of the section commented out
                continue
            if not isinstance(value, dict):
                raise ConfigError(
                    name, f"expected a mapping of fields, got {describe(value)} ({source})"
                )
            for sub_key, sub_value in value.items():
                path = _resolve_name(f"{name}.{sub_key}", source, warnings, out)
                out[path] = coerce(SCHEMA[path], sub_value, source)
            continue
        path = _resolve_name(name, source, warnings, out)
        out[path] = coerce(SCHEMA[path], value, source)
    return out


def _resolve_name(path: str, source: str, warnings: list[str], seen: Mapping[str, Any]) -> str:
    """Map a written field name to its schema path: known, legacy alias, or an error."""
    if path in SCHEMA:
        if path in seen:
            raise ConfigError(path, f"given twice (also as a legacy alias) ({source})")
        return path
    if path in LEGACY_ALIASES:
        new = LEGACY_ALIASES[path]
        if new in seen:
            raise ConfigError(new, f"given twice (also as legacy alias {path}) ({source})")
        warnings.append(f"{path} is deprecated; use {new} ({source})")
        return new
    raise ConfigError(path, f"unknown field{_suggest(path)} ({source})")


def _suggest(path: str) -> str:
    section, _, name = path.rpartition(".")
    if section:
        candidates = [p.split(".", 1)[1] for p in SCHEMA if p.startswith(section + ".")]
    else:
        candidates = list(TOP_LEVEL_NAMES)
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {(section + '.' if section else '') + close[0]}?"
    elsewhere = [p for p in SCHEMA if p.rsplit(".", 1)[-1] == name]
    if elsewhere:
        return f"; did you mean {elsewhere[0]}?"
    return ""


def _layer_from_env(env: Mapping[str, str], warnings: list[str]) -> dict[str, Any]:
    """Read S3BOX_* variables. Unknown names without `__` are ignored (other tools may
    share the prefix); an unknown S3BOX_<SECTION>__<FIELD> is an error."""
    by_path: dict[str, tuple[str, str]] = {}  # path -> (raw value, variable name)

    def put(path: str, raw: str, var: str) -> None:
        if path in by_path and by_path[path][0] != raw:
            other = by_path[path][1]
            raise ConfigError(path, f"set by both {other} and {var} with different values")
        by_path[path] = (raw, var)

    for var in sorted(env):
        if not var.startswith(ENV_PREFIX) or var in (ENV_ACCESS_KEY, ENV_SECRET_KEY):
            continue
        raw = env[var]
        if var in ENV_SHORTCUTS:
            put(ENV_SHORTCUTS[var], raw, var)
            continue
        rest = var[len(ENV_PREFIX) :].lower()
        if "__" in rest:
            section, _, name = rest.partition("__")
            path = _resolve_name(f"{section}.{name}", f"from {var}", warnings, {})
            put(path, raw, var)
        elif rest in SCHEMA:
            put(rest, raw, var)

    out = {path: _coerce_env(SCHEMA[path], raw, var) for path, (raw, var) in by_path.items()}
    pair = _credential_from_env(env)
    if pair is not None:
        if "auth.credentials" in out:
            raise ConfigError(
                "auth.credentials",
                f"set by both S3BOX_AUTH__CREDENTIALS and {ENV_ACCESS_KEY}/{ENV_SECRET_KEY}",
            )
        out["auth.credentials"] = (pair,)
    return out


def _credential_from_env(env: Mapping[str, str]) -> AccessKey | None:
    access, secret = env.get(ENV_ACCESS_KEY), env.get(ENV_SECRET_KEY)
    if access is None and secret is None:
        return None
    if not access or not secret:
        given, missing = (
            (ENV_ACCESS_KEY, ENV_SECRET_KEY) if access else (ENV_SECRET_KEY, ENV_ACCESS_KEY)
        )
        raise ConfigError("auth.credentials", f"{given} is set but {missing} is empty or unset")
    return AccessKey(access_key=access, secret_key=secret)


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _coerce_env(spec: FieldSpec, raw: str, var: str) -> Any:
    """Turn an environment string into the value YAML would have given, then validate."""
    source = f"from {var}"
    text = raw.strip()
    value: Any = text
    if spec.optional and text in ("", "null", "~"):
        value = None
    elif spec.kind is bool:
        if text.lower() not in _TRUE | _FALSE:
            raise ConfigError(spec.path, f"expected true or false, got {text!r} ({source})")
        value = text.lower() in _TRUE
    elif spec.kind in (int, float):
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text) if spec.kind is float else text
            except ValueError:
                value = text
    elif spec.kind is AccessKey:
        value = _parse_env_credentials(spec.path, text, source)
    elif spec.many:
        # S3BOX_DOMAINS=localhost,s3.test; an empty value is the empty list.
        value = [part.strip() for part in text.split(",") if part.strip()]
    return coerce(spec, value, source)


def _parse_env_credentials(path: str, text: str, source: str) -> list[dict[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        access, sep, secret = item.partition(":")
        if not sep:
            raise ConfigError(path, f"expected ACCESS_KEY:SECRET_KEY[,...] ({source})")
        pairs.append({"access_key": access, "secret_key": secret})
    return pairs


def _assemble(values: Mapping[str, Any], warnings: list[str]) -> Config:
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    top: dict[str, Any] = {}
    for path, value in values.items():
        section, _, name = path.rpartition(".")
        (sections[section] if section else top)[name] = value
    config = Config(
        **top,
        **{name: cls(**sections[name]) for name, cls in SECTIONS.items()},
        warnings=tuple(warnings),
    )
    check_auth(config.auth)
    if config.auth.credentials and not config.auth.enabled:
        warnings.append(
            "auth.credentials are set but auth.enabled is false: requests are not checked"
        )
        config = dataclasses.replace(config, warnings=tuple(warnings))
    return config

"""Typed configuration: defaults, validation, legacy aliases and the --init template.

Built and validated once at startup (flag > env > file > default), then passed in as a
frozen `Config`. Never reads globals, never logs, never touches the data directory.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import yaml

LogLevel = Literal["trace", "debug", "info", "warn", "error"]
LogFormat = Literal["text", "json"]
HttpServer = Literal["uvicorn", "granian"]

ENV_PREFIX = "S3BOX_"


class ConfigError(Exception):
    """Bad configuration. `str(err)` is one line: "<field>: <problem>"."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


def _doc(
    doc: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    secret: bool = False,
    shown: str | None = None,
) -> dict[str, Any]:
    """A field's documentation and bounds, kept next to its default (field metadata)."""
    return {"doc": doc, "minimum": minimum, "maximum": maximum, "secret": secret, "shown": shown}


@dataclass(frozen=True)
class StorageConfig:
    sqlite_max_connections: int = field(
        default=50,
        metadata=_doc(
            "Maximum SQLite connections kept open per bucket index pool. Increase if you "
            "see pool-exhaustion errors under high concurrency.",
            minimum=1,
        ),
    )
    meta_cache_capacity: int = field(
        default=200000,
        metadata=_doc(
            "Maximum object metadata entries in the in-process LRU cache. Each entry is "
            "roughly 400-700 bytes; 200 000 entries = 80-140 MB. HEAD and GET requests are "
            "served from cache on warm hits without touching SQLite.",
            minimum=1,
        ),
    )
    sqlite_repair_cache_capacity: int = field(
        default=200000,
        metadata=_doc(
            "Maximum entries in the SQLite-repair suppression cache. Prevents the server "
            "from repeatedly attempting to repair the same broken index row within a short "
            "window. Each entry is roughly 100 bytes; 200 000 = 20 MB.",
            minimum=1,
        ),
    )
    fsync: bool = field(
        default=False,
        metadata=_doc(
            "When true, object data, meta.json and the directories holding them are "
            "fsynced before a write is acknowledged (survives power loss, slower). When "
            "false, atomic renames still guarantee no partial object is ever visible.",
        ),
    )


@dataclass(frozen=True)
class LoggingConfig:
    level: LogLevel = field(
        default="info",
        metadata=_doc("Minimum log level. Accepted values: trace, debug, info, warn, error."),
    )
    format: LogFormat = field(
        default="text",
        metadata=_doc(
            "Log line format: text (human readable) or json (one JSON object per line).",
        ),
    )
    enable_bandwidth_report: bool = field(
        default=True,
        metadata=_doc(
            "When true, logs aggregate read/write bandwidth totals and rates every 10 "
            "seconds. Useful for monitoring throughput without a metrics backend.",
        ),
    )
    file: Path | None = field(
        default=None,
        metadata=_doc(
            'Path to a rolling log file (e.g. "/var/log/s3box/s3box.log"). When null, all '
            "output goes to stdout only. When set, logs go to both stdout and the file.",
        ),
    )
    rotation_size_mb: int = field(
        default=100,
        metadata=_doc(
            "Rotate the log file when it reaches this size in MiB. Only applies when file is set.",
            minimum=1,
        ),
    )
    keep_files: int = field(
        default=5,
        metadata=_doc(
            "Number of archived (rotated) log files to keep alongside the active file. "
            "Older archives are deleted automatically. 0 keeps none (the file is "
            "truncated when full).",
            minimum=0,
        ),
    )
    compress: bool = field(
        default=False,
        metadata=_doc(
            "When true, archived log files are compressed with gzip (.gz extension appended).",
        ),
    )


@dataclass(frozen=True)
class MaintenanceConfig:
    interval_secs: int = field(
        default=300,
        metadata=_doc(
            "How often (in seconds) background maintenance wakes up for each bucket.",
            minimum=1,
        ),
    )
    visibility_repair_batch_size: int = field(
        default=100,
        metadata=_doc(
            "Targeted visibility repair batch size. One maintenance pass drains all "
            "eligible rows in batches of this size.",
            minimum=1,
        ),
    )
    visibility_repair_grace_period_secs: int = field(
        default=86400,
        metadata=_doc(
            "Minimum age (seconds) of a targeted visibility-repair row during normal "
            "runtime. Startup repair bypasses this delay because pre-restart requests are "
            "no longer running.",
            minimum=0,
        ),
    )
    staging_expiry_secs: int = field(
        default=86400,
        metadata=_doc(
            "Minimum idle age (seconds) an abandoned staging directory must have before "
            "maintenance deletes it. Covers interrupted single-PUT and multipart uploads. "
            "Default is 24 hours.",
            minimum=0,
        ),
    )
    trash_expiry_secs: int = field(
        default=600,
        metadata=_doc(
            "Minimum idle age (seconds) a trash directory must have before recursive "
            "deletion. Default is 10 minutes.",
            minimum=0,
        ),
    )
    trash_max_entries: int = field(
        default=100000,
        metadata=_doc(
            "Most directories one bucket's trash may hold whatever their age: past it "
            "the oldest go first (never one a GET still reads). Bounds trash under "
            "sustained overwrites.",
            minimum=1,
        ),
    )
    trash_max_bytes: int = field(
        default=1073741824,
        metadata=_doc(
            "Most bytes one bucket's trash may hold (space its removal would free) "
            "whatever their age: past it the oldest go first. Default 1 GiB. On a full "
            "disk all trash is removed at once, whatever this says.",
            minimum=0,
        ),
    )


@dataclass(frozen=True)
class Credential:
    """One access key / secret key pair; the secret never appears in repr()."""

    access_key: str
    secret_key: str = field(repr=False)


@dataclass(frozen=True)
class AuthConfig:
    enabled: bool = field(
        default=False,
        metadata=_doc(
            "When false, the server accepts all requests without credentials (open "
            "access). Set to true to require AWS SigV4 signatures on every request.",
        ),
    )
    public_hostname: str | None = field(
        default=None,
        metadata=_doc(
            'The hostname (and optional port) that S3 clients use, e.g. "mys3.company.com" '
            'or "localhost:8002". When set, signature verification uses this value for the '
            "signed host header instead of the incoming Host header, so a reverse proxy may "
            "rewrite Host. When null, the incoming Host header is used.",
        ),
    )
    credentials: tuple[Credential, ...] = field(
        default=(),
        metadata=_doc(
            "List of {access_key, secret_key} pairs. Only used when enabled is true. "
            "Clients must present one of these pairs to authenticate.",
            secret=True,
        ),
    )


@dataclass(frozen=True)
class LimitsConfig:
    header_timeout_secs: float = field(
        default=20.0,
        metadata=_doc(
            "A request head (request line and headers) must arrive whole within this many "
            "seconds of the connection opening or of its first byte; else the connection "
            "is closed.",
            minimum=0.1,
            maximum=3600,
        ),
    )
    body_idle_timeout_secs: float = field(
        default=20.0,
        metadata=_doc(
            "A request body that sends nothing for this many seconds is answered 400 "
            "RequestTimeout, as S3 does after about 20 s, and nothing of it is kept.",
            minimum=0.1,
            maximum=3600,
        ),
    )
    body_min_rate: int = field(
        default=500,
        metadata=_doc(
            "Bytes per second a request body must average after its first "
            "body_idle_timeout_secs (each byte extends its deadline by 1/body_min_rate "
            "s); a slower trickle is answered 400 RequestTimeout. 0 turns the rule off.",
            minimum=0,
        ),
    )


@dataclass(frozen=True)
class Config:
    bind_address: str = field(
        default="0.0.0.0",
        metadata=_doc(
            'IP address to listen on. "0.0.0.0" binds all interfaces; use "127.0.0.1" to '
            "restrict to localhost.",
        ),
    )
    bind_port: int = field(
        default=8002,
        metadata=_doc(
            "TCP port the HTTP server listens on. 0 picks any free port.",
            minimum=0,
            maximum=65535,
        ),
    )
    base_dir: Path = field(
        default=Path("./s3box-data"),
        metadata=_doc(
            "Root directory where all bucket data is stored on disk. Created automatically "
            "if it does not exist. A relative path is relative to the working directory.",
            shown="./s3box-data",
        ),
    )
    http_server: HttpServer = field(
        default="uvicorn", metadata=_doc("Which ASGI server runs s3box: uvicorn or granian.")
    )
    pin_event_loop: bool = field(
        default=True,
        metadata=_doc(
            "Keep the event loop thread and the threads that do small file and SQLite "
            "steps on one CPU (chosen by process id among the allowed CPUs). Python runs "
            "one thread at a time; handing that turn to a thread on another CPU costs a "
            "cross-CPU wake-up, which on virtual machines halves small-request throughput. "
            "Threads that hash, write and read large bodies still use every CPU. Set false "
            "to let the kernel place every thread.",
        ),
    )
    region: str = field(
        default="us-east-1",
        metadata=_doc(
            "Region reported by GetBucketLocation and HeadBucket. With auth on, SigV4 "
            "requests must be signed for it: a credential scope for another region is "
            "refused (400 AuthorizationHeaderMalformed), as by S3.",
        ),
    )
    storage: StorageConfig = field(default_factory=StorageConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    maintenance: MaintenanceConfig = field(default_factory=MaintenanceConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    # Deprecation notices gathered while loading; the caller decides where to show them.
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)


SECTIONS: dict[str, type] = {
    "storage": StorageConfig,
    "logging": LoggingConfig,
    "maintenance": MaintenanceConfig,
    "auth": AuthConfig,
    "limits": LimitsConfig,
}

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
}
ENV_ACCESS_KEY = "S3BOX_ACCESS_KEY"
ENV_SECRET_KEY = "S3BOX_SECRET_KEY"


@dataclass(frozen=True)
class FieldSpec:
    """What the loader knows about one field, by dotted path ("logging.level")."""

    path: str
    kind: type  # bool, int, float, str, Path, or Credential (a list of pairs)
    default: Any
    doc: str
    optional: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    shown: str | None = None

    @property
    def env_var(self) -> str:
        """The generic environment variable for this field."""
        return ENV_PREFIX + self.path.upper().replace(".", "__")


def _spec_from_annotation(annotation: Any) -> dict[str, Any]:
    optional = False
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        optional = type(None) in args
        (annotation,) = [a for a in args if a is not type(None)]
        args = typing.get_args(annotation)
    choices: tuple[str, ...] = ()
    if typing.get_origin(annotation) is Literal:
        choices, kind = tuple(args), str
    elif typing.get_origin(annotation) is tuple:
        kind = args[0]
    else:
        kind = annotation
    return {"kind": kind, "optional": optional, "choices": choices}


def _build_schema() -> dict[str, FieldSpec]:
    schema: dict[str, FieldSpec] = {}

    def add(prefix: str, cls: type) -> None:
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            if f.name == "warnings" or (cls is Config and f.name in SECTIONS):
                continue
            path = prefix + f.name
            default = f.default if f.default is not MISSING else None
            meta = f.metadata
            schema[path] = FieldSpec(
                path=path,
                default=default,
                doc=meta.get("doc", ""),
                minimum=meta.get("minimum"),
                maximum=meta.get("maximum"),
                secret=meta.get("secret", False),
                shown=meta.get("shown"),
                **_spec_from_annotation(hints[f.name]),
            )

    add("", Config)
    for name, cls in SECTIONS.items():
        add(name + ".", cls)
    return schema


SCHEMA: dict[str, FieldSpec] = _build_schema()
TOP_LEVEL_NAMES: tuple[str, ...] = tuple(p for p in SCHEMA if "." not in p) + tuple(SECTIONS)


# --- loading ---------------------------------------------------------------------------


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
        raise ConfigError(str(path), f"expected a mapping of fields, got {_describe(doc)}")
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
                    name, f"expected a mapping of fields, got {_describe(value)} ({source})"
                )
            for sub_key, sub_value in value.items():
                path = _resolve_name(f"{name}.{sub_key}", source, warnings, out)
                out[path] = _coerce(SCHEMA[path], sub_value, source)
            continue
        path = _resolve_name(name, source, warnings, out)
        out[path] = _coerce(SCHEMA[path], value, source)
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


def _credential_from_env(env: Mapping[str, str]) -> Credential | None:
    access, secret = env.get(ENV_ACCESS_KEY), env.get(ENV_SECRET_KEY)
    if access is None and secret is None:
        return None
    if not access or not secret:
        given, missing = (
            (ENV_ACCESS_KEY, ENV_SECRET_KEY) if access else (ENV_SECRET_KEY, ENV_ACCESS_KEY)
        )
        raise ConfigError("auth.credentials", f"{given} is set but {missing} is empty or unset")
    return Credential(access_key=access, secret_key=secret)


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
    elif spec.kind is Credential:
        value = _parse_env_credentials(spec.path, text, source)
    return _coerce(spec, value, source)


def _parse_env_credentials(path: str, text: str, source: str) -> list[dict[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        access, sep, secret = item.partition(":")
        if not sep:
            raise ConfigError(path, f"expected ACCESS_KEY:SECRET_KEY[,...] ({source})")
        pairs.append({"access_key": access, "secret_key": secret})
    return pairs


def _describe(value: Any, secret: bool = False) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    names.update({list: "list", dict: "mapping", type(None): "null"})
    kind = names.get(type(value), type(value).__name__)
    if secret or isinstance(value, list | dict):
        return kind
    if isinstance(value, bool):
        return f"{kind} {str(value).lower()}"
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{kind} {shown[:60]}"


def _coerce(spec: FieldSpec, value: Any, source: str) -> Any:
    """Check one value against its field and return the typed value, or raise."""

    def fail(problem: str) -> ConfigError:
        return ConfigError(spec.path, f"{problem} ({source})")

    if value is None:
        if spec.optional:
            return None
        if spec.kind is Credential:
            return ()
        raise fail("must not be null")
    got = _describe(value, spec.secret)
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise fail(f"expected true or false, got {got}")
        return value
    if spec.kind in (int, float):
        # bool is a subclass of int in Python, but `port: true` is never meant as 1.
        wanted = (int, float) if spec.kind is float else (int,)
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise fail(f"expected {'a number' if spec.kind is float else 'an integer'}, got {got}")
        return _check_range(spec, spec.kind(value), fail)
    if spec.kind is Credential:
        return _coerce_credentials(spec, value, fail, source)
    if not isinstance(value, str):
        hint = " (quote it)" if isinstance(value, int | float) else ""
        raise fail(f"expected a string, got {got}{hint}")
    if spec.choices:
        if value.lower() not in spec.choices:
            raise fail(f"must be one of {', '.join(spec.choices)}; got {value!r}")
        return value.lower()
    if not value.strip():
        raise fail("must not be empty")
    if spec.kind is Path:
        return Path(value).expanduser()
    return value


def _check_range(spec: FieldSpec, value: Any, fail: typing.Callable[[str], ConfigError]) -> Any:
    if spec.minimum is not None and value < spec.minimum:
        bound = "a positive number" if spec.minimum == 1 else f">= {spec.minimum}"
        if spec.maximum is not None:
            bound = f"between {spec.minimum} and {spec.maximum}"
        raise fail(f"must be {bound}, got {value}")
    if spec.maximum is not None and value > spec.maximum:
        raise fail(f"must be between {spec.minimum} and {spec.maximum}, got {value}")
    return value


def _coerce_credentials(
    spec: FieldSpec, value: Any, fail: typing.Callable[[str], ConfigError], source: str
) -> tuple[Credential, ...]:
    if isinstance(value, tuple) and all(isinstance(c, Credential) for c in value):
        return value
    if not isinstance(value, list | tuple):  # tuples come from overrides built in Python
        raise fail(f"expected a list of {{access_key, secret_key}}, got {_describe(value, True)}")
    creds = []
    for i, item in enumerate(value):
        where = f"{spec.path}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(
                where,
                f"expected a mapping {{access_key, secret_key}}, got {_describe(item, True)} "
                f"({source})",
            )
        for key in item:
            if key not in ("access_key", "secret_key"):
                close = difflib.get_close_matches(str(key), ["access_key", "secret_key"], n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise ConfigError(f"{where}.{key}", f"unknown field{hint} ({source})")
        for key in ("access_key", "secret_key"):
            given = item.get(key)
            if not isinstance(given, str) or not given:
                problem = "is missing" if given is None else "must be a non-empty string"
                raise ConfigError(f"{where}.{key}", f"{problem} ({source})")
        creds.append(Credential(access_key=item["access_key"], secret_key=item["secret_key"]))
    return tuple(creds)


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
    _check_auth(config.auth)
    if config.auth.credentials and not config.auth.enabled:
        warnings.append(
            "auth.credentials are set but auth.enabled is false: requests are not checked"
        )
        config = dataclasses.replace(config, warnings=tuple(warnings))
    return config


def _check_auth(auth: AuthConfig) -> None:
    if auth.enabled and not auth.credentials:
        raise ConfigError(
            "auth.credentials",
            "auth.enabled is true but no credentials are configured; every request "
            "would be refused (add an access_key/secret_key pair or set S3BOX_ACCESS_KEY "
            "and S3BOX_SECRET_KEY)",
        )
    seen: dict[str, str] = {}
    for cred in auth.credentials:
        if seen.get(cred.access_key, cred.secret_key) != cred.secret_key:
            raise ConfigError(
                "auth.credentials",
                f"access key {cred.access_key!r} is listed twice with different secrets",
            )
        seen[cred.access_key] = cred.secret_key


# --- the --init template -----------------------------------------------------------------


def _yaml_value(spec: FieldSpec) -> str:
    if spec.shown is not None:
        return json.dumps(spec.shown)
    value = spec.default
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[]"
    if isinstance(value, str) and spec.choices:
        return value
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def _comment(text: str, indent: str, width: int = 88) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(indent) + 2 + len(line) + 1 + len(word) > width:
            lines.append(f"{indent}# {line}")
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(f"{indent}# {line}")
    return lines


_SECTION_NOTES = {
    "storage": "Storage engine tuning.",
    "logging": "Logging: per-request lines, bandwidth reports, optional rolling file.",
    "maintenance": (
        "Bounded background maintenance: cleans old staging/trash directories and "
        "processes targeted visibility-repair rows; it never crawls all objects or all "
        "index rows. Legacy names visibility_repair_max_per_pass, max_objects_per_pass "
        "and orphan_grace_period_secs are still accepted (with a warning)."
    ),
    "auth": "Authentication (AWS Signature V4 and presigned URLs).",
    "limits": "Timeouts on slow or stalled clients (docs/security.md).",
}

_AUTH_EXAMPLE = """\
  # Example:
  #   enabled: true
  #   credentials:
  #     - access_key: "minioadmin"
  #       secret_key: "minioadmin"
"""


def default_config_template() -> str:
    """A fully commented config.yaml with every field at its default (what --init writes)."""
    out = [
        "# s3box configuration. Every field is optional; the values below are the",
        "# built-in defaults. Precedence: command-line flag > S3BOX_* environment",
        "# variable > this file > default. Each field's generic environment variable",
        "# is S3BOX_<SECTION>__<FIELD>, e.g. S3BOX_LOGGING__LEVEL=debug.",
        "",
    ]
    for path, spec in SCHEMA.items():
        if "." not in path:
            out += [*_comment(spec.doc, ""), f"{path}: {_yaml_value(spec)}", ""]
    for section in SECTIONS:
        out += [*_comment(_SECTION_NOTES[section], ""), f"{section}:"]
        if section == "auth":
            out.append(_AUTH_EXAMPLE.rstrip("\n"))
        for path, spec in SCHEMA.items():
            if path.startswith(section + "."):
                name = path.split(".", 1)[1]
                out += [*_comment(spec.doc, "  "), f"  {name}: {_yaml_value(spec)}"]
        out.append("")
    return "\n".join(out)

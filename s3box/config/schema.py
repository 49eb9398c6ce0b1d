"""Validation: the schema built from the model, and the checks that turn a written value
into a typed one or a one-line ConfigError naming the field.

Pure: no files, no environment. load.py feeds it values and says where they came from.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import types
import typing
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any, Literal

from s3box.config.model import SECTIONS, AccessKey, AuthConfig, Config

ENV_PREFIX = "S3BOX_"


class ConfigError(Exception):
    """Bad configuration. `str(err)` is one line: "<field>: <problem>"."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem


@dataclass(frozen=True)
class FieldSpec:
    """What the loader knows about one field, by dotted path ("logging.level")."""

    path: str
    kind: type  # bool, int, float, str, Path, or AccessKey (a list of pairs)
    default: Any
    doc: str
    optional: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    shown: str | None = None
    many: bool = False  # a list of `kind` (tuple[str, ...]), given as a list or "a,b"

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
    many = False
    if typing.get_origin(annotation) is tuple and args[0] is not AccessKey:
        many, annotation = True, args[0]
        args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Literal:
        choices, kind = tuple(args), str
    elif typing.get_origin(annotation) is tuple:
        kind = args[0]
    else:
        kind = annotation
    return {"kind": kind, "optional": optional, "choices": choices, "many": many}


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


def describe(value: Any, secret: bool = False) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    names.update({list: "list", dict: "mapping", type(None): "null"})
    kind = names.get(type(value), type(value).__name__)
    if secret or isinstance(value, list | dict):
        return kind
    if isinstance(value, bool):
        return f"{kind} {str(value).lower()}"
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{kind} {shown[:60]}"


def coerce(spec: FieldSpec, value: Any, source: str) -> Any:
    """Check one value against its field and return the typed value, or raise."""

    def fail(problem: str) -> ConfigError:
        return ConfigError(spec.path, f"{problem} ({source})")

    if value is None:
        if spec.optional:
            return None
        if spec.kind is AccessKey or spec.many:
            return ()
        raise fail("must not be null")
    if spec.many and spec.kind is str:
        return _coerce_strings(spec, value, source)
    got = describe(value, spec.secret)
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
    if spec.kind is AccessKey:
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


def _coerce_strings(spec: FieldSpec, value: Any, source: str) -> tuple[str, ...]:
    """A list of non-empty strings; one string is split at commas (the form an
    environment variable gives). With choices, each item is one of them (any case,
    stored as the choice is written); each passes the field's own check if it has one."""
    items = [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError(
            spec.path, f"expected a list of strings, got {describe(value)} ({source})"
        )
    out: list[str] = []
    check = _ITEM_CHECKS.get(spec.path)
    by_upper = {c.upper(): c for c in spec.choices}
    for i, item in enumerate(items):
        where = f"{spec.path}[{i}]"
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(
                where, f"expected a non-empty string, got {describe(item)} ({source})"
            )
        text = item.strip()
        if by_upper:
            if text.upper() not in by_upper:
                raise ConfigError(
                    spec.path,
                    f"each must be one of {', '.join(spec.choices)}; got {text!r} ({source})",
                )
            text = by_upper[text.upper()]
        problem = check(text) if check is not None else None
        if problem is not None:
            raise ConfigError(where, f"{text!r} {problem} ({source})")
        out.append(text)
    return tuple(out)


# A host name as a domain may be written: labels of letters, digits and hyphens, none
# empty or over 63 characters, at most 253 in all (RFC 1123 2.1).
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def domain_problem(domain: str) -> str | None:
    """Why `domain` cannot be a virtual-hosting domain (one line), or None when it can."""
    name = domain.lower().removesuffix(".")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        return "is an IP address; requests to an IP address are always path style"
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return "is not a host name (letters, digits, hyphens and dots; no scheme, port or path)"
    if labels[-1].isdigit():
        return "ends in an all-digit label, which no host name does (RFC 3696 2)"
    return None


_ITEM_CHECKS: dict[str, typing.Callable[[str], str | None]] = {"domains": domain_problem}


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
) -> tuple[AccessKey, ...]:
    if isinstance(value, tuple) and all(isinstance(c, AccessKey) for c in value):
        return value
    if not isinstance(value, list | tuple):  # tuples come from overrides built in Python
        raise fail(f"expected a list of {{access_key, secret_key}}, got {describe(value, True)}")
    creds = []
    for i, item in enumerate(value):
        where = f"{spec.path}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(
                where,
                f"expected a mapping {{access_key, secret_key}}, got {describe(item, True)} "
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
        creds.append(AccessKey(access_key=item["access_key"], secret_key=item["secret_key"]))
    return tuple(creds)


def check_auth(auth: AuthConfig) -> None:
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

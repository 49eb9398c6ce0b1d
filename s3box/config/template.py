"""The --init template: a commented config.yaml with every field at its default.

Written from the schema, so it always names every field the loader accepts.
"""

from __future__ import annotations

import json

from s3box.config.model import SECTIONS
from s3box.config.schema import SCHEMA, FieldSpec


def _yaml_value(spec: FieldSpec) -> str:
    if spec.shown is not None:
        return json.dumps(spec.shown)
    value = spec.default
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return json.dumps(list(value)) if spec.many else "[]"
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
    "cors": (
        "Server-wide CORS default for browser apps (docs/configuration.md): one rule for "
        "every bucket without a CORS configuration of its own. Off until allowed_origins "
        "names an origin."
    ),
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

"""Helpers shared by the config tests: a config file in tmp_path, and the one-line error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from s3box.config import ConfigError, load_config


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

"""Typed configuration, built and validated once at startup (flag > env > file > default)
and then passed in as a frozen `Config`.

model.py holds the dataclasses, schema.py the validation, load.py the merging of file,
environment and flags, template.py the --init file. Nothing here reads globals or logs.
"""

from s3box.config.load import load_config
from s3box.config.model import (
    HTTP_SERVERS,
    LOG_LEVELS,
    AccessKey,
    Config,
    LoggingConfig,
    MaintenanceConfig,
)
from s3box.config.schema import SCHEMA, ConfigError
from s3box.config.template import default_config_template

__all__ = [
    "HTTP_SERVERS",
    "LOG_LEVELS",
    "SCHEMA",
    "AccessKey",
    "Config",
    "ConfigError",
    "LoggingConfig",
    "MaintenanceConfig",
    "default_config_template",
    "load_config",
]

"""The --init template: loads back to the defaults and names every field."""

from __future__ import annotations

import yaml

from s3box.config import SCHEMA, Config, default_config_template, load_config
from tests.unit.config.helpers import write


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

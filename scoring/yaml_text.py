"""YAML as the office writes it, without implicit dates: `2022-02-30` or `due: 2023-01-10` stays text.

PyYAML turns an unquoted date into a `datetime.date` while parsing, and an impossible one raises a bare
ValueError ("day is out of range for month") naming neither file nor field.  Kept as text, the value
reaches the field's own check, which refuses it in one line naming the file, the field and the value.
"""
from __future__ import annotations

import yaml


class PlainDatesLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` minus the timestamp resolver."""


PlainDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(text: str) -> object:
    """Parse YAML text with dates left as text (raises yaml.YAMLError on bad syntax, nothing else)."""
    return yaml.load(text, Loader=PlainDatesLoader)  # noqa: S506 - a SafeLoader subclass

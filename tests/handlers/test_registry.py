"""handlers/registry.py: every intent the parser can produce is declared once, beside a handler that exists."""
from __future__ import annotations

from handlers import registry
from handlers.base import ALL_ROLES
from nlp.types import INTENTS


def test_every_parsed_intent_has_one_declaration():
    names = [s.name for s in registry.specs()]
    assert len(names) == len(set(names))
    assert set(INTENTS) <= set(names), set(INTENTS) - set(names)


def test_declarations_are_complete():
    for spec in registry.specs():
        module = registry.module_for(spec.name)
        assert callable(module.handle), spec.name
        assert spec.label and spec.roles <= ALL_ROLES, spec.name
        assert set(spec.examples) <= spec.roles, spec.name  # help never suggests what the role may not do


def test_an_undeclared_intent_is_not_understood():
    assert registry.module_for("no_such_intent") is registry.module_for("unknown")
    assert registry.label("no_such_intent") == "no_such_intent"


def test_every_role_gets_three_examples():
    for role in ALL_ROLES:
        assert len(registry.examples(role)) == 3, role

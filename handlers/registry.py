"""Every intent the bot answers, declared once beside its handler and collected here.

A handler module states `INTENT = IntentSpec(...)` (name, Chinese label, allowed roles, the lines help suggests)
next to its `handle(parsed, ctx)`; dispatch, help and the refusal wording read that declaration, so adding an
intent is one module and one line in MODULES. Modules are imported on first use (they import this one for
IntentSpec, and the heavier ones pull in bot.exports or the dashboard).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType
from typing import Mapping


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """What dispatch and help need to know about one intent, without running its handler."""

    name: str  # a parsed intent (nlp.types.INTENTS), or an export form dispatch routes on ("dashboard", "chart_push")
    label: str  # what the person asked to do, in a refusal: "您不能{label}"
    roles: frozenset[str]  # who may; anyone else is refused before the handler runs
    examples: Mapping[str, str] = field(default_factory=dict)  # role -> one line help suggests to that role


# Handler modules under handlers/, one per intent. Help lists a role's example lines in this order, so the
# first ones are what people do most (record, ask progress and score, ranking, grade, deadline, submit, export).
MODULES: tuple[str, ...] = (
    "record", "progress", "score", "ranking", "grade", "deadline", "submit", "export",
    "plan", "declare", "undo", "correct", "help", "season", "unknown", "dashboard_link", "chart_push",
)
FALLBACK = "unknown"  # an intent nobody declared is handled as not understood


@lru_cache(maxsize=1)
def _loaded() -> dict[str, tuple[IntentSpec, ModuleType]]:
    out: dict[str, tuple[IntentSpec, ModuleType]] = {}
    for name in MODULES:
        module = importlib.import_module(f"handlers.{name}")
        spec: IntentSpec = module.INTENT
        if spec.name in out:
            raise ValueError(f"intent {spec.name!r} declared twice (handlers.{name})")
        out[spec.name] = (spec, module)
    return out


def specs() -> tuple[IntentSpec, ...]:
    """Every declared intent, in MODULES order."""
    return tuple(spec for spec, _ in _loaded().values())


def spec(intent: str) -> IntentSpec:
    loaded = _loaded()
    return loaded.get(intent, loaded[FALLBACK])[0]


def module_for(intent: str) -> ModuleType:
    """The handler module of an intent (the fallback's for one nobody declared)."""
    loaded = _loaded()
    return loaded.get(intent, loaded[FALLBACK])[1]


def label(intent: str) -> str:
    """The Chinese label of a declared intent; an undeclared one is named as it is."""
    found = _loaded().get(intent)
    return found[0].label if found else intent


def examples(role: str) -> list[str]:
    """The lines help suggests to this role, in MODULES order."""
    return [s.examples[role] for s in specs() if role in s.examples]

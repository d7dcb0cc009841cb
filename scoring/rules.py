"""Machine rules, compiled once at rubric load (scoring/loader.py); each runs over one branch's indexed facts.

A rule of an item appends deductions (with reason, rule text and the requirement they are for), what is still
missing (with its due date) and its count requirements (for progress answers). The rules live by idea:
`count_rules` (activities counted per period or per year), `fact_rules` (incidents, declarations, ratios,
judgment), `bonus_veto_rules`; what they share is in `rule_context`. This module names them for the loader.
"""
from __future__ import annotations

from .bonus_veto_rules import AwardByLevel, DeclarationLevel, IncidentAny, NoActivity
from .count_rules import Count, PerPeriod, Variety, period_requirement
from .fact_rules import DeclarationRule, IncidentRule, Judgment, Proportional
from .rule_context import Ctx, RuleBase

__all__ = ["Ctx", "RuleBase", "PerPeriod", "Count", "Variety", "period_requirement", "IncidentRule", "DeclarationRule",
           "Proportional", "Judgment", "AwardByLevel", "DeclarationLevel", "IncidentAny", "NoActivity"]

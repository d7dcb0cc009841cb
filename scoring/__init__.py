"""The scoring core: rubric (data) + branch facts -> score card. Pure: no I/O but reading rubric files.

Public API (a contract the other packages rely on):

    list_rubrics() -> list[RubricInfo]            # the shipped rubrics (one per seed document)
    load_rubric(id_or_path) -> Rubric             # validated; RubricError names file, item and problem
    score_branch(rubric, facts, year, as_of, tiers=None) -> ScoreCard
        tiers: {"self"|"group"|"office": {item_id: points}}; a later tier overrides an item only where given
    rank(cards) -> list[tuple[int, ScoreCard]]    # 1-based, ties share a place, by final total
    progress(card, code=None) -> list[Progress]   # "党课: 要求每季度1次，已完成3次，本季度还差1次，12月31日前"

Also: DEFAULT_RUBRIC ("seed000"), facts_from_dict / facts_to_dict (the facts file format),
activity_label / declaration_label / incident_label / award_label (scoring/vocabulary.yaml), and the
error hierarchy ScoringError > RubricError (RubricNotFound, RubricSyntaxError, RubricSchemaError >
RubricRuleError, RubricTotalError), FactsError, TierError, YearError; speaker_role_of (who gave a 党课:
the roster's role or the title said).  See docs/scoring.md.
"""
from .card import (ACTIVITY_KINDS, TIERS, BonusResult, Deduction, ItemResult, Missing, Requirement, RequirementRef,
                   ScoreCard, Tier, VetoResult)
from .catalog import DEFAULT_RUBRIC, RubricInfo, list_rubrics, load_rubric
from .engine import score_branch
from .errors import (FactsError, RubricError, RubricNotFound, RubricRuleError, RubricSchemaError, RubricSyntaxError,
                     RubricTotalError, ScoringError, TierError, YearError)
from .facts import Activity, Award, BranchFacts, Declaration, Exemption, Incident
from .index import speaker_role_of
from .facts_io import facts_from_dict, facts_to_dict
from .progress import Progress, progress
from .ranking import rank
from .rubric import BonusItem, GradeBand, Item, Rubric, ScoreColumn, Section, VetoItem
from .vocabulary import (ACTIVITIES, AWARD_LEVELS, AWARDS, DECLARATIONS, INCIDENTS, SPEAKER_ROLES, STAR_RATINGS,
                         activity_code, activity_label, award_label, award_level, declaration_label, incident_label,
                         speaker_role, star_rating)

__all__ = [
    "ACTIVITY_KINDS", "TIERS", "Tier", "BonusResult", "Deduction", "ItemResult", "Missing", "Requirement",
    "RequirementRef", "ScoreCard", "VetoResult",
    "Activity", "Award", "BranchFacts", "Declaration", "Exemption", "Incident", "speaker_role_of",
    "DEFAULT_RUBRIC", "RubricInfo", "list_rubrics", "load_rubric", "score_branch", "rank", "progress", "Progress",
    "facts_from_dict", "facts_to_dict",
    "ScoringError", "RubricError", "RubricNotFound", "RubricSyntaxError", "RubricSchemaError", "RubricRuleError",
    "RubricTotalError", "FactsError", "TierError", "YearError",
    "Rubric", "Section", "Item", "BonusItem", "VetoItem", "GradeBand", "ScoreColumn",
    "ACTIVITIES", "DECLARATIONS", "INCIDENTS", "AWARDS", "AWARD_LEVELS", "STAR_RATINGS", "SPEAKER_ROLES",
    "award_level", "star_rating", "speaker_role",
    "activity_label", "activity_code", "declaration_label", "incident_label", "award_label",
]

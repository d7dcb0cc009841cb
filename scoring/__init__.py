"""The scoring core: rubric (data) + branch facts -> score card. Pure: no I/O but reading rubric files.

Public API (a contract the other packages rely on):

    list_rubrics() -> list[RubricInfo]            # the shipped rubrics (one per seed document)
    load_rubric(id_or_path) -> Rubric             # validated; RubricError names file, item and problem
    score_branch(rubric, facts, year, as_of, tiers=None) -> ScoreCard
        tiers: {"self"|"group"|"office": {item_id: points}}; a later tier overrides an item only where given
    rank(cards) -> list[tuple[int, ScoreCard]]    # 1-based, ties share a place, by final total
    progress(card, code=None) -> list[Progress]   # "党课: 要求每季度1次，已完成3次，本季度还差1次，12月31日前"
"""
from .card import TIERS, BonusResult, Deduction, ItemResult, Missing, ScoreCard, Tier, VetoResult
from .facts import Activity, Award, BranchFacts, Declaration, Incident

__all__ = [
    "TIERS", "Tier", "BonusResult", "Deduction", "ItemResult", "Missing", "ScoreCard", "VetoResult",
    "Activity", "Award", "BranchFacts", "Declaration", "Incident",
]

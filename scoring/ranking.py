"""Rankings over score cards: by final total, ties share a place, vetoed branches last."""
from __future__ import annotations

from typing import Iterable

from .card import ScoreCard


def rank(cards: Iterable[ScoreCard]) -> list[tuple[int, ScoreCard]]:
    """[(place, card)], 1-based "1, 1, 3" places; a vetoed card ranks after every card that is not."""
    ordered = sorted(cards, key=lambda c: (c.vetoed, -c.total, c.name, c.branch_id))
    out: list[tuple[int, ScoreCard]] = []
    prev: tuple[bool, float] | None = None
    place = 0
    for i, c in enumerate(ordered, 1):
        key = (c.vetoed, c.total)
        if key != prev:
            place = i
            prev = key
        out.append((place, c))
    return out

"""The tiers of an item's score and the incidents the office's final score takes in: shared by submit (the office's
confirmation applies them) and score (says which are not counted yet), so neither imports the other."""
from __future__ import annotations

from typing import Any

# The tier whose score a later tier starts from, nearest first.
PREVIOUS = {"self": (), "group": ("self",), "office": ("group", "self")}


def incidents_applied(item: Any) -> bool:
    """The office's score of the item takes in its incidents (its confirmation took them off the previous tier's
    score, or the office scored the item that low itself): an incident recorded later still shows as not counted."""
    office = item.tiers.get("office")
    prev = next((item.tiers[t] for t in PREVIOUS["office"] if t in item.tiers), None)
    return office is not None and prev is not None and office <= max(0.0, prev - incident_points(item)) + 0.005


def incident_points(item: Any) -> float:
    """What the incidents of the item's year (通报批评, 处分…: only the office records them) take off it, as the
    scoring core scored them (each rule's per-event points and cap): its deductions that name no requirement
    (scoring/card.py Deduction.requirement), the ones the item's cap left out of the computed points included.
    The seeds are silent on whether the office's final scores take in an incident recorded after the
    self-evaluation (seed 000 附件1 一.1 只写“受到……通报批评的，每次扣3分”; the workflow only says the office
    confirms the final scores): the committee's office records them to count, so its final score applies them."""
    return round(sum(d.points for d in (*item.deductions, *item.capped) if d.requirement is None), 2)

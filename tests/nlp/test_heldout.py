"""Accuracy of nlp.parse on lines written apart from the corpus.

heldout.yaml (275 lines) was written and scored once before the parser was changed for it, then tuned on: it is
a regression gate now, at the corpus's 98 % per field. final_holdout.yaml was written last and never tuned
against: it is the honest figure, gated lower (90 % per field, 80 % of lines right in every field) and its
test lists every miss. holdout_2026_11_25.yaml (40 lines, written and scored once before the fixes of that day,
82.5 % of lines right) and holdout_2026_12_02.yaml (230 lines, blind, 71.3 % before issue 14) have the same gate.
The blind sets b (81.3 % when scored once), c (88.6 %) and d (95.4 %) were tuned on afterwards: they are regression
gates at the corpus's 98 % per field now.
Figures in docs/nlp.md.
"""
from __future__ import annotations

import warnings

import pytest

from labeled_lines import FIELDS, load, wrong_lines, wrong_rows

HELDOUT = load("heldout.yaml")
FINAL = load("final_holdout.yaml")
HOLDOUT_2026_11_25 = load("holdout_2026_11_25.yaml")
HOLDOUT_2026_12_02_B = load("holdout_2026_12_02_b.yaml")
HOLDOUT_2026_12_02 = load("holdout_2026_12_02.yaml")
HOLDOUT_2026_12_02_C = load("holdout_2026_12_02_c.yaml")
HOLDOUT_2026_12_02_D = load("holdout_2026_12_02_d.yaml")
HOLDOUT_2026_12_02_E = load("holdout_2026_12_02_e.yaml")
HOLDOUT_2026_12_02_F = load("holdout_2026_12_02_f.yaml")


def test_heldout_is_big_and_varied() -> None:
    assert len(HELDOUT) >= 200
    assert len({r["intent"] for r in HELDOUT}) == 14
    assert len(FINAL) >= 40
    assert len(HOLDOUT_2026_11_25) >= 40
    assert len(HOLDOUT_2026_12_02) >= 230


@pytest.mark.parametrize("field", FIELDS)
def test_heldout_field_accuracy(field: str) -> None:
    wrong = wrong_lines(HELDOUT, field)
    accuracy = 1 - len(wrong) / len(HELDOUT)
    assert accuracy >= 0.98, f"{field}: {accuracy:.1%} right ({len(wrong)} wrong of {len(HELDOUT)}):\n" + "\n".join(wrong)


def _gate_honest_set(rows: list[dict], name: str) -> None:
    """90 % per field and 80 % of lines right in every field; misses are always listed as a warning."""
    wrong = wrong_rows(rows)
    lines_right = 1 - len(wrong) / len(rows)
    report = f"{name}: {lines_right:.1%} of {len(rows)} lines right in every field; misses:\n" + "\n".join(wrong)
    if wrong:
        warnings.warn(report, stacklevel=2)
    per_field = {f: 1 - len(wrong_lines(rows, f)) / len(rows) for f in FIELDS}
    low = {f: f"{a:.1%}" for f, a in per_field.items() if a < 0.90}
    assert not low, f"fields under 90 %: {low}\n" + report
    assert lines_right >= 0.80, report


def test_final_holdout_accuracy() -> None:
    """Scored once at 97.8 % or better in every field and 88.9 % of lines right in every field (40 of 45)."""
    _gate_honest_set(FINAL, "final hold-out")


def test_holdout_2026_11_25_accuracy() -> None:
    """Scored once before the fixes of 2026-11-25: 82.5 % of lines right in every field (33 of 40), intent 95.0 %,
    every field ≥ 95.0 %."""
    _gate_honest_set(HOLDOUT_2026_11_25, "hold-out 2026-11-25")


def test_holdout_2026_12_02_accuracy() -> None:
    """Blind when scored once before issue 14's fixes: 71.3 % of lines right in every field (164 of 230), intent 87.8 %,
    15 lines a false or wrong-dated record/plan. Tuned on since (97.8 % after the fixes): a regression gate now,
    like the other hold-outs (docs/nlp.md)."""
    _gate_honest_set(HOLDOUT_2026_12_02, "hold-out 2026-12-02")


def test_second_blind_holdout_2026_12_02_accuracy() -> None:
    """Written blind after issue 14's changes and scored once: 81.3 % of lines right in every field (200 of 246),
    intent 90.7 %, asks on 6.1 %, 7 lines a wrong record or plan stored without asking (docs/nlp.md). Its misses were
    then fixed by class (100 % after): a regression gate now, like heldout.yaml."""
    _gate_honest_set(HOLDOUT_2026_12_02_B, "second blind hold-out 2026-12-02")
    for field in FIELDS:
        wrong = wrong_lines(HOLDOUT_2026_12_02_B, field)
        assert len(wrong) / len(HOLDOUT_2026_12_02_B) <= 0.02, f"{field}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("field", FIELDS)
def test_blind_holdout_c_field_accuracy(field: str) -> None:
    """Set c, written blind and scored once on the parser of 917cd18 (88.6 % of 220 lines right, intent 94.1 %, asks
    6.4 %, 5 silent wrong records), then tuned on by class: a regression gate at 98 % per field."""
    wrong = wrong_lines(HOLDOUT_2026_12_02_C, field)
    assert 1 - len(wrong) / len(HOLDOUT_2026_12_02_C) >= 0.98, f"{field}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("field", FIELDS)
def test_blind_holdout_d_field_accuracy(field: str) -> None:
    """Set d (241 lines), written blind and scored once on 78e5942: 95.4 % of lines right in every field, intent
    97.5 %, asks 3.7 %, 3 silent wrong records (on 917cd18: 90.9 %, 6 silent). Tuned on by class since (docs/nlp.md):
    a regression gate at 98 % per field."""
    wrong = wrong_lines(HOLDOUT_2026_12_02_D, field)
    assert 1 - len(wrong) / len(HOLDOUT_2026_12_02_D) >= 0.98, f"{field}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("field", FIELDS)
def test_blind_holdout_e_field_accuracy(field: str) -> None:
    """Set e (211 lines), written blind and scored once on the final nlp of 2026-12-02 (c2b27e7): 98.1 % of lines
    right in every field, intent 99.1 %, asks 2.8 %, 1 silent wrong record (没有 + an activity, no verb). Tuned on
    since (that class fixed): a regression gate at 98 % per field."""
    wrong = wrong_lines(HOLDOUT_2026_12_02_E, field)
    assert 1 - len(wrong) / len(HOLDOUT_2026_12_02_E) >= 0.98, f"{field}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("field", FIELDS)
def test_blind_holdout_f_field_accuracy(field: str) -> None:
    """Set f (206 lines), written blind and scored once on 1297121: 95.1 % of lines right in every field, intent
    99.5 %, asks 4.9 %, 0 silent wrong records. Its bare-count class fixed since: a regression gate at 98 % per field."""
    wrong = wrong_lines(HOLDOUT_2026_12_02_F, field)
    assert 1 - len(wrong) / len(HOLDOUT_2026_12_02_F) >= 0.98, f"{field}:\n" + "\n".join(wrong)

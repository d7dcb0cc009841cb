"""Accuracy of nlp.parse on lines written apart from the corpus.

heldout.yaml (275 lines) was written and scored once before the parser was changed for it, then tuned on: it is
a regression gate now, at the corpus's 98 % per field. final_holdout.yaml was written last and never tuned
against: it is the honest figure, gated lower (90 % per field, 80 % of lines right in every field) and its
test lists every miss. Figures in docs/nlp.md.
"""
from __future__ import annotations

import warnings

import pytest

from labeled_lines import FIELDS, load, wrong_lines, wrong_rows

HELDOUT = load("heldout.yaml")
FINAL = load("final_holdout.yaml")


def test_heldout_is_big_and_varied() -> None:
    assert len(HELDOUT) >= 200
    assert len({r["intent"] for r in HELDOUT}) == 14
    assert len(FINAL) >= 40


@pytest.mark.parametrize("field", FIELDS)
def test_heldout_field_accuracy(field: str) -> None:
    wrong = wrong_lines(HELDOUT, field)
    accuracy = 1 - len(wrong) / len(HELDOUT)
    assert accuracy >= 0.98, f"{field}: {accuracy:.1%} right ({len(wrong)} wrong of {len(HELDOUT)}):\n" + "\n".join(wrong)


def test_final_holdout_accuracy() -> None:
    """Gated at 90 % per field (scored once at 97.8 % or better in every field); the share of lines right in every
    field (88.9 % when scored once: 40 of 45) has a floor of 80 %. Misses are always listed as a warning."""
    wrong = wrong_rows(FINAL)
    lines_right = 1 - len(wrong) / len(FINAL)
    report = f"final hold-out: {lines_right:.1%} of {len(FINAL)} lines right in every field; misses:\n" + "\n".join(wrong)
    if wrong:
        warnings.warn(report, stacklevel=1)
    per_field = {f: 1 - len(wrong_lines(FINAL, f)) / len(FINAL) for f in FIELDS}
    low = {f: f"{a:.1%}" for f, a in per_field.items() if a < 0.90}
    assert not low, f"fields under 90 %: {low}\n" + report
    assert lines_right >= 0.80, report

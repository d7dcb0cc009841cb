"""The one rule telling a record from a plan by its day (handlers/activities.py), used by both handlers."""
from datetime import date

import pytest

from handlers.activities import is_planned

TODAY = date(2022, 12, 28)


@pytest.mark.parametrize("intent, day, planned", [
    ("record", date(2022, 12, 29), True),   # "明天开了支委会": a later day is a plan whatever the verb
    ("record", TODAY, False),               # "今天开了支委会"
    ("plan", TODAY, True),                  # "今天下午开支委会": asked about tomorrow
    ("plan", date(2022, 12, 27), False),    # "计划" about yesterday: it happened, a record
    ("record", date(2022, 12, 27), False),
])
def test_a_later_day_is_a_plan_an_earlier_one_a_record_and_today_follows_the_line(intent, day, planned):
    assert is_planned(intent, day, TODAY) is planned

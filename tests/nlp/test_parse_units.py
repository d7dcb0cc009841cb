"""Details of nlp.parse the conversation handlers rely on, one behaviour per test."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from click.testing import CliRunner

from bot.cli import main
from nlp import parse, warm_up
from nlp.dates import find_dates

TODAY = date(2022, 12, 28)  # a Wednesday


def test_contract_keys_come_first_in_to_json() -> None:
    out = parse("12月20日召开支部党员大会，应到15人，实到13人", TODAY).to_json()
    assert list(out)[:5] == ["intent", "activities", "date", "expected", "present"]
    assert out == {"intent": "record", "activities": ["member_assembly"], "date": "2022-12-20",
                   "expected": 15, "present": 13}


def test_today_may_be_an_aware_datetime_in_another_zone() -> None:
    # 2022-12-27 20:00 UTC is already 12-28 04:00 in Shanghai.
    sent = datetime(2022, 12, 27, 20, 0, tzinfo=timezone.utc)
    assert parse("今天开了支委会", sent).date == date(2022, 12, 28)


def test_bare_weekday_is_the_most_recent_one_and_today_counts() -> None:
    assert parse("周三开了支委会", TODAY).date == TODAY
    assert parse("周四开了支委会", TODAY).date == date(2022, 12, 22)


def test_month_day_leans_to_the_past_in_a_report_and_the_future_in_a_plan() -> None:
    jan5 = date(2023, 1, 5)
    assert parse("12月28日开了支委会", jan5).date == date(2022, 12, 28)
    assert parse("准备1月6日开支委会", jan5).date == date(2023, 1, 6)
    assert parse("准备1月6日开支委会", jan5).intent == "plan"


def test_a_date_that_does_not_exist_is_no_date() -> None:
    parsed = parse("2月30日开了支委会", TODAY)
    assert parsed.intent == "record" and parsed.date is None


def test_numbers_that_are_not_attendance_are_not_counts() -> None:
    parsed = parse("建党101周年主题党日，学习2023年工作计划，第四季度", TODAY)
    assert (parsed.expected, parsed.present) == (None, None)


def test_chinese_numerals_only_converted_in_their_span() -> None:
    parsed = parse("三会一课：党员大会应到二十人实到十九人，学习二十大精神", TODAY)
    assert parsed.activities == ("member_assembly", "branch_committee", "group_meeting", "party_lecture")
    assert (parsed.expected, parsed.present) == (20, 19)
    assert parsed.topic == "学习二十大精神"


def test_find_dates_reads_every_form() -> None:
    forms = {
        "12.16": date(2022, 12, 16), "12/21": date(2022, 12, 21), "12-13": date(2022, 12, 13),
        "2022.12.15": date(2022, 12, 15), "2022/11/11": date(2022, 11, 11), "22年12月6日": date(2022, 12, 6),
        "十二月十九日": date(2022, 12, 19), "本月12号": date(2022, 12, 12), "上个月28号": date(2022, 11, 28),
        "大前天": date(2022, 12, 25), "本周一": date(2022, 12, 26), "上周五": date(2022, 12, 23),
    }
    for text, expected in forms.items():
        hits = find_dates(text, TODAY, None)
        assert [h.value for h in hits] == [expected], text


def test_warm_up_is_idempotent() -> None:
    warm_up()
    warm_up()
    assert parse("今天开了支委会", TODAY).intent == "record"


def test_zhibu_parse_reads_lines_and_writes_json_lines_in_order() -> None:
    lines = ["今天开了支委会", "", "第三协作组排名", "😀", "12.16 党小组会 到会8人"]
    result = CliRunner().invoke(main, ["parse", "--today", "2022-12-28"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["intent"] for o in out] == ["record", "unknown", "ranking", "unknown", "record"]
    assert out[0]["date"] == "2022-12-28" and out[0]["activities"] == ["branch_committee"]
    assert out[4] == {"intent": "record", "activities": ["group_meeting"], "date": "2022-12-16",
                      "expected": None, "present": 8}


def test_zhibu_parse_refuses_a_bad_date_in_chinese() -> None:
    result = CliRunner().invoke(main, ["parse", "--today", "2022-13-01"], input="")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output

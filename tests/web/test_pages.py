"""The office pages through Flask's test client: ranking, month grid, turning a not-understood message into a
record, the workflow status, downloads, and role limits (the app: tests/web/conftest.py)."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl

from bot.models import ActivityRecord, AuditLog, InboundMessage, Person
from tests.support.office import login_link as _link, password_login as _login


def test_ranking_grid_chart_and_downloads(app):
    c = app.test_client()
    assert _login(c).status_code == 302
    html = c.get("/office/").get_data(as_text=True)
    assert "第一党建协作组" in html and "第三党建协作组" in html
    html = c.get("/office/group/3").get_data(as_text=True)
    # Group 3's 丙 held 支委会 Jan–Aug only: September is marked missing, December is not due yet.
    row = html[html.index("第3组丙协会党支部", html.index('id="grid"')):]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td class=\"(ok|miss|later)\"", row)
    assert len(cells) == 12 and cells[8] == "miss" and cells[11] == "later"
    assert "支委会 2022年9月未开展，扣0.5分" in row  # the card's own deduction, word for word
    assert "summary.docx" in html  # every form of a branch is linked: 自评表, 记录本, 总结提纲
    ranking = html[html.index('id="ranking"'):html.index("</table>")]
    assert ranking.count("<td>—</td>") == 6  # nobody in group 3 has given a self or group score
    g1 = c.get("/office/group/1").get_data(as_text=True)
    g1 = g1[g1.index('id="ranking"'):g1.index("</table>")]
    assert g1.count("<td>—</td>") == 5  # 甲 of group 1 has a group score
    png = c.get("/office/group/3/chart.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    x = c.get("/office/group/1/annex2.xlsx")
    assert x.status_code == 200
    ws = openpyxl.load_workbook(data_only=True, filename=io.BytesIO(x.data)).active
    assert ws["A3"].value == "填报单位：第一党建协作组"
    assert c.get("/office/branch/1/annex1.xlsx").status_code == 200
    assert c.get("/office/branch/1/nothing").status_code == 404
    assert c.get("/office/report.docx").status_code == 200


def test_groups_sorted_by_average_two_decimals_grid_as_the_card_deducts(app):
    from bot.exports.office import ranked_cards
    from bot.models import Organisation

    c = app.test_client()
    assert _login(c).status_code == 302
    html = c.get("/office/").get_data(as_text=True)
    table = html[html.index('id="groups"'):html.index("</table>")]
    avgs = [float(x) for x in re.findall(r"<td>(\d+\.\d\d)</td>", table)]
    assert len(avgs) == 3 and avgs == sorted(avgs, reverse=True)
    names = re.findall(r">(第.党建协作组)</a>", table)
    with app.extensions["zhibu"].sessions() as s:
        org = s.query(Organisation).one()
        real = {}
        for gid, name in ((1, "第一党建协作组"), (2, "第二党建协作组"), (3, "第三党建协作组")):
            cards = [card for _, card in ranked_cards(s, org, 2022, date(2022, 12, 26), gid)]
            real[name] = round(sum(card.total for card in cards) / len(cards), 2)
            grid = c.get(f"/office/group/{gid}").get_data(as_text=True)
            grid = grid[grid.index('id="grid"'):]
            marked = grid.count('<td class="miss"')
            assert marked == sum(len({d.date.month for it in card.items for d in it.deductions
                                      if d.points > 0 and d.reason.split(" ")[0] in {r.label for r in it.requirements}})
                                 for card in cards)
    assert names == sorted(real, key=lambda n: -real[n]) and avgs == [real[n] for n in names]


def test_times_are_shown_in_the_committees_time_zone(app):
    """A message received at 2022-12-20 17:30 UTC is 12月21日 01:30 in Chongqing: the record form's date too."""
    with app.extensions["zhibu"].sessions() as s:
        msg = s.query(InboundMessage).one()
        msg.received_at = datetime(2022, 12, 20, 17, 30)
        s.commit()
    c = app.test_client()
    assert _login(c).status_code == 302
    html = c.get("/office/unknown").get_data(as_text=True)
    assert "2022-12-21 01:30" in html and 'value="2022-12-21"' in html


def test_unknown_message_becomes_a_record(app):
    c = app.test_client()
    _login(c)
    html = c.get("/office/unknown").get_data(as_text=True)
    assert "昨天搞了个活动挺好" in html
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    form = {"branch_id": "2", "code": "theme_day", "date": "2022-12-19", "expected": "12", "present": "11"}
    assert c.post("/office/unknown/1/record", data=form).status_code == 400  # no CSRF token
    r = c.post("/office/unknown/1/record", data={**form, "csrf": token})
    assert r.status_code == 302
    with app.extensions["zhibu"].sessions() as s:
        rec = s.query(ActivityRecord).filter_by(message_id=1).one()
        assert (rec.branch_id, rec.code, rec.date, rec.present) == (2, "theme_day", date(2022, 12, 19), 11)
        assert s.get(InboundMessage, 1).status == "handled"
        assert s.query(AuditLog).filter_by(entity="activity_record", entity_id=rec.id, action="create").count() == 1
    assert "昨天搞了个活动挺好" not in c.get("/office/unknown").get_data(as_text=True)
    assert c.post("/office/unknown/1/record", data={**form, "csrf": token}).status_code == 404
    bad = {**form, "date": "昨天", "csrf": token}
    assert c.post("/office/unknown/1/record", data=bad).status_code in (400, 404)


def test_workflow_status_and_group_leader_limits(app):
    c = app.test_client()
    _login(c)
    html = c.get("/office/workflow").get_data(as_text=True)
    assert "2023-01-10" in html and "2023-01-19" in html
    assert "1 / 3" in html and "第1组乙协会党支部" in html
    leader = app.test_client()
    with app.extensions["zhibu"].sessions() as s:
        pid = s.query(Person).filter_by(name="组长2").one().id
    r = leader.get(_link(app, pid))
    assert r.headers["Location"].endswith("/office/group/2")
    assert leader.get("/office/group/2").status_code == 200
    assert leader.get("/office/group/1").status_code == 403
    assert leader.get("/office/unknown").status_code == 403
    html = leader.get("/office/").get_data(as_text=True)
    assert "第二党建协作组" in html and "第一党建协作组" not in html


def test_group_page_marks_grades_of_assumed_bands(app):
    """Seed 000 sets no grades (ScoreCard.grade_assumed): the ranking printed "合格" as if the rubric said so."""
    c = app.test_client()
    assert _login(c).status_code == 302
    html = c.get("/office/group/3").get_data(as_text=True)
    ranking = html[html.index('id="ranking"'):html.index("</table>")]
    grades = re.findall(r'<td class="(?:veto)?">([^<]+)(<span class="muted"[^>]*>（假定分档）</span>)?</td>', ranking)
    assert len(grades) == 3 and all(mark for _, mark in grades), grades

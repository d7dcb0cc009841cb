"""The office's downloads: a group's ranking chart and 汇总表 (annex 2), a branch's 自评表 / 活动记录本 / 工作总结,
the committee's report, and the chart behind a signed link the bot pushed into a group chat (no login)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, current_app, send_file

from .context import bp, db, group_or_404, login_required, office_only, org, period, person, reads


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="zhibu-office-"))


def _send(path: Path):
    return send_file(path, as_attachment=True, download_name=path.name)


def _png(data: bytes, cache: str):
    return current_app.response_class(data, mimetype="image/png", headers={"Cache-Control": cache})


@bp.get("/group/<int:group_id>/chart.png")
@login_required
def group_chart(group_id: int):
    from bot.exports.chart import ranking_chart_bytes
    from bot.exports.office import ranked_cards

    grp = group_or_404(group_id)
    year, as_of = period(org())
    ranked = ranked_cards(db(), org(), year, as_of, grp.id)
    return _png(ranking_chart_bytes([c for _, c in ranked], f"{grp.name} {year}年度排名", ranked=ranked), "no-store")


@bp.get("/chart/<token>.png")
def signed_chart(token: str):
    """The chart behind a link the bot pushed into a group chat (DingTalk robots cannot upload images):
    no login, but only for a signed, unexpired (group, year, as-of) the bot itself chose."""
    from bot.exports.chart import ranking_chart_bytes
    from bot.exports.chart_push import read_chart_token
    from bot.exports.office import ranked_cards

    data = read_chart_token(current_app.config["SECRET_KEY"], token)
    committee = reads().organisation(data["o"]) if data else None
    grp = reads().group(data["g"]) if data and data.get("g") is not None else None
    if committee is None or (data.get("g") is not None and (grp is None or grp.org_id != committee.id)):
        abort(404)
    ranked = ranked_cards(db(), committee, data["y"], data["d"], grp.id if grp else None)
    title = f"{grp.name if grp else committee.name} {data['y']}年度党支部得分排名"
    return _png(ranking_chart_bytes([c for _, c in ranked], title, ranked=ranked), "private, max-age=300")


@bp.get("/group/<int:group_id>/annex2.xlsx")
@login_required
def group_annex2(group_id: int):
    from bot.exports.office import annex2_xlsx

    grp = group_or_404(group_id)
    year, as_of = period(org())
    return _send(annex2_xlsx(db(), org(), grp, year, as_of, _tmp()))


@bp.get("/branch/<int:branch_id>/<kind>")
@login_required
def branch_file(branch_id: int, kind: str):
    from bot.exports import office as ex

    branch = reads().branch(branch_id)
    if branch is None or branch.org_id != org().id:
        abort(404)
    if person().role == "group_leader" and branch.group_id != person().group_id:
        abort(403)
    writers = {"annex1.xlsx": ex.annex1_xlsx, "record_book.docx": ex.record_book_docx, "summary.docx": ex.summary_docx}
    if kind not in writers:
        abort(404)
    year, as_of = period(org())
    return _send(writers[kind](db(), branch, year, as_of, _tmp()))


@bp.get("/report.docx")
@login_required
@office_only
def report():
    from bot.exports.office import report_docx

    year, as_of = period(org())
    return _send(report_docx(db(), org(), year, as_of, _tmp()))

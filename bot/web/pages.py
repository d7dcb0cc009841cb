"""The office's pages: rankings per group, a group's branch × month grid, messages the bot did not understand,
failed reminders, the year's incidents and awards, and the year-end workflow. Read only: the forms that change
something are bot/web/forms.py.
"""
from __future__ import annotations

from flask import request, url_for

from .context import bp, db, login_required, office_only, org, period, reads, render, store, today, visible_groups
from .context import group_or_404
from .forms import award_levels


@bp.get("/")
@login_required
def index():
    from bot.exports.office import ranked_cards

    year, as_of = period(org())
    groups = []
    for grp in visible_groups():
        ranked = ranked_cards(db(), org(), year, as_of, grp.id)
        totals = [c.total for _, c in ranked]
        avg = round(sum(totals) / len(totals), 2) if totals else None
        groups.append({"group": grp, "count": len(ranked), "avg": avg, "top": ranked[0][1] if ranked else None})
    groups.sort(key=lambda row: (row["avg"] is None, -(row["avg"] or 0), row["group"].id))  # best average first
    unknown = next(iter(store().not_understood(org().id, 1)), None)
    return render("index.html", groups=groups, year=year, as_of=as_of, has_unknown=unknown is not None,
                  pending_awards=reads().pending_award_count(org().id))


@bp.get("/group/<int:group_id>")
@login_required
def group(group_id: int):
    from bot.exports.annex1 import column_total
    from bot.exports.gaps import requirement_legend
    from bot.exports.office import month_grid, ranked_cards, rubric_of

    grp = group_or_404(group_id)
    year, as_of = period(org())
    ranked = ranked_cards(db(), org(), year, as_of, grp.id)
    subs = {s.branch_id: s for s in reads().submissions(org().id, year, "self")}
    cards = [c for _, c in ranked]
    grid = month_grid(db(), cards, year)  # ✗ exactly where the score card deducts (bot/exports/gaps.py)
    rubric = rubric_of(org())
    # Tier totals only where that tier has actually scored (the core carries earlier scores forward).
    given = {c.branch_id: {t: column_total(rubric, c, t, False) for t in ("self", "group")} for _, c in ranked}
    return render("group.html", group=grp, ranked=ranked, subs=subs, grid=grid, year=year, as_of=as_of,
                  months=range(1, 13), given=given, legend=requirement_legend(cards))


@bp.get("/unknown")
@login_required
@office_only
def unknown():
    from scoring import ACTIVITIES

    msgs = store().not_understood(org().id, 200)
    return render("unknown.html", msgs=msgs, branches=reads().active_branches(org().id), activities=ACTIVITIES,
                  senders=reads().people([m.person_id for m in msgs]), done=request.args.get("done"))


@bp.get("/failed")
@login_required
@office_only
def failed():
    """Reminders that failed, gave up or got stuck (their sender died), with the platform's answer and a retry."""
    from bot.reminders.failures import failed_sends

    return render("failed_sends.html", sends=failed_sends(db(), org().id), retry_url=url_for("office.failed_retry"),
                  retried=request.args.get("retried"))


@bp.get("/incidents")
@login_required
@office_only
def incidents():
    """The year's incidents (通报批评, 处分 …) and awards, and the forms that record them (office only)."""
    from handlers.labels import LEVEL_LABELS, vocabulary

    year, _ = period(org())
    branches = reads().active_branches(org().id)
    vocab = vocabulary()
    return render("incidents.html", year=year, branches=branches, names={b.id: b.name for b in branches},
                  incidents=store().incidents(org().id, year), awards=reads().awards_in_year(org().id, year),
                  incident_kinds=vocab.get("incidents", {}), award_kinds=vocab.get("awards", {}),
                  award_levels=award_levels(), level_labels=LEVEL_LABELS, today=today(),
                  done=request.args.get("done"))


@bp.get("/workflow")
@login_required
def workflow():
    from bot import season

    year, _ = period(org())
    subs = reads().submissions(org().id, year)
    self_subs = {s.branch_id: s for s in subs if s.tier == "self"}
    group_subs = {s.group_id: s for s in subs if s.tier == "group"}
    rows = []
    for grp in visible_groups():
        branches = reads().group_branches(grp.id)
        rows.append({"group": grp, "branches": [(b, self_subs.get(b.id)) for b in branches],
                     "done": sum(1 for b in branches if b.id in self_subs), "group_sub": group_subs.get(grp.id)})
    state = season.view(store(), org(), today()).state(year)
    return render("workflow.html", rows=rows, year=year, deadlines=season.deadlines(org(), year),
                  office_sub=next((s for s in subs if s.tier == "office"), None), today=today(),
                  season_state=state, done=request.args.get("done"))

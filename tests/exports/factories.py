"""Hand-built rubrics and score cards, so the writers are tested without the scoring engine."""
from __future__ import annotations

from datetime import date

from scoring.card import BonusResult, Deduction, ItemResult, ScoreCard, VetoResult
from scoring.rubric import BonusItem, GradeBand, Item, Rubric, ScoreColumn, Section, VetoItem

S000 = [
    ("一", "政治建设", [("以政治建设为统领，组织和引导党员深入学习贯彻习近平新时代中国特色社会主义思想。", 7,
                    "受到市级以上部门、上级党组织通报批评的，每次扣 3 分。"),
                   ("做好意识形态工作，及时掌握党员群众思想动态。", 6, "党支部每次扣 4 分，党员每次扣 2 分。"),
                   ("落实党建工作责任制，认真制定年度党建工作计划。", 6, "没有年度党建工作计划和工作总结的，少一项扣 2 分。"),
                   ("积极推动良好政治生态建设。", 6, "内部不团结，发生重大矛盾的，扣 3 分。")]),
    ("二", "思想建设", [("积极开展党史学习教育。", 6, "不按要求组织学习的，少一次扣1分。"),
                   ("支部书记每年至少在本支部讲1次党课。", 7, "支部书记全年没有讲党课的，扣2分。"),
                   ("按规定认真组织开展主题明确的党建活动。", 6, "主题党日活动，少一次扣0.5分。"),
                   ("党支部积极参加综合党委和党建协作组组织的活动。", 6, "无故缺席的，每次扣1分。")]),
    ("三", "组织建设", [("建立健全党支部日常工作制度。", 6, "制度建设每少一项扣1分。"),
                   ("按照标准成立支部及支部委员会。", 6, "超过3个月未进行补选的，扣2分。"),
                   ("严格执行“三会一课”制度。", 7, "“三会一课”制度执行不到位，少一次扣0.5分。"),
                   ("按规定做好党员发展工作。", 6, "每项扣1分。")]),
    ("四", "作风和纪律建设", [("每年至少召开 1 次组织生活会。", 7, "未按规定召开组织生活会，扣 2 分。"),
                       ("扎实开展警示教育。", 10, "支部党员被投诉，经查属实的，每件扣 2 分。"),
                       ("严格落实廉洁风险防控措施。", 8, "出现重大廉洁问题隐瞒不报的，扣 8 分。")]),
]


def seed000_like() -> Rubric:
    sections = []
    for sid, title, items in S000:
        its = tuple(
            Item(id=f"{sid}.{n}", section=f"{sid}、{title}", title=f"{title}{n}", max=float(mx), content=content,
                 rule_text=rule, source=f"seed 000 附件1 {sid}.{n}")
            for n, (content, mx, rule) in enumerate(items, 1)
        )
        sections.append(Section(id=sid, title=title, max=sum(i.max for i in its), items=its))
    return Rubric(
        id="test000", title="{year} 年 XX 协会党支部党建工作自评表", source="000", sections=tuple(sections),
        bonus=(BonusItem("B1", "书面表彰", "重点工作受到书面表彰的，每次加 1 分。", 5, "seed 000"),
               BonusItem("B2", "评星定级", "参加“评星定级”，获得 3A、4A、5A 等级的，分别加 1 分、3 分、5 分。", 5, "seed 000")),
        bonus_cap=10,
        vetoes=(VetoItem("V1", "党纪处分", "年度内支部党员出现违纪违法行为受到党纪处分的。", "seed 000"),
                VetoItem("V2", "未换届", "党支部任期届满而一年内不换届的。", "seed 000"),
                VetoItem("V3", "重大失误", "工作出现重大偏差和失误的。", "seed 000")),
        grades=(GradeBand("优秀", 90), GradeBand("良好", 80), GradeBand("合格", 60), GradeBand("不合格", 0)),
        columns=(ScoreColumn("self", "自评"), ScoreColumn("group", "协作组评分"), ScoreColumn("office", "综合党委办公室评分")),
        notes=("不涉及的不扣分；同一件事情涉及多项的不重复扣分；扣减分不超过单项指标的最高分。",),
    )


def seed003_like() -> Rubric:
    items = tuple(
        Item(id=str(n), section="考核细则", title=f"项目{n}", max=mx, content=f"内容与要求第{n}项。",
             rule_text=f"每少1次扣1分（第{n}项）", source=f"seed 003 item {n}")
        for n, mx in enumerate([5, 6, 6, 5, 5], 1)
    )
    return Rubric(id="seed003", title="社会事业局党工委直属党组织工作目标责任制考核细则", source="003",
                  sections=(Section("一", "考核细则", 27, items),),
                  columns=(ScoreColumn("self", "自查得分"), ScoreColumn("office", "复查得分")))


def card_for(rubric: Rubric, name: str, *, off: dict[str, float] | None = None, tiers: dict[str, dict[str, float]] | None = None,
             bonus: dict[str, float] | None = None, veto: str | None = None, group: str = "第一协作组",
             year: int = 2022, branch_id: str | None = None, grade: str | None = None) -> ScoreCard:
    """A card with `off[item_id]` points deducted; tiers[tier][item_id] scores given by people."""
    off, tiers, bonus = off or {}, tiers or {}, bonus or {}
    items = []
    for it in rubric.items:
        lost = off.get(it.id, 0.0)
        given = {t: v[it.id] for t, v in tiers.items() if it.id in v}
        items.append(ItemResult(it.id, it.section, it.title, it.max, it.max - lost, it.source,
                                deductions=(Deduction(lost, f"{it.title}扣分", it.rule_text),) if lost else (),
                                tiers=given))
    b = tuple(BonusResult(x.id, x.title, bonus.get(x.id, 0.0), x.cap) for x in rubric.bonus)
    v = tuple(VetoResult(x.id, x.title, x.id == veto) for x in rubric.vetoes)
    base = sum(i.points for i in items)
    btot = sum(r.points for r in b)
    final = sum(i.final for i in items) + btot
    return ScoreCard(rubric.id, branch_id or name, name, year, date(year, 12, 26), tuple(items), b, v, base, btot,
                     final, grade or ("不合格" if veto else "优秀" if final >= 90 else "合格"), group,
                     computed_total=base + btot)

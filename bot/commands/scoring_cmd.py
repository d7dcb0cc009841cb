"""`zhibu rubrics list|show|validate` and `zhibu score`: the office's view of the scoring core."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click


def _console():
    from rich.console import Console

    return Console(width=140, highlight=False, soft_wrap=False)


@click.group()
def rubrics() -> None:
    """评分细则：列出、查看、校验。"""


@rubrics.command("list")
def list_cmd() -> None:
    """列出随产品提供的评分细则（第一项为默认）。"""
    from rich.table import Table

    from scoring import DEFAULT_RUBRIC, list_rubrics

    table = Table(title="评分细则")
    for col in ("编号", "名称", "依据"):
        table.add_column(col, overflow="fold")
    for info in list_rubrics():
        table.add_row(info.id + ("（默认）" if info.id == DEFAULT_RUBRIC else ""), info.title, info.source)
    _console().print(table)


@rubrics.command("show")
@click.argument("rubric_id")
def show_cmd(rubric_id: str) -> None:
    """显示一个评分细则：各部分、各项分值、扣分规则与假定。"""
    from rich.table import Table

    from scoring import RubricError, load_rubric

    try:
        r = load_rubric(rubric_id)
    except RubricError as exc:
        raise click.ClickException(str(exc)) from None
    con = _console()
    con.print(f"[bold]{r.title}[/bold]（{r.id}，总分 {r.max_total:g}）\n依据：{r.source}")
    table = Table(show_lines=True)
    for col in ("项目", "分值", "评分细则", "机器规则", "出处"):
        table.add_column(col, overflow="fold")
    for s in r.sections:
        table.add_row(f"[bold]{s.id}、{s.title}[/bold]", f"{s.max:g}", "", "", "")
        for it in s.items:
            rules = "\n".join(_rule_line(x) for x in it.rules) or "—"
            text = it.rule_text + (f"\n[italic]假定：{it.assumption}[/italic]" if it.assumption else "")
            table.add_row(f"{it.id} {it.title}", f"{it.max:g}", text, rules, it.source)
    for b in r.bonus:
        table.add_row(f"加分 {b.id} {b.title}", f"≤{b.cap:g}" if b.cap else "", b.content,
                      "\n".join(_rule_line(x) for x in b.rules), b.source)
    for v in r.vetoes:
        table.add_row(f"否定 {v.id} {v.title}", "", v.content, "\n".join(_rule_line(x) for x in v.rules), v.source)
    con.print(table)
    if r.bonus_cap:
        con.print(f"加分合计不超过 {r.bonus_cap:g} 分")
    con.print("等次：" + "；".join(f"{g.label} ≥ {g.min:g}" for g in r.grades) + f"；否定项目：{r.veto_grade}")
    for a in r.assumptions:
        con.print(f"假定：{a}")


def _rule_line(rule: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in rule.items() if k != "text")


@rubrics.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate_cmd(file: str) -> None:
    """校验一个评分细则文件（办公室修改后的副本）。"""
    from scoring import RubricError
    from scoring.loader import read_rubric_file

    try:
        r = read_rubric_file(file)
    except RubricError as exc:
        raise click.ClickException(f"无效：{exc}") from None
    n_rules = sum(len(it.rules) for it in r.items)
    click.echo(f"有效：{r.id}「{r.title}」 {len(r.sections)} 个部分、{len(r.items)} 项、{n_rules} 条规则，"
               f"总分 {r.max_total:g}，加分项 {len(r.bonus)}，否定项 {len(r.vetoes)}")


def _read_facts(path: str) -> tuple[Any, dict]:
    import yaml

    from scoring import FactsError, facts_from_dict
    from scoring import yaml_text

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"无法读取事实文件 {path}：{getattr(exc, 'strerror', None) or exc}") from None
    try:
        # dates stay text, so an impossible one (2022-02-30) is refused by name below, not by the YAML library
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml_text.load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        one_line = " ".join(str(exc).split())
        raise click.ClickException(f"事实文件 {path} 格式错误：{one_line}") from None
    tiers: dict = {}
    if isinstance(data, dict) and "tiers" in data:
        data = dict(data)
        tiers = data.pop("tiers") or {}
        if not isinstance(tiers, dict):
            raise click.ClickException(f"事实文件 {path}：tiers 应为 {{self/group/office: {{项目: 分数}}}}")
        tiers = {t: {str(k): v for k, v in (s or {}).items()} for t, s in tiers.items()}
    try:
        return facts_from_dict(data), tiers
    except FactsError as exc:
        raise click.ClickException(f"事实文件 {path}：{exc}") from None


def card_to_dict(card: Any) -> dict:
    """A score card as JSON-ready data: every item, deduction, missing requirement, bonus and veto."""
    from dataclasses import asdict

    def conv(x: Any) -> Any:
        if isinstance(x, date):
            return x.isoformat()
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [conv(v) for v in x]
        return x

    d = conv(asdict(card))
    d["vetoed"] = card.vetoed
    for item, raw in zip(d["items"], card.items):
        item["final"] = raw.final
    return d


@click.command()
@click.option("--rubric", "rubric_id", default=None, help="评分细则编号（如 seed000）或文件路径；默认 seed000")
@click.option("--year", type=int, required=True, help="评价年度，如 2022（1900–9998）")
@click.option("--facts", "facts_file", required=True, type=click.Path(dir_okay=False), help="支部事实文件（.json / .yaml）")
@click.option("--as-of", "as_of", default=None, help="截至日期 YYYY-MM-DD（默认该年12月31日）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（每一项）")
def score(rubric_id: str | None, year: int, facts_file: str, as_of: str | None, as_json: bool) -> None:
    """按评分细则给一个支部打分。"""
    from scoring import DEFAULT_RUBRIC, RubricError, ScoringError, load_rubric, score_branch
    from scoring.engine import MAX_YEAR, MIN_YEAR

    if not MIN_YEAR <= year <= MAX_YEAR:
        raise click.ClickException(f"--year 评价年度应在 {MIN_YEAR} 到 {MAX_YEAR} 之间，实际是 {year}")
    try:
        rubric = load_rubric(rubric_id or DEFAULT_RUBRIC)
    except RubricError as exc:
        raise click.ClickException(str(exc)) from None
    if as_of:
        try:
            as_of_date = date.fromisoformat(as_of)
        except ValueError:
            raise click.ClickException(f"--as-of 日期 {as_of!r} 无法识别，请写成 YYYY-MM-DD") from None
    else:
        as_of_date = date(year, 12, 31)
    facts, tiers = _read_facts(facts_file)
    try:
        card = score_branch(rubric, facts, year, as_of_date, tiers or None)
    except ScoringError as exc:  # a tier score out of range, a year out of range
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(card_to_dict(card), ensure_ascii=False, indent=2))
        return
    _print_card(card, rubric)


def _print_card(card: Any, rubric: Any) -> None:
    from rich.table import Table

    con = _console()
    con.print(f"[bold]{card.name}[/bold]　{rubric.title}（{rubric.id}）　{card.year}年度，截至{card.as_of.isoformat()}")
    cols = [c for c in rubric.columns if any(c.tier in it.tiers for it in card.items)]
    table = Table(show_lines=False)
    table.add_column("项目")
    table.add_column("分值", justify="right")
    table.add_column("得分", justify="right")
    for c in cols:
        table.add_column(c.label, justify="right")
    table.add_column("扣分原因 / 尚缺", overflow="fold")
    section = None
    for it in card.items:
        if it.section != section:
            section = it.section
            table.add_row(f"[bold]{section}[/bold]", "", "", *[""] * len(cols), "")
        notes = [f"-{d.points:g} {d.reason}" for d in it.deductions]
        notes += [f"尚缺：{m.label} {m.period} 还差{m.short:g}，{m.due.month}月{m.due.day}日前" for m in it.missing]
        notes += [f"不涉及（办公室同意）：{r}" for r in it.not_applicable]
        if not it.applies and not it.not_applicable:
            notes.append("不涉及，不扣分")
        table.add_row(f"{it.id} {it.title}", f"{it.max:g}", f"{it.points:g}",
                      *[f"{it.tiers[c.tier]:g}" if c.tier in it.tiers else "" for c in cols], "\n".join(notes))
    for b in card.bonus:
        table.add_row(f"加分 {b.title}", f"≤{b.cap:g}" if b.cap else "", f"{b.points:g}", *[""] * len(cols), "\n".join(b.reasons))
    for v in card.vetoes:
        if v.triggered:
            table.add_row(f"[red]否定项目 {v.title}[/red]", "", "触发", *[""] * len(cols), "\n".join(v.reasons))
    con.print(table)
    totals = f"基本分 {card.base_total:g} ＋ 加分 {card.bonus_total:g} ＝ 合计 [bold]{card.total:g}[/bold]，等次：[bold]{card.grade}[/bold]"
    if card.vetoed:
        totals += "（触发否定项目）"
    if card.grade_assumed:
        totals += "（假定等次：评分细则原文未规定）"
    con.print(totals)
    for w in card.warnings:
        con.print(f"注意：{w}")
    if cols:
        labels = {c.tier: c.label for c in rubric.columns}
        con.print("各栏合计：" + "；".join(f"{labels.get(t, t)} {v:g}" for t, v in card.tier_totals.items()))

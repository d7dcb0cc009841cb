"""`zhibu parse --today YYYY-MM-DD`: one message per stdin line in, one JSON object per stdout line out."""
from __future__ import annotations

import io
import json
import sys
from datetime import date, datetime

import click


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD，例如 2022-12-26") from None


@click.command(name="parse")
@click.option("--today", callback=_parse_day, metavar="YYYY-MM-DD",
              help="解析相对日期（今天、上周五…）所依据的日期；默认为北京时间今天。")
def parse(today: date | None) -> None:
    """解析消息：标准输入每行一条，标准输出每行一个 JSON 对象（顺序一致）。"""
    from nlp import parse as parse_text
    from nlp.parser import SHANGHAI

    day = today or datetime.now(SHANGHAI).date()
    # UTF-8 both ways whatever the locale; a byte that is not UTF-8 becomes U+FFFD, never a traceback.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    out = sys.stdout.buffer
    for line in stdin:
        parsed = parse_text(line.rstrip("\r\n"), day)
        out.write(json.dumps(parsed.to_json(), ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()

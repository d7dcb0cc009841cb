"""Issue 13 point 6: the README's terminal example, run as printed on a database filled that day by the demo.

The README shows the command, the lines typed (after "> ") and the replies of the day it was written; run on any
other day the replies differ only in their numbers (the date, the counts), so each printed reply must match with
every number free. Before issue 13 the example needed `--today 2022-12-26` against a demo built with the
machine's clock: "今年第1次" instead of 第10次, and the "撤销" after it undid the demo's 年度党建工作计划.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _terminal_example() -> tuple[list[str], list[str], list[str]]:
    """(zhibu's arguments, the lines typed, the replies printed) of the README's `zhibu chat` block."""
    block = next(b for b in re.findall(r"```\n(.*?)```", README.read_text(encoding="utf-8"), re.S) if "zhibu chat" in b)
    lines = block.strip("\n").split("\n")
    args = shlex.split(lines[0])[1:]
    typed = [x[2:] for x in lines[1:] if x.startswith("> ")]
    printed = [x for x in lines[1:] if not x.startswith("> ")]
    return args, typed, printed


def _pattern(line: str) -> str:
    """The printed reply with every number free (another day, another count)."""
    return r"\d+".join(re.escape(part) for part in re.split(r"\d+", line))


def test_the_readme_terminal_example_works_on_a_demo_built_today(engine, db_url, monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", db_url)
    args, typed, printed = _terminal_example()
    assert args == ["chat", "--as", "demo-sec-1"] and typed == ["今天开了支委会，应到7人实到6人", "撤销"]
    result = CliRunner().invoke(main, args, input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    out = [x for x in result.output.split("\n") if x.strip()]
    assert len(out) == len(printed), result.output
    for got, want in zip(out, printed):
        assert re.fullmatch(_pattern(want), got), (got, want)
    recorded = re.search(r"支委会 (\d+)月(\d+)日（今年第(\d+)次）", out[0]).groups()
    undone = re.search(r"支委会 (\d+)月(\d+)日（\d+年支委会现为(\d+)次）", out[2]).groups()
    assert recorded[:2] == undone[:2] and int(undone[2]) == int(recorded[2]) - 1  # the record just made was undone

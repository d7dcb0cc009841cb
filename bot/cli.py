"""`zhibu`: the office's command line. Subcommands live in bot/commands/ and load lazily."""
from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command or group
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bot.commands.serve_cmd:run", "本地运行（SQLite + 演示组织 + 网页聊天）"),
    "serve": ("bot.commands.serve_cmd:serve", "生产运行（gunicorn 多进程）"),
    "rubrics": ("bot.commands.scoring_cmd:rubrics", "评分细则：列出、查看、校验"),
    "score": ("bot.commands.scoring_cmd:score", "按评分细则给一个支部打分"),
    "parse": ("bot.commands.parse_cmd:parse", "解析消息（每行一条，输出 JSON）"),
    "db": ("bot.commands.db_cmd:db", "数据库：建表、迁移、演示数据"),
    "roster": ("bot.commands.roster_cmd:roster", "名册导入"),
    "chat": ("bot.commands.chat_cmd:chat", "在终端里和机器人对话"),
    "incident": ("bot.commands.office_cmd:incident", "办公室登记通报批评、处分等"),
    "export": ("bot.commands.export_cmd:export", "导出自评表、汇总表、记录本、评估报告"),
    "remind": ("bot.commands.remind_cmd:remind", "提醒：查看某日会发送的提醒"),
    "scheduler": ("bot.commands.remind_cmd:scheduler", "运行提醒调度器"),
    "dingtalk-stream": ("bot.commands.serve_cmd:dingtalk_stream", "只运行钉钉 Stream 连接（无需公网地址）"),
    "inbox": ("bot.commands.inbox_cmd:inbox", "收件箱：未答复消息的列出与补处理"),
    "doctor": ("bot.commands.doctor_cmd:doctor", "检查设置是否安全（密钥、演示模式、网页聊天、对外地址）"),
    "learned": ("bot.commands.learned_cmd:learned", "学到的说法：查看、删除"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise

            @click.command(name=name, help=entry[1])
            def unavailable() -> None:
                raise click.ClickException(f"`zhibu {name}` 尚未提供（{module_name}）")

            return unavailable
        return getattr(module, attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """支部助手 zhibu-bot."""


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ranking chart pushed into a group chat (PushTarget rows): `zhibu export chart --push` and the chat's
"把排名图发到群里".

Each chat gets the image the way its platform takes one (bot/platforms/<name>/: uploaded, or — DingTalk robots
cannot upload an image — shown by a signed, time-limited link to the dashboard, `/office/chart/<token>.png` under
ZHIBU_PUBLIC_URL); the local web chat (demo) gets a markdown message with that link.
Every message goes through the Sender's outbox under an idempotency key (one key per chat), so a retry or a
second run with the same key sends nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Group, Organisation, PushTarget
from bot.push.sender import Picture

from .office import chart_png, safe_name

CHART_SALT = "zhibu-chart-link"
CHART_LINK_MAX_AGE = 30 * 24 * 3600


class NoPushTarget(LookupError):
    """The group (or the committee) has no chat to push to; the message says how to add one."""

    def __init__(self, where: str) -> None:
        super().__init__(no_target_message(where))
        self.where = where


def no_target_message(where: str) -> str:
    return (f"{where}还没有配置群聊推送：请在群里添加群机器人（企业微信：群设置 → 群机器人 → 添加；钉钉：群设置 → "
            f"机器人 → 自定义，安全设置选“加签”），把 webhook 地址（钉钉还有 SEC 开头的加签密钥）交给系统管理员，"
            f"在 push_target 表里为{where}添加一行（platform 为 wecom_robot 或 dingtalk_robot），详见 docs/channels.md。")


@dataclass
class ChartPush:
    path: Path
    title: str
    url: str
    targets: list[tuple[int, str]] = field(default_factory=list)  # (PushTarget id, chat name)
    sent: list[bool] = field(default_factory=list)


# ------------------------------------------------------------------ signed chart links
def chart_token(secret_key: str, org_id: int, group_id: int | None, year: int, as_of: date) -> str:
    return URLSafeTimedSerializer(secret_key, salt=CHART_SALT).dumps(
        {"o": org_id, "g": group_id, "y": year, "d": as_of.isoformat()})


def read_chart_token(secret_key: str, token: str, max_age: int = CHART_LINK_MAX_AGE) -> dict | None:
    """{o, g, y, d} of a valid, unexpired token; None for a forged, altered or stale one."""
    try:
        data = URLSafeTimedSerializer(secret_key, salt=CHART_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("y"), int):
        return None
    try:
        data["d"] = date.fromisoformat(str(data.get("d")))
    except ValueError:
        return None
    return data if data.get("g") is None or isinstance(data.get("g"), int) else None


def chart_link(secret_key: str, base_url: str, org_id: int, group_id: int | None, year: int, as_of: date) -> str:
    return f"{base_url.rstrip('/')}/office/chart/{chart_token(secret_key, org_id, group_id, year, as_of)}.png"


# ------------------------------------------------------------------ targets and sending
def targets_for(session: Session, org: Organisation, group: Group | None) -> list[PushTarget]:
    """The group's chats, or the committee's (group_id NULL) when no group is named."""
    q = select(PushTarget).where(PushTarget.org_id == org.id)
    q = q.where(PushTarget.group_id == group.id) if group is not None else q.where(PushTarget.group_id.is_(None))
    return list(session.scalars(q.order_by(PushTarget.id)))


def prepare(session: Session, org: Organisation, group: Group | None, year: int, as_of: date, out_dir: Path, *,
            secret_key: str, public_url: str) -> ChartPush:
    """The PNG on disk, its signed link and the chats to send it to (NoPushTarget when there are none)."""
    where = group.name if group is not None else "综合党委（全委）"
    chats = targets_for(session, org, group)
    if not chats:
        raise NoPushTarget(where)
    title = f"{group.name if group else org.name} {year}年度党支部得分排名"
    path = chart_png(session, org, year, as_of, Path(out_dir) / f"{year}年{safe_name(group.name if group else org.name)}排名.png",
                     group)
    url = chart_link(secret_key, public_url, org.id, group.id if group else None, year, as_of)
    return ChartPush(path=path, title=title, url=url, targets=[(t.id, t.name) for t in chats])


def send(sender: Any, push: ChartPush, key: str, reason: str = "ranking chart") -> ChartPush:
    """Send the prepared chart to each chat under `<key>:target:<id>`."""
    picture = Picture(push.path, push.title, push.url, alt="排名图")
    text, markdown = f"{push.title}：{push.url}", f"**{push.title}**\n\n[查看排名图]({push.url})"
    push.sent = [bool(sender.send_image_to_target(tid, picture, text, markdown, key=f"{key}:target:{tid}",
                                                  reason=reason)) for tid, _ in push.targets]
    return push

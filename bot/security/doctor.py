"""`zhibu doctor`: what is unsafe in the current settings, each finding naming the setting to change.

`danger` findings stop `zhibu serve` (a deployment anyone could enter); `warning` findings are printed and
served anyway. Pure over (config, database session, worker count): the command and serve only print.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from .demo_mode import data_is_demo_only, platform_configured
from .keys import weakness

MIN_OFFICE_PASSWORD = 12
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Finding:
    level: str  # danger / warning / ok
    setting: str
    message: str


def _wecom_half(config: Any) -> list[str]:
    names = {"ZHIBU_WECOM_CORP_ID": config.wecom_corp_id, "ZHIBU_WECOM_TOKEN": config.wecom_token,
             "ZHIBU_WECOM_AES_KEY": config.wecom_aes_key, "ZHIBU_WECOM_SECRET": config.wecom_secret,
             "ZHIBU_WECOM_AGENT_ID": config.wecom_agent_id}
    missing = [k for k, v in names.items() if not v]
    return missing if len(missing) < len(names) else []


def _dingtalk_half(config: Any) -> list[str]:
    names = {"ZHIBU_DINGTALK_APP_KEY": config.dingtalk_app_key, "ZHIBU_DINGTALK_APP_SECRET": config.dingtalk_app_secret}
    missing = [k for k, v in names.items() if not v]
    return missing if len(missing) < len(names) else []


def findings(config: Any, session: Session | None, workers: int = 1) -> list[Finding]:
    out: list[Finding] = []
    key_problem = weakness(config.secret_key)
    if key_problem:
        out.append(Finding("danger", "ZHIBU_SECRET_KEY", f"{key_problem}：登录链接和会话可被伪造。删掉这个设置（首次启动会自动生成随机密钥并保存在 var/secret_key），或设置为至少 32 个字符的随机串"))
    real_data = session is not None and not data_is_demo_only(session)
    mode = (config.web_chat or "auto").lower()
    forced_chat = mode in ("on", "1", "true", "yes")
    if forced_chat and (platform_configured(config) or real_data):
        out.append(Finding("danger", "ZHIBU_WEB_CHAT", "网页聊天被强制打开（任何人都能冒充任何人发消息），而这里已配置平台或导入了真实名册：请设 ZHIBU_WEB_CHAT=off 或删掉这个设置"))
    for platform, missing in (("企业微信", _wecom_half(config)), ("钉钉", _dingtalk_half(config))):
        if missing:
            out.append(Finding("warning", missing[0], f"{platform}只配置了一半，缺少 {'、'.join(missing)}：补全后该平台才会启用"))
    password = getattr(config, "office_password", None)
    if password and len(password) < MIN_OFFICE_PASSWORD:
        out.append(Finding("danger", "ZHIBU_OFFICE_PASSWORD", f"办公室密码太短（至少 {MIN_OFFICE_PASSWORD} 个字符）；也可以删掉它，只用机器人私聊发送的一次性登录链接"))
    if config.demo and real_data:
        out.append(Finding("warning", "ZHIBU_DEMO", "数据库里已有真实名册，演示开关仍然开着（演示密码和网页聊天已自动关闭）：请设 ZHIBU_DEMO=0"))
    url = urlsplit(config.public_url or "")
    if url.scheme != "https" and (url.hostname or "") not in LOCAL_HOSTS:
        level = "danger" if platform_configured(config) else "warning"
        out.append(Finding(level, "ZHIBU_PUBLIC_URL", f"对外地址 {config.public_url} 不是 https：登录链接和会话会被明文传输。请配置 HTTPS 反向代理并把地址改成 https://…"))
    if str(config.database_url).startswith("sqlite") and workers > 1:
        out.append(Finding("warning", "ZHIBU_DATABASE_URL", f"SQLite 上跑 {workers} 个进程：可以运行，但写入互相排队；正式使用请换 PostgreSQL 或 MariaDB，或 --workers 1"))
    if not out:
        out.append(Finding("ok", "-", "没有发现不安全的设置"))
    return out + platform_modes(config)


def platform_modes(config: Any) -> list[Finding]:
    """How each configured platform reaches the bot, and whether it can: a callback needs a public HTTPS address
    (judged from ZHIBU_PUBLIC_URL: nothing outside can be asked from in here); Stream mode is tried (the
    connection-open call the SDK makes at start, a few seconds at most)."""
    out: list[Finding] = []
    url = urlsplit(config.public_url or "")
    public = url.scheme == "https" and (url.hostname or "") not in LOCAL_HOSTS
    base = (config.public_url or "").rstrip("/")
    if config.wecom_enabled:
        if public:
            out.append(Finding("ok", "企业微信", f"回调模式：{base}/wecom/callback（企业微信后台还须配置企业可信IP和可信域名）"))
        else:
            out.append(Finding("warning", "ZHIBU_PUBLIC_URL", "企业微信只有回调模式：需要公网 HTTPS 地址、企业可信IP和可信域名，现在的对外地址企业微信到不了（办公网内运行：见 docs/channels.md 的反向代理）"))
    if config.dingtalk_enabled:
        mode = getattr(config, "dingtalk_mode", "http") or "http"
        if mode == "stream":
            problem = _stream_unreachable(config)
            if problem:
                out.append(Finding("warning", "ZHIBU_DINGTALK_MODE", f"钉钉 Stream 模式：连不上钉钉（{problem}）：检查本机能否访问 api.dingtalk.com:443、AppKey/AppSecret 是否正确"))
            else:
                out.append(Finding("ok", "钉钉", "Stream 模式：已连通钉钉（机器人主动连接，无需公网地址）"))
        elif mode != "http":
            out.append(Finding("warning", "ZHIBU_DINGTALK_MODE", f"只能是 http 或 stream（现在是 {mode}），按 http 运行"))
        elif public:
            out.append(Finding("ok", "钉钉", f"HTTP 回调模式：{base}/dingtalk/callback"))
        else:
            out.append(Finding("warning", "ZHIBU_DINGTALK_MODE", "钉钉 HTTP 回调模式需要公网 HTTPS 地址，现在的对外地址钉钉到不了：办公网内请设 ZHIBU_DINGTALK_MODE=stream（无需公网地址）"))
    return out


def _stream_unreachable(config: Any) -> str | None:
    """None when DingTalk's gateway answers the connection-open call with an endpoint, else why not."""
    import requests

    from ..platforms.dingtalk.stream import OPEN_PATH, gateway_base

    body = {"clientId": config.dingtalk_app_key, "clientSecret": config.dingtalk_app_secret,
            "subscriptions": [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}], "ua": "zhibu-doctor"}
    try:
        resp = requests.post(gateway_base(config) + OPEN_PATH, json=body, timeout=(3, 5))
    except requests.RequestException as exc:
        return type(exc).__name__
    if resp.status_code != 200:
        return f"HTTP {resp.status_code}"
    try:
        ok = bool(resp.json().get("endpoint"))
    except ValueError:
        ok = False
    return None if ok else "没有返回连接地址"


def dangers(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.level == "danger"]

"""The store's tables (SQLAlchemy 2.x). Portable across SQLite, PostgreSQL and MariaDB:
every indexed string has a length, JSON columns use the generic JSON type, times are UTC.

Soft deletes (`deleted_at`) keep undone records for the audit trail: evaluation records must show
what was reported, by whom, from which message, and what changed afterwards.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


ROLES = ("secretary", "organiser", "member", "group_leader", "office")
ROLE_LABELS = {"secretary": "书记", "organiser": "组织委员", "member": "党员", "group_leader": "协作组组长", "office": "办公室"}


class Organisation(Base):
    """A 综合党委 (party committee) with the rubric it chose and its year-end calendar."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rubric_id: Mapped[str] = mapped_column(String(100), default="seed000")
    year: Mapped[int] = mapped_column(Integer)  # the evaluation year currently open
    # Deadlines as month-day in the year after `year` (seed 000: 1月10日 self-evaluation, 1月19日 group table).
    self_deadline: Mapped[str] = mapped_column(String(5), default="01-10")
    group_deadline: Mapped[str] = mapped_column(String(5), default="01-19")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # lead times, quiet hours, …
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Group(Base):
    """A 党建协作组: several branches under a leader unit."""

    __tablename__ = "collab_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    branches: Mapped[list["Branch"]] = relationship(back_populates="group")


class Branch(Base):
    __tablename__ = "branch"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("collab_group.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="formal")  # formal / functional (功能型特设党支部)
    founded: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    group: Mapped[Group | None] = relationship(back_populates="branches")


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("collab_group.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    wecom_userid: Mapped[str | None] = mapped_column(String(100), unique=True)
    dingtalk_userid: Mapped[str | None] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    branch: Mapped[Branch | None] = relationship()
    group: Mapped[Group | None] = relationship()


class InboundMessage(Base):
    """Every message as it arrived, stored before anything else happens to it.

    (channel, dedup_key) is unique: a platform retry, in any worker, hits the constraint and is
    recognised as a repeat (WeChat Work MsgId or FromUserName+CreateTime; DingTalk msgId).
    """

    __tablename__ = "inbound_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # wecom / dingtalk / web / console
    dedup_key: Mapped[str] = mapped_column(String(200))
    account: Mapped[str] = mapped_column(String(100), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="text")  # text / image / file / event
    text: Mapped[str | None] = mapped_column(Text)
    media: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default="received")  # received/handled/not_understood/failed
    intent: Mapped[str | None] = mapped_column(String(30))
    reply_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("channel", "dedup_key", name="uq_inbound_dedup"),)


class ActivityRecord(Base):
    __tablename__ = "activity_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    code: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    expected: Mapped[int | None] = mapped_column(Integer)
    present: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[float | None] = mapped_column(Float)
    speaker: Mapped[str | None] = mapped_column(String(100))
    speaker_role: Mapped[str | None] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(500))
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="activity", order_by="Evidence.id")
    __table_args__ = (Index("ix_activity_branch_date", "branch_id", "date"),)


class Evidence(Base):
    """佐证资料: a photo or file attached to an activity record."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity_record.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    kind: Mapped[str] = mapped_column(String(20))  # image / file
    media_id: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))  # a real URL only (WeChat Work PicUrl)
    path: Mapped[str | None] = mapped_column(String(1000))  # the local copy under the media directory
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    activity: Mapped[ActivityRecord] = relationship(back_populates="evidence")

    @property
    def local_file(self) -> str | None:
        """Where the file is on disk: `path`, or `url` in rows written before `path` existed (a local path)."""
        if self.path:
            return self.path
        from .media import is_web_url

        if self.url and not is_web_url(self.url):
            return self.url
        return None


class Plan(Base):
    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    topic: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/asked/held/cancelled
    asked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Declaration(Base):
    """A declared fact that is not an activity (年度工作计划, 工作总结, 4A等级, 述职测评结果 …)."""

    __tablename__ = "declaration"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[date | None] = mapped_column(Date)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Incident(Base):
    """通报批评, 处分, 投诉属实 …: recorded by the office (CLI or dashboard)."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    date: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=1)
    event: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class Award(Base):
    __tablename__ = "award"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A branch's own declaration (chat) counts only once the office confirms it; the office's own entries do not wait.
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ScoreEntry(Base):
    """A score a person gave an item, per tier (self / group / office). The latest per key wins."""

    __tablename__ = "score_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    year: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[str] = mapped_column(String(20))
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    given_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("branch_id", "year", "tier", "item_id", name="uq_score_entry"),)


class Submission(Base):
    """A step of the year-end workflow: a branch's self-evaluation, a group's table, the office's final."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(10))  # self / group / office
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("collab_group.id"))
    total: Mapped[float | None] = mapped_column(Float)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("org_id", "year", "tier", "branch_id", "group_id", name="uq_submission"),)


class PushTarget(Base):
    """A group chat robot or app channel that reminders go to (group_id NULL: the committee's chat)."""

    __tablename__ = "push_target"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("collab_group.id"))
    platform: Mapped[str] = mapped_column(String(30))  # wecom_robot / dingtalk_robot / wecom_app / dingtalk_app
    name: Mapped[str] = mapped_column(String(100))
    webhook_url: Mapped[str | None] = mapped_column(String(1000))
    secret: Mapped[str | None] = mapped_column(String(200))
    chat_id: Mapped[str | None] = mapped_column(String(200))


class OutboundMessage(Base):
    """Every message sent (or tried): its idempotency key makes a reminder go out once across processes."""

    __tablename__ = "outbound_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(String(300))  # a target id, a user id, a webhook name (never a secret)
    kind: Mapped[str] = mapped_column(String(20))  # text / markdown / file / image / action_card
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / sent / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(300))  # why it was sent (reminder id …)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A pending row is in flight only while its holder lives: the holder renews `claimed_until` (bot/reminders/lease.py)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)


class SharedVersion(Base):
    """A counter every process can read: `directory` moves on each roster/organisation write (caches follow it),
    `rate:<robot>` rows are the lock a robot's per-minute limit is counted under (bot/push/ratelimit.py)."""

    __tablename__ = "shared_version"
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


PRECISE_TIME = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class RateHit(Base):
    """One call to a robot, counted by every process against its per-minute limit (bot/push/ratelimit.py)."""

    __tablename__ = "rate_hit"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(PRECISE_TIME)  # sub-second on MariaDB too: windows are seconds long
    __table_args__ = (Index("ix_rate_hit_key_at", "key", "at"),)


class ApiToken(Base):
    """A platform access token shared by every worker process (refreshed once, under a row lock)."""

    __tablename__ = "api_token"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. "wecom:<corp>:<agent>"
    token: Mapped[str | None] = mapped_column(String(1000))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)


class ConversationState(Base):
    """What the bot is waiting for from a person (a confirmation, which activity was meant …)."""

    __tablename__ = "conversation_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(40))  # create / undo / correct / score / submit / import …
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))


class SchedulerLease(Base):
    """Leader election between app instances (bot/scheduler.py): one row per lease, held until it expires."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. "reminders"
    holder: Mapped[str | None] = mapped_column(String(200))  # host:pid:random of the instance holding it
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC
    acquired_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReminderDelivery(Base):
    """One reminder's delivery (bot/reminders/delivery.py): claimed by one process, retried with backoff.

    `key` is the reminder's idempotency key (also passed to the Sender as OutboundMessage.idem_key);
    status pending / sending / sent / failed (will retry) / dead (gave up: shown to the office).
    """

    __tablename__ = "reminder_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    day: Mapped[date | None] = mapped_column(Date)
    payload: Mapped[dict] = mapped_column(JSON)  # to, recipient_id, text, markdown, mentions, reason
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)  # UTC
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class SecurityToken(Base):
    """One-time and revocable secrets, kept as SHA-256 digests only (a database reader learns no usable value).

    kind: `login_link` (a ≤ 15-minute office login link, single use), `session` (a dashboard session: logout
    deletes it, so a copied cookie dies with it), `file` (a web-chat download: names a file by id, payload holds
    its place under an allowed folder), `dingtalk_sign` (a DingTalk `(timestamp, sign)` pair seen once within
    its hour; payload holds the msgId it came with).
    """

    __tablename__ = "security_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("kind", "digest", name="uq_security_token"),)


class LoginAttempt(Base):
    """A failed password login, counted per address and per name across every process (rate limit)."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # addr / name
    digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_login_attempt_lookup", "scope", "digest", "at"),)


class LearnedPhrase(Base):
    """A phrasing one organisation taught the bot (a corrected or confirmed reading): its shape (nlp/learned.py)
    and what it means. Read only for lines the rules are unsure of; the office lists and removes them."""

    __tablename__ = "learned_phrase"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    shape: Mapped[str] = mapped_column(String(200))
    example: Mapped[str] = mapped_column(String(500))  # the line that taught it, as written
    intent: Mapped[str] = mapped_column(String(20))
    activities: Mapped[list] = mapped_column(JSON, default=list)
    taught_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    source: Mapped[str] = mapped_column(String(20))  # confirmed / corrected / office
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("org_id", "shape", name="uq_learned_phrase"),)


class Season(Base):
    """One evaluation year of an organisation once the office has closed it (or reopened it): a year stays under
    review after Dec 31 until then, so January's submissions and grading still reach it (bot/season.py)."""

    __tablename__ = "season"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="closed")  # closed / reopened
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("org_id", "year", name="uq_season"),)

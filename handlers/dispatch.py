"""First-match dispatch (as python-telegram-bot's handlers): a pending question, a photo, then the intent.

Each intent module declares `INTENT` (handlers/registry.py) and exposes `handle(parsed, ctx)`; the role check
lives here, once, so a person acting outside their role is told so and no handler runs.
"""
from __future__ import annotations

from nlp.types import Parsed

from . import registry, score
from .base import Context, ReplyData, answer_kind, refused, words
from .registry import module_for

# not parse intents: an `export` whose form is the dashboard link or the chart pushed into a group chat
EXPORT_FORMS = {"dashboard": "dashboard", "chart": "chart_push"}


def allowed(intent: str, role: str) -> bool:
    return role in registry.spec(intent).roles


def dispatch(parsed: Parsed | None, ctx: Context) -> ReplyData:
    if ctx.kind in ("image", "file"):
        from . import evidence, grade

        if grade.is_table_upload(ctx):
            return grade.handle_table(ctx)
        return evidence.handle(parsed, ctx)
    if ctx.kind == "event":
        return module_for("help").handle(parsed, ctx)
    if parsed is None:
        return module_for("unknown").handle(parsed, ctx)
    pending = _pending_answer(parsed, ctx)
    if pending is not None:
        return pending
    if parsed.intent == "unknown" and _asks_more(ctx.text):  # "更多" with no list being shown
        return ReplyData("score_more", {"rows": [], "count": 0, "start": 0, "more": 0})
    intent = parsed.intent
    if intent == "unknown" and parsed.negated and parsed.activities:  # "今天没开支委会"
        intent = "record"
    if intent == "export":
        intent = EXPORT_FORMS.get(getattr(parsed, "form", None) or "", intent)
    module = module_for(intent)
    if not allowed(intent, ctx.person.role):
        return refused(ctx, registry.label(intent))
    if getattr(module, "SCOPE", None) == "own_branch":
        from .scope import outside_own_branch

        refusal = outside_own_branch(ctx, registry.label(intent))
        if refusal is not None:
            return refusal
    if intent in ("record", "plan", "unknown"):  # unsure: ask; a phrasing the organisation taught: use (confirm.py)
        from .confirm import unsure

        if (asked := unsure(parsed, ctx)) is not None:
            return asked
    return module.handle(parsed, ctx)


def _asks_more(text: str) -> bool:
    """"更多": the next page of a list the bot is showing (handlers/words.yaml `more`)."""
    return (text or "").strip().strip("。.!！~～ ").lower() in words()["more"]


def _asks_deductions_again(parsed: Parsed, ctx: Context) -> bool:
    """"还有哪些扣分项" naming no branch while a list of deductions is being shown: the rest of that list (a group
    leader asked about a branch of the group; the question alone would otherwise answer with the group's ranking)."""
    return parsed.intent == "query_score" and not parsed.target and "扣分" in (ctx.text or "") \
        and getattr(parsed, "period", None) != "last_year"


def _pending_answer(parsed: Parsed, ctx: Context) -> ReplyData | None:
    """A reply to the bot's own question. Anything else drops the question and is handled normally."""
    state = ctx.store.state(ctx.person.id, ctx.now)
    if state is None:
        return None
    kind, payload = state.kind, dict(state.payload or {})
    if kind == score.MORE:
        if _asks_more(ctx.text) or _asks_deductions_again(parsed, ctx):
            return score.more(ctx, payload)  # "更多", or "还有哪些扣分项" again: the next page of the same list
        # another message ends the list; a question it had set aside is answered by this one, if it answers it
        return _pending_answer(parsed, ctx) if score.resume(ctx, payload) else None
    if kind == "confirm_record":  # the answer to "记为：…？回复“是”" (handlers/confirm.py); else dropped below
        from .confirm import answer as confirm_answer

        if (confirmed := confirm_answer(parsed, ctx, payload)) is not None:
            return confirmed
    if kind == "await_activity":
        if parsed.activities and parsed.intent in ("record", "unknown"):
            from .record import complete_pending

            return complete_pending(parsed, ctx, payload)
        if parsed.intent == "unknown" and answer_kind(ctx.text) == "no":
            ctx.store.clear_state(ctx.person.id)
            return ReplyData("cancelled", {})
    else:
        answer = answer_kind(ctx.text)
        if answer is not None:
            if kind == "confirm_plan":
                from .plan import answer as plan_answer

                return plan_answer(ctx, payload, answer == "yes")
            if kind == "confirm_submit":
                from .submit import confirm

                return confirm(ctx, payload, answer == "yes")
    if kind != "confirm_plan":  # a plan question stays open until answered or expired
        ctx.store.clear_state(ctx.person.id)
    return None

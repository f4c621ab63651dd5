"""Links that open the bot at a given place (Telegram's `t.me/<bot>?start=<what>`, the same `/start <what>`
anywhere): a sign-up as a student or a mentor, and a mentor's card (shared by the career office or the
mentor), which a student can answer with Interested at once."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.core import forms
from bot.core.context import Context
from bot.core.markup import fmt
from bot.core.replies import Button, Reply
from bot.i18n import _
from bot.services import pairs, requests
from bot.views import mentor_card
from storage.models import MentorProfile, User

AS_STUDENT, AS_MENTOR, MENTOR_PREFIX = "as_student", "as_mentor", "mentor_"
_MENTOR = re.compile(r"^mentor_([0-9]{1,12})$")


def is_link(args: str) -> bool:
    what = args.strip()
    return what in (AS_STUDENT, AS_MENTOR) or _MENTOR.match(what) is not None


def start_argument(mentor: User) -> str:
    """What follows /start (or ?start=) in a link to this mentor's card."""
    return f"{MENTOR_PREFIX}{mentor.id}"


async def follow(ctx: Context) -> Reply | None:
    """The place the link names, or None when the usual start fits better (a sign-up link for someone who
    has a profile already: /start shows them what is waiting)."""
    what = ctx.event.args.strip()
    if what in (AS_STUDENT, AS_MENTOR):
        if ctx.user.role is not None:
            return None
        return await forms.start_form(ctx, "mentee" if what == AS_STUDENT else "mentor")
    found = _MENTOR.match(what)
    assert found is not None
    return await _mentor(ctx, int(found.group(1)))


async def _mentor(ctx: Context, mentor_id: int) -> Reply:
    row = (
        await ctx.session.execute(
            select(User, MentorProfile)
            .join(MentorProfile, MentorProfile.user_id == User.id)
            .where(User.id == mentor_id, MentorProfile.status == "approved", MentorProfile.active.is_(True))
        )
    ).first()
    if row is None:
        return Reply(
            _("That mentor's profile isn't open to students right now. /mentors shows the mentors who are."),
            buttons=[[Button(_("Start"), "start.role", "student")]] if ctx.user.role is None else [],
        )
    mentor, profile = row
    contact = await pairs.may_see_contact(ctx.session, ctx.user, mentor)
    card = mentor_card(mentor, profile, ctx.programme, contact=contact)
    if ctx.user.role is None:
        return Reply(
            card
            + "\n\n"
            + fmt(
                _("To ask {name} to be your mentor, set up your student profile first; it takes a few minutes."),
                name=mentor.first_name,
            ),
            buttons=[[Button(_("I'm a student"), "start.role", "student")]],
        )
    if ctx.user.role != "student":
        return Reply(card)
    decision = await requests.may_request(ctx.session, ctx.user, mentor.id, ctx.programme, ctx.now)
    if decision:
        return Reply(card, buttons=[[Button(_("Interested"), "req.new", str(mentor.id), style="primary")]])
    return Reply(card + "\n\n" + decision.reason)

"""Staff /match: pick a student, pick a mentor (best fits first), confirm; both sides are told and get the
agreement to confirm. `/match alex` narrows the students by name.

The student's card here leaves their contact details out: staff are choosing a mentor, not reaching out."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.markup import esc, fmt, shorten
from bot.core.payloads import id_in, quoted, storable
from bot.core.registry import action, command
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import pairs, profiles, requests
from bot.services.capacity import free_places
from bot.services.matching import best_mentors_for, staff_may_match
from bot.views import mentee_card
from storage.models import MenteeProfile, MentorProfile, Pair, User

STUDENTS_SHOWN = 9
MENTORS_SHOWN = 6


@command("match", help=N_("match a student with a mentor yourself"), roles=("staff",))
async def match(ctx: Context) -> Reply:
    staff_may_match(ctx.programme).or_refuse()
    search = storable(ctx.event.args).strip()
    students = await _unmatched_students(ctx, search)
    if not students:
        if search:
            return Reply(
                fmt(_("No student without a mentor is called '{name}'. Try part of the name."), name=quoted(search))
            )
        return Reply(_("Every student with a profile has a mentor right now."))
    lines = [_("<b>Match a student with a mentor.</b> Who is the student?")]
    if not search:
        lines.append(_("The newest students without a mentor are first; /match <i>name</i> finds someone else."))
    buttons = [[Button(shorten(student.name, 60), "match.stu", str(student.id))] for student in students]
    return Reply("\n".join(lines), buttons=buttons)


async def _unmatched_students(ctx: Context, search: str) -> list[User]:
    matched = select(Pair.mentee_id).where(Pair.status != "ended")
    query = (
        select(User)
        .join(MenteeProfile, MenteeProfile.user_id == User.id)
        .where(User.role == "student", User.id.not_in(matched))
        .order_by(User.created_at.desc(), User.id.desc())
    )
    if search:
        query = query.where(User.name.ilike(f"%{search}%"))
    return list(await ctx.session.scalars(query.limit(STUDENTS_SHOWN)))


@action("match.stu", roles=("staff",))
async def pick_student(ctx: Context) -> Reply:
    student, profile = await _student(ctx, ctx.event.payload)
    matches = await best_mentors_for(ctx.session, student, ctx.programme, limit=MENTORS_SHOWN, now=ctx.now)
    lines = [mentee_card(student, profile, ctx.programme), ""]
    if not matches:
        lines.append(_("No approved mentor has a free place right now."))
        return Reply("\n".join(lines))
    lines.append(_("<b>Best fits with a free place:</b>"))
    for match in matches:
        free = free_places(match.profile)
        lines.append(
            f"• <b>{esc(match.mentor.name)}</b> — {match.reason or ''} "
            + fmt(_("({free} free of {capacity})"), free=free, capacity=match.profile.capacity)
        )
    buttons = [
        [Button(shorten(match.mentor.name, 60), "match.men", f"{student.id}.{match.mentor.id}")] for match in matches
    ]
    return Reply("\n".join(lines), buttons=buttons, edit=True)


@action("match.men", roles=("staff",))
async def pick_mentor(ctx: Context) -> Reply:
    student, mentor, _profile = await _both(ctx)
    lines = [
        fmt(
            _("Match {student} with {mentor}? Both are told at once and get each other's contact details."),
            student=student.name,
            mentor=mentor.name,
        )
    ]
    current = await pairs.open_pairs_of(ctx.session, student)
    if current and all(p.mentor_id != mentor.id for p in current):
        return await _second_mentor_question(ctx, student, mentor, current)
    waiting = await requests.pending_of_mentee(ctx.session, student.id)
    if waiting:
        lines.append(
            ngettext(
                "Their waiting request will be withdrawn, with a note to that mentor.",
                "Their {n} waiting requests will be withdrawn, with a note to those mentors.",
                len(waiting),
            ).format(n=len(waiting))
        )
    return Reply(
        "\n".join(lines),
        buttons=[
            [
                Button(_("Match them"), "match.ok", ctx.event.payload, style="primary"),
                Button(_("Cancel"), "match.no"),
            ]
        ],
        edit=True,
    )


SECOND = "second"  # a payload's last part: staff confirmed adding a second mentor, knowing the first


async def _second_mentor_question(ctx: Context, student: User, mentor: User, current: list[Pair]) -> Reply:
    """The student has a mentor already (perhaps since the list was opened): matching adds a second one, so
    staff say so explicitly, having read who the first one is."""
    first = await ctx.session.get(User, current[0].mentor_id)
    return Reply(
        fmt(
            _(
                "{student} already has a mentor, {first}. Matching them with {mentor} too gives them two mentors "
                "at once: all three are told. Is that what you mean?"
            ),
            student=student.name,
            first=first.name if first else "",
            mentor=mentor.name,
        ),
        buttons=[
            [
                Button(_("Yes, add a second mentor"), "match.ok", f"{student.id}.{mentor.id}.{SECOND}"),
                Button(_("Cancel"), "match.no"),
            ]
        ],
        edit=True,
    )


@action("match.ok", roles=("staff",))
async def confirm_match(ctx: Context) -> Reply | list[Reply]:
    student, mentor, _profile = await _both(ctx)
    current = await pairs.open_pairs_of(ctx.session, student)
    # (Already matched with this very mentor: the match itself says so.)
    if current and all(p.mentor_id != mentor.id for p in current) and not ctx.event.payload.endswith("." + SECOND):
        return await _second_mentor_question(ctx, student, mentor, current)  # a mentor came since the list
    pair = await requests.match_by_staff(ctx.session, student, mentor, ctx.now, ctx.programme, by=ctx.user)
    for side in (student, mentor):
        ctx.notify(side.id, await pairs.matched(ctx.session, pair, side))
    return [
        Reply(
            fmt(
                _("Done: {student} and {mentor} are matched. Both have been told and asked to confirm the agreement."),
                student=student.name,
                mentor=mentor.name,
            ),
            edit=True,
        )
    ]


@action("match.no", roles=("staff",))
async def cancel_match(ctx: Context) -> Reply:
    return Reply(_("Cancelled. Nothing was changed."), edit=True)


async def _student(ctx: Context, payload: str) -> tuple[User, MenteeProfile]:
    staff_may_match(ctx.programme).or_refuse()  # every /match button asks again: the programme may say no
    not_found = _("I couldn't find that student. /match lists students without a mentor.")
    student = await ctx.session.get(User, id_in(payload, not_found))
    profile = await ctx.session.get(MenteeProfile, student.id) if student else None
    if student is None or profile is None or student.role != "student":
        raise Refusal(not_found)
    if not await profiles.may_take_part_as_mentee(ctx.session, student, ctx.programme):
        raise Refusal(requests.not_eligible_for_staff(student, profile, ctx.programme))
    return student, profile


async def _both(ctx: Context) -> tuple[User, User, MentorProfile]:
    student_id, _sep, rest = ctx.event.payload.partition(".")
    mentor_id = rest.partition(".")[0]
    student, _mentee = await _student(ctx, student_id)
    not_found = _("I couldn't find that mentor. /match starts again.")
    mentor = await ctx.session.get(User, id_in(mentor_id, not_found))
    profile = await ctx.session.get(MentorProfile, mentor.id, populate_existing=True) if mentor else None
    if mentor is None or profile is None or mentor.role != "alumnus":
        raise Refusal(not_found)
    if profile.status != "approved":
        raise Refusal(fmt(_("{name} isn't approved yet, so they can't be matched."), name=mentor.name))
    if not profile.active:  # they said "no new mentees for now"; a list shown before that is no consent
        raise Refusal(
            fmt(
                _("{name} has paused their profile and isn't taking new mentees. /match shows who is free."),
                name=mentor.name,
            )
        )
    return student, mentor, profile

"""The career team: /pending mentors to approve or reject (one card each), and /stats (the figures, and a
one-page chart of them to pass on)."""

from __future__ import annotations

from typing import Any

from bot.core import forms
from bot.core.context import Context
from bot.core.forms import Field, Form, register_form
from bot.core.markup import fmt
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Attachment, Button, Reply
from bot.i18n import N_, _, date_text, ngettext
from bot.services import charts, pairs, staff
from bot.services import orientation as orientation_sessions
from bot.services.reports_export import MIN_ANSWERS
from bot.services.staff import MentorApproved, MentorRejected
from bot.views import mentor_card
from storage.models import MentorProfile, User

STAFF = ("staff",)


@command("pending", help=N_("mentors waiting for approval"), roles=STAFF)
async def pending(ctx: Context) -> list[Reply]:
    waiting = await staff.pending_mentors(ctx.session)
    later = await staff.waiting_list(ctx.session)
    if not waiting and not later:
        return [Reply(_("Nobody is waiting for approval. New mentor profiles will appear here and in the staff chat."))]
    replies: list[Reply] = []
    if waiting:
        intro = Reply(
            fmt(
                ngettext(
                    "{n} mentor profile is waiting for approval:",
                    "{n} mentor profiles are waiting for approval, longest waiting first:",
                    len(waiting),
                ),
                n=len(waiting),
            )
        )
        replies += [intro, *[await _card(ctx, user, profile) for user, profile in waiting]]
    else:
        replies.append(Reply(_("Nobody is waiting for approval.")))
    if later:
        replies.append(
            Reply(
                fmt(
                    ngettext(
                        "{n} mentor is on the waiting list for the next recruitment; approve early if you wish:",
                        "{n} mentors are on the waiting list for the next recruitment; approve early if you wish:",
                        len(later),
                    ),
                    n=len(later),
                )
            )
        )
        replies += [await _card(ctx, user, profile) for user, profile in later]
    return replies


@action("staff.pending", roles=STAFF)
async def pending_button(ctx: Context) -> list[Reply]:
    return await pending(ctx)


async def _card(ctx: Context, user: User, profile: MentorProfile, *, edit: bool = False) -> Reply:
    attended = await orientation_sessions.attended_session(ctx.session, user.id)
    if attended is not None:
        orientation = fmt(
            _("Orientation: attended the session of {day}"), day=f"{attended.starts_at.astimezone(ctx.zone):%d %b %Y}"
        )
    elif profile.orientation_done:
        orientation = _("Orientation: attended")
    elif not ctx.programme.orientation_required:
        orientation = _("Orientation: not needed in this programme")
    else:
        orientation = _("Orientation: not recorded yet; /orientation plans a session")
    since = date_text(profile.updated_at, "dd MMM y")
    waiting = (
        fmt(_("On the waiting list since {day}"), day=since)
        if profile.status == "waiting"
        else fmt(_("Waiting since {day}"), day=since)
    )
    contact = await pairs.may_see_contact(ctx.session, ctx.user, user)
    lines = [mentor_card(user, profile, ctx.programme, contact=contact), "", orientation, waiting]
    return Reply(
        "\n".join(lines),
        buttons=[
            [
                Button(_("Approve"), "staff.ok", str(user.id), style="primary"),
                Button(_("Reject"), "staff.no", str(user.id), style="danger"),
            ]
        ],
        edit=edit,
    )


@action("staff.ok", roles=STAFF)
async def approve(ctx: Context) -> Reply:
    user, profile = await staff.waiting_profile(ctx.session, ctx.event.payload)
    if staff.needs_orientation(profile, ctx.programme):
        return Reply(
            fmt(_("Did {name} attend the orientation? Approval needs it."), name=user.name),
            buttons=[
                [
                    Button(_("Not yet"), "staff.notyet", str(user.id)),
                    Button(_("Yes — approve"), "staff.orient", str(user.id), style="primary"),
                ]
            ],
            edit=True,
        )
    return await _approved(ctx, ctx.event.payload, orientation=False)


@action("staff.orient", roles=STAFF)
async def approve_with_orientation(ctx: Context) -> Reply:
    return await _approved(ctx, ctx.event.payload, orientation=True)


async def _approved(ctx: Context, mentor_id: str, *, orientation: bool) -> Reply:
    user = await staff.approve(
        ctx.session, mentor_id, now=ctx.now, programme=ctx.programme, by=ctx.user, orientation_attended=orientation
    )
    return Reply(
        fmt(_("Approved: {name}. They've been told that students can see their profile now."), name=user.name),
        edit=True,
    )


@action("staff.notyet", roles=STAFF)
async def not_yet(ctx: Context) -> Reply:
    user, _profile = await staff.waiting_profile(ctx.session, ctx.event.payload)
    return Reply(
        fmt(_("{name} stays waiting. /pending shows them again once they've attended."), name=user.name), edit=True
    )


@action("staff.no", roles=STAFF)
async def reject(ctx: Context) -> Reply:
    user, _profile = await staff.waiting_profile(ctx.session, ctx.event.payload)
    return await forms.start_form(ctx, "reject", context={"mentor": user.id, "name": user.name})


async def _rejected(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> Reply:
    reason = str(answers.get("reason") or "")
    user = await staff.reject(
        ctx.session, str(context.get("mentor")), reason=reason, now=ctx.now, programme=ctx.programme, by=ctx.user
    )
    return Reply(fmt(_("Not approved: {name}. They've received your reason."), name=user.name))


register_form(
    Form(
        name="reject",
        title=N_("Not approving a mentor"),
        fields=[
            Field(
                "reason",
                "text",
                N_("Why can't we approve this profile? The mentor receives your words as written."),
                help=N_("For example: We need a current role and a few lines of job history."),
                multiline=True,
                max_length=staff.MAX_REASON,
            )
        ],
        on_complete=_rejected,
        submit_label=N_("Send"),
    )
)


# --- how the mentor hears the decision ----------------------------------------------------------------


@renders(MentorApproved)
def _mentor_approved(approved: MentorApproved, env: RenderEnv) -> Reply:
    text = fmt(
        _("Good news, {first}: {office} has approved your mentor profile. Students can see it now"),
        first=approved.mentor.first_name,
        office=env.programme.office,
    )
    if approved.profile.active:
        text += _(", and we'll message you here when someone would like you as their mentor.")
    else:
        text += _(" once you send /resume (it is paused at the moment).")
    return Reply(text, buttons=[[Button(_("See my profile"), "profile.show")]])


@renders(MentorRejected)
def _mentor_rejected(rejected: MentorRejected, env: RenderEnv) -> Reply:
    return Reply(
        fmt(
            _(
                "Thank you for offering to mentor, {first}. {office} can't approve your profile at the moment. "
                "Their reason:\n\n<i>{reason}</i>\n\nIf you edit your profile, it goes back to them for "
                "another look. Questions? /report reaches them directly."
            ),
            first=rejected.mentor.first_name,
            office=env.programme.office_opening,
            reason=rejected.reason,
        ),
        buttons=[[Button(_("Edit my profile"), "profile.edit", style="primary")]],
    )


@command("stats", help=N_("the programme in numbers, with a chart"), roles=STAFF)
async def stats(ctx: Context) -> Reply:
    zone = ctx.zone
    figures = await staff.stats(ctx.session, ctx.now, zone, ctx.programme)
    mentors = figures.mentors_by_status
    students = figures.students_by_state
    lines = [
        _("<b>The programme in numbers</b>"),
        fmt(
            _("Mentors: {approved} approved ({paused} paused), {waiting} awaiting approval, {rejected} not approved"),
            approved=mentors.get("approved", 0),
            paused=figures.mentors_paused,
            waiting=mentors.get("awaiting_approval", 0),
            rejected=mentors.get("rejected", 0),
        ),
        fmt(_("Mentors on the waiting list for the next recruitment: {n}"), n=mentors.get("waiting", 0)),
        fmt(_("Students: {n}"), n=figures.students),
        fmt(
            _("Students: {active} in a mentorship, {agreeing} agreeing terms, {looking} looking for a mentor"),
            active=students.get("in_mentorship", 0),
            agreeing=students.get("agreeing", 0),
            looking=students.get("looking", 0),
        ),
        fmt(
            _("Mentorships: {active} active, {agreeing} agreeing terms, {ended} ended"),
            active=figures.active_pairs,
            agreeing=figures.pairs_by_status.get("agreeing", 0),
            ended=figures.pairs_by_status.get("ended", 0),
        ),
        fmt(_("Active mentorships without a contact this month: {n}"), n=figures.quiet_pairs),
        fmt(_("Contacts logged this month: {n}"), n=figures.contacts_this_month),
        _requests_line(figures),
        fmt(_("Open reports: {n}"), n=figures.open_reports),
        fmt(_("Open requests to the office: {n}"), n=figures.open_requests),
    ]
    if figures.period is not None:
        lines += ["", fmt(_("<b>This cycle</b>, {period}"), period=figures.period.label())]
    if figures.contacts_by_month:
        months = ", ".join(f"{month:%b} {count}" for month, count in figures.contacts_by_month)
        lines.append(fmt(_("Contacts logged per month: {months}"), months=months))
    lines += _survey_lines(figures)
    buttons = (
        [[Button(_("Mentors waiting"), "staff.pending")]]
        if mentors.get("awaiting_approval") or mentors.get("waiting")
        else []
    )
    day = ctx.now.astimezone(zone).date()
    heading = charts.Heading(ctx.programme.title, _("the programme in numbers"), day)
    chart = Attachment(f"programme-{day:%Y-%m-%d}.png", charts.stats_png(figures, heading), mime="image/png")
    return Reply("\n".join(lines), buttons=buttons, attachment=chart)


def _requests_line(figures: staff.Stats) -> str:
    share = figures.answered_in_week_share
    if share is None:
        return _("Requests answered within a week: none due yet this cycle")
    return fmt(
        _("Requests answered within a week this cycle: {share}% ({yes} of {n})"),
        share=share,
        yes=figures.requests_answered_in_week,
        n=figures.requests_due,
    )


def _survey_lines(figures: staff.Stats) -> list[str]:
    """The end-of-cycle survey's average scores, each once enough people rated it."""
    lines: list[str] = []
    for average in figures.survey_averages:
        side = _("Students") if average.role == "mentee" else _("Mentors")
        if average.average is None:
            continue
        words = ngettext(
            "{side}, {prompt}: {avg}/5 ({n} answer)", "{side}, {prompt}: {avg}/5 ({n} answers)", average.answers
        )
        lines.append(fmt(words, side=side, prompt=_(average.prompt), avg=f"{average.average:g}", n=average.answers))
    if any(a.average is None for a in figures.survey_averages) or not figures.survey_averages:
        lines.append(
            fmt(_("Survey scores appear once {n} people have answered; /surveys has the rest."), n=MIN_ANSWERS)
        )
    return lines

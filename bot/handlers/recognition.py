"""The career team's reports: /top (the most active mentors, with certificates), /export (the programme's
data as CSV files) and /surveys (what the end-of-cycle survey and the programme's own surveys say, without
names, with a chart of each survey's scores)."""

from __future__ import annotations

import datetime as dt

from bot.core.context import Context
from bot.core.markup import esc, fmt, shorten
from bot.core.registry import action, command
from bot.core.replies import Attachment, Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import audit, charts, recognition, reports_export
from bot.services.certificates import certificate_file, what_they_did
from bot.services.recognition import MentorActivity
from bot.services.reports_export import QuestionSummary, SideSummary

STAFF = ("staff",)
TOP_SIZE = 10


@command("top", help=N_("the most active mentors, and certificates of appreciation"), roles=STAFF)
async def top(ctx: Context) -> Reply:
    period = recognition.current_period(ctx.now, ctx.programme)
    ranked = (await recognition.mentor_activity(ctx.session, period))[:TOP_SIZE]
    if not ranked:
        return Reply(
            fmt(
                _(
                    "No mentor has logged any activity in {period} yet. Once pairs log contacts, "
                    "the most active mentors appear here. /stats shows the programme in numbers."
                ),
                period=period.label(),
            )
        )
    sent = await recognition.certificates_sent(ctx.session, period.key)
    lines = [fmt(_("<b>The most active mentors</b>, {period}:"), period=period.label())]
    buttons: list[list[Button]] = []
    for place, mentor in enumerate(ranked, start=1):
        lines.append(_line(place, mentor, sent))
        if mentor.user_id not in sent:
            label = _("Send certificate: {name}").format(name=mentor.name)
            buttons.append([Button(label[:60], "rec.cert", str(mentor.user_id))])
    lines += [
        "",
        _(
            "The score: 1 per contact, 2 per student, 2 per thank-you note, up to 2 for quick answers and ±4 "
            "for the students' ratings (shown from 2 ratings on)."
        ),
    ]
    if buttons:
        lines.append(_("A certificate goes to the mentor with a thank-you message; one per mentor each cycle."))
    return Reply("\n".join(lines), buttons=buttons)


def _line(place: int, mentor: MentorActivity, sent: dict[int, dt.datetime]) -> str:
    line = fmt(
        _("{place}. <b>{name}</b> — {why} (score {score})"),
        place=place,
        name=mentor.name,
        why=mentor.explain(),
        score=f"{mentor.score:g}",
    )
    if mentor.user_id in sent:
        line += " " + _("— certificate sent")
    return line


@action("rec.cert", roles=STAFF)
async def preview_certificate(ctx: Context) -> Reply:
    """The certificate as the mentor would receive it, for staff to look at before it goes."""
    mentor, _profile = await recognition.certificate_mentor(ctx.session, ctx.event.payload)
    period = recognition.current_period(ctx.now, ctx.programme)
    await recognition.require_no_certificate_yet(ctx.session, mentor, period)
    facts = await recognition.certificate_facts(ctx.session, mentor, period, ctx.now)
    return Reply(
        fmt(
            _(
                "Here is {name}'s certificate for {cycle} ({did}). Send it to them with a thank-you message? "
                "One goes to each mentor per cycle."
            ),
            name=mentor.name,
            cycle=facts.cycle,
            did=what_they_did(facts.students, facts.contacts),
        ),
        attachment=certificate_file(facts, ctx.programme),
        buttons=[
            [
                Button(shorten(_("Send it to {name}").format(name=mentor.name), 60), "rec.send", str(mentor.id)),
                Button(_("Not now"), "rec.later", str(mentor.id)),
            ]
        ],
    )


@action("rec.later", roles=STAFF)
async def not_now(ctx: Context) -> Reply:
    return Reply(_("Not sent. /top shows the list when you'd like to send it."))


@action("rec.send", roles=STAFF)
async def send_certificate(ctx: Context) -> Reply:
    mentor, _profile = await recognition.certificate_mentor(ctx.session, ctx.event.payload)
    period = recognition.current_period(ctx.now, ctx.programme)
    await recognition.record_certificate(ctx.session, mentor, period, now=ctx.now, by=ctx.user)
    facts = await recognition.certificate_facts(ctx.session, mentor, period, ctx.now)
    ctx.notify(
        mentor.id,
        lambda: Reply(
            fmt(
                _(
                    "{first}, thank you! {office} is grateful for the time and care you give your students. "
                    "Here is your certificate of appreciation, ready to print on A4. "
                    "/requests shows whether another student is hoping for your help."
                ),
                first=mentor.first_name or mentor.name,
                office=ctx.programme.office_opening,
            ),
            attachment=certificate_file(facts, ctx.programme),
        ),
    )
    return Reply(
        fmt(
            _("The certificate is on its way to {name}, with a thank-you message. /top shows the list."),
            name=mentor.name,
        )
    )


@command("export", help=N_("the programme's data as spreadsheets (CSV files)"), roles=STAFF)
async def export(ctx: Context) -> list[Reply]:
    """One CSV file a message, so each opens on its own in any chat (a zip would need unpacking first, which a
    phone does poorly); one audit line for the whole export."""
    files = await reports_export.export_files(ctx.session, ctx.programme, ctx.now)
    await audit.record(ctx.session, ctx.user, "export", ctx.now, detail=", ".join(f.filename for f in files))
    intro = Reply(
        fmt(
            _(
                "The programme's data, one spreadsheet each: profiles, mentorships, contacts, goals, survey "
                "answers and the audit log. They hold names, so please keep them within the career team. "
                "No contact details and nothing anyone kept private are in them; survey answers carry no "
                "names, and a side of a survey appears once {n} people have answered it. "
                "/surveys shows what participants said."
            ),
            n=reports_export.MIN_ANSWERS,
        ),
        attachment=files[0],
    )
    return [intro, *(Reply(attachment=file) for file in files[1:])]


@command("surveys", help=N_("what the surveys say (anonymous), with charts"), roles=STAFF)
async def surveys(ctx: Context) -> list[Reply]:
    period = recognition.current_period(ctx.now, ctx.programme)
    sides = await reports_export.survey_summary(ctx.session, ctx.programme, period)
    scheduled = [
        summary
        for summary in await reports_export.scheduled_summaries(ctx.session, ctx.programme, period)
        if summary.responses
    ]
    if not any(side.responses for side in sides) and not scheduled:
        return [
            Reply(
                fmt(
                    _(
                        "No surveys were sent back in {period} yet. They go out as mentorships end; "
                        "/stats shows how many are active."
                    ),
                    period=period.label(),
                )
            )
        ]
    lines = [
        fmt(_("<b>What the surveys say</b>, {period}"), period=period.label()),
        _("Answers are shown without names; only the career team sees this."),
        fmt(
            _(
                "So that no single answer can be traced back, an average or a share appears once {n} people "
                "have answered the question, and comments once {n} people have answered the survey."
            ),
            n=reports_export.MIN_ANSWERS,
        ),
    ]
    if scheduled:  # the end-of-cycle survey's part is named once others follow it
        lines += ["", "<b>" + esc(_("End-of-mentorship survey")) + "</b>"]
    for side in sides:
        lines += ["", *_side_lines(side)]
    for summary in scheduled:
        lines += ["", fmt(_("<b>{title}</b> (during the mentorship)"), title=summary.survey.title)]
        for side in summary.sides:
            lines += _side_lines(side)
    day = ctx.now.astimezone(ctx.zone).date()
    heading = charts.Heading(ctx.programme.title, _("what the surveys say"), day)
    titled = [
        (_("End-of-mentorship survey"), "end-of-mentorship", sides),
        *((summary.survey.title, summary.survey.key, summary.sides) for summary in scheduled),
    ]
    replies = [Reply("\n".join(lines))]
    for title, key, survey_sides in titled:
        picture = charts.survey_png(f"{title}, {period.label()}", survey_sides, heading)
        if picture is not None:
            name = f"survey-{key.replace('_', '-')}-{day:%Y-%m-%d}.png"
            replies.append(Reply(attachment=Attachment(name, picture, mime="image/png")))
    return replies


def _side_lines(side: SideSummary) -> list[str]:
    title = (
        ngettext("<b>Students</b> ({n} answer)", "<b>Students</b> ({n} answers)", side.responses)
        if side.role == "mentee"
        else ngettext("<b>Mentors</b> ({n} answer)", "<b>Mentors</b> ({n} answers)", side.responses)
    )
    lines = [title.format(n=side.responses)]
    if not side.responses:
        return lines
    for summary in side.questions:
        lines += _question_lines(summary)
    return lines


def _question_lines(summary: QuestionSummary) -> list[str]:
    prompt = esc(_(summary.question.prompt))
    kind = summary.question.kind
    if summary.withheld:
        if kind == "text":
            return [
                _("• {prompt}: comments appear once {min} people have answered").format(
                    prompt=prompt, min=reports_export.MIN_ANSWERS
                )
            ]
        if not summary.answered:
            return [_("• {prompt}: no answers").format(prompt=prompt)]
        return [
            ngettext(
                "• {prompt}: {n} answer so far; shown once {min} people have answered",
                "• {prompt}: {n} answers so far; shown once {min} people have answered",
                summary.answered,
            ).format(prompt=prompt, n=summary.answered, min=reports_export.MIN_ANSWERS)
        ]
    if kind == "rating":
        count = len(summary.ratings)
        if summary.average is None:
            return [_("• {prompt}: no answers").format(prompt=prompt)]
        return [
            ngettext(
                "• {prompt}: <b>{avg}/5</b> ({n} answer)", "• {prompt}: <b>{avg}/5</b> ({n} answers)", count
            ).format(prompt=prompt, avg=f"{summary.average:g}", n=count)
        ]
    if kind == "yes_no":
        if summary.yes_share is None:
            return [_("• {prompt}: no answers").format(prompt=prompt)]
        return [
            _("• {prompt}: <b>{share}% yes</b> ({yes} of {n})").format(
                prompt=prompt, share=summary.yes_share, yes=summary.yes, n=summary.yes + summary.no
            )
        ]
    if not summary.texts:
        return [_("• {prompt}: no comments").format(prompt=prompt)]
    return [_("• {prompt}").format(prompt=prompt), *(f"  – <i>{esc(text)}</i>" for text in summary.texts)]

"""/broadcast: the career team writes to all mentors, all students, everyone, or the students without a mentor
yet. The form asks whom (buttons) and what (their words); the preview shows the message exactly as people
will read it, how many it reaches and who is skipped and why, with Cancel and Confirm. Confirm sends it (the
audience read again then) and turns the preview into one progress message, kept up to date as delivery goes
on and ending with how many were reached. Cancel forgets the draft; nobody has been told anything."""

from __future__ import annotations

from bot.core import forms
from bot.core.context import Context
from bot.core.markup import esc, fmt
from bot.core.registry import RenderEnv, action, command, renders
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, ngettext
from bot.services import broadcast
from bot.services.broadcast import BroadcastMessage, BroadcastPreview, BroadcastProgress, Skipped

STAFF = ("staff",)


@command("broadcast", help=N_("send a message to all mentors, all students or everyone"), roles=STAFF)
async def start(ctx: Context) -> Reply:
    broadcast.may_broadcast(ctx.user).or_refuse()
    return await forms.start_form(ctx, "broadcast")


@action("bc.send", roles=STAFF)
async def send(ctx: Context) -> Reply:
    progress = await broadcast.confirm(
        ctx.session,
        ctx.user,
        ctx.event.payload,
        ctx.now,
        platforms=set(ctx.core.delivery.transports),
        origin=ctx.event.origin,
    )
    return ctx.render(progress)


@action("bc.no", roles=STAFF)
async def cancel(ctx: Context) -> Reply:
    await broadcast.cancel(ctx.session, ctx.user, ctx.event.payload)
    return Reply(_("Cancelled. Nothing was sent. /broadcast writes a new message."), edit=True)


# --- how it reads ----------------------------------------------------------------------------------


@renders(BroadcastMessage)
def _message(message: BroadcastMessage, env: RenderEnv) -> Reply:
    heading = fmt(_("<b>A message from {office}</b>"), office=env.programme.office)
    return Reply(heading + "\n\n" + esc(message.text))


def _skipped_lines(skipped: Skipped) -> list[str]:
    if not skipped.total:
        return []
    lines = [ngettext("Not sent to {n} person:", "Not sent to {n} people:", skipped.total).format(n=skipped.total)]
    if skipped.paused:
        lines.append(
            ngettext("• {n} has paused reminders", "• {n} have paused reminders", skipped.paused).format(
                n=skipped.paused
            )
        )
    if skipped.blocked:
        lines.append(
            ngettext("• {n} has left or blocked the bot", "• {n} have left or blocked the bot", skipped.blocked).format(
                n=skipped.blocked
            )
        )
    if skipped.unreachable:
        lines.append(
            ngettext(
                "• {n} has no chat with the bot that it can reach",
                "• {n} have no chat with the bot that it can reach",
                skipped.unreachable,
            ).format(n=skipped.unreachable)
        )
    return lines


@renders(BroadcastPreview)
def _preview(preview: BroadcastPreview, env: RenderEnv) -> Reply:
    words = broadcast.audience_words(preview.audience)
    if preview.draft is None:
        lines = [fmt(_("Nobody in {audience} can be reached now, so there is nothing to send."), audience=words)]
        lines += _skipped_lines(preview.skipped)
        lines.append(_("/broadcast to choose another group."))
        return Reply("\n".join(lines))
    shown = env.registry.render(preview.message, env).text
    lines = [
        fmt(_("<b>Your message to {audience}</b>, as they will read it:"), audience=words),
        "",
        shown,
        "",
        ngettext("It will reach {n} person.", "It will reach {n} people.", preview.reach).format(n=preview.reach),
        *_skipped_lines(preview.skipped),
    ]
    buttons = [
        [
            Button(_("Cancel"), "bc.no", str(preview.draft)),
            Button(_("Confirm and send"), "bc.send", str(preview.draft), style="primary"),
        ]
    ]
    return Reply("\n".join(lines), buttons=buttons)


@renders(BroadcastProgress)
def _progress(progress: BroadcastProgress, env: RenderEnv) -> Reply:
    words = broadcast.audience_words(progress.audience)
    if not progress.finished:
        text = fmt(
            _("Sending your message to {audience}… {done} of {total}"),
            audience=words,
            done=progress.handled,
            total=progress.total,
        )
        return Reply(text, edit=True)
    lines = [fmt(_("<b>Your message to {audience} is through</b>: {n} reached."), audience=words, n=progress.sent)]
    missed = progress.blocked + progress.refused + progress.gone
    if missed:
        lines.append(ngettext("{n} could not be reached:", "{n} could not be reached:", missed).format(n=missed))
        if progress.blocked:
            lines.append(
                ngettext(
                    "• {n} has left or blocked the bot", "• {n} have left or blocked the bot", progress.blocked
                ).format(n=progress.blocked)
            )
        if progress.gone:
            lines.append(
                ngettext("• {n} has left the programme", "• {n} have left the programme", progress.gone).format(
                    n=progress.gone
                )
            )
        if progress.refused:
            lines.append(
                ngettext(
                    "• {n} message was refused by the chat platform, again and again",
                    "• {n} messages were refused by the chat platform, again and again",
                    progress.refused,
                ).format(n=progress.refused)
            )
    lines += _skipped_lines(progress.skipped)
    lines.append(_("/audit shows it in the log; /broadcast sends another message."))
    return Reply("\n".join(lines), edit=True)

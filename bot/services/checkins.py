"""The mid-cycle check-in: "how is it going?" to both sides, and staff hear the answers that ask for help."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.daytime import add_months
from bot.core.markup import fmt
from bot.core.notices import (
    OVERLAP,
    Claim,
    Note,
    claim_many,
    since_last_run,
    taken_keys,
    users_by_id,
)
from bot.core.registry import sweep
from bot.core.replies import Button
from bot.i18n import _, ngettext
from bot.programme import Programme
from bot.services.pairs import sides
from storage.models import Pair, User

CHECKIN_DUE, CHECKIN = "checkin_due", "checkin"
STAFF_CHECKIN = "staffchk:"  # key prefix of a check-in staff sent by hand ("Contact the pair")


@sweep("checkins", order=30)
async def sweep_checkins(
    session: AsyncSession, now: dt.datetime, programme: Programme, settings: Settings
) -> list[Note]:
    """'How is it going?' to both sides `checkin_months` after the start, while the cycle runs."""
    since = await since_last_run(session, "checkins", now)
    latest_start = add_months(now, -programme.checkin_months)
    earliest_start = max(
        add_months(since, -programme.checkin_months) - OVERLAP, add_months(now, -programme.cycle_months)
    )
    pairs = list(
        await session.scalars(
            select(Pair)
            .where(Pair.status == "active", Pair.started_at <= latest_start, Pair.started_at > earliest_start)
            .order_by(Pair.id)
        )
    )
    taken = await taken_keys(session, [f"checkin:{p.id}" for p in pairs])
    pairs = [p for p in pairs if f"checkin:{p.id}" not in taken and p.started_at is not None]
    pairs = [p for p in pairs if add_months(p.started_at, programme.checkin_months) <= now]  # type: ignore[arg-type]
    users = await users_by_id(session, {uid for p in pairs for uid in (p.mentor_id, p.mentee_id)})
    notes: list[Note] = []
    won = await claim_many(session, now, [Claim(f"checkin:{p.id}", CHECKIN_DUE, pair_id=p.id) for p in pairs])
    asked = [
        (
            Claim(f"checkin:{pair.id}:{person.id}", CHECKIN, user_id=person.id, pair_id=pair.id, data={"role": role}),
            person,
            other,
        )
        for pair in pairs
        if f"checkin:{pair.id}" in won
        for person, other, role in sides(pair, users)
        if not person.reminders_paused
    ]
    ids = await claim_many(session, now, [claim for claim, _person, _other in asked])
    notes += [
        Note(person.id, *checkin_message(ids[claim.key], person, other, programme))
        for claim, person, other in asked
        if claim.key in ids
    ]
    return notes


def checkin_message(notice_id: int, person: User, other: User, programme: Programme) -> tuple[str, list[list[Button]]]:
    if programme.checkin_months * 2 == programme.cycle_months:
        where = _("You and {other} are halfway through your mentorship.")
    else:  # a programme may check in at another point of its cycle
        where = ngettext(
            "You and {other} are {months} month into your mentorship.",
            "You and {other} are {months} months into your mentorship.",
            programme.checkin_months,
        )
    text_ = fmt(
        _("Hi {first}, {office} here.") + " " + where + " " + _("How is it going?"),
        first=person.first_name,
        office=programme.office,
        other=other.first_name,
        months=programme.checkin_months,
    )
    payload = str(notice_id)
    return text_, [
        [
            Button(_("It's going well"), "chk.fine", payload, style="primary"),
            Button(_("Could be better"), "chk.meh", payload),
            Button(_("I'd like help"), "chk.help", payload),
        ]
    ]

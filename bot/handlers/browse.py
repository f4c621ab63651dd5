"""/mentors: one mentor card at a time, best matches first, Previous/Next editing the same message, and
filters by area and by industry. Contact details are the contact policy's to show, which keeps them off
every card a student browses (never a mentor they are matched with).

Where the student is (card index, area filter, industry filter) travels in the button payload as
'index.area.industry' with small numbers ('-' for no filter), so nothing is stored between presses.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Context
from bot.core.markup import esc, fmt
from bot.core.payloads import index_in
from bot.core.registry import action, command
from bot.core.replies import Button, Reply, rows
from bot.i18n import N_, _
from bot.services import pairs, profiles, requests
from bot.services.matching import Match, matches_in, rank_mentors, read_before_ranking, students_may_ask
from bot.views import mentor_card


@dataclass(frozen=True)
class Place:
    index: int = 0
    area: int | None = None  # index into programme.areas
    industry: int | None = None  # index into programme.industries

    def payload(self, **changes: int | None) -> str:
        values = {"index": self.index, "area": self.area, "industry": self.industry, **changes}
        return ".".join("-" if values[k] is None else str(values[k]) for k in ("index", "area", "industry"))

    @classmethod
    def parse(cls, payload: str, areas: int, industries: int) -> Place:
        """A forged or stale payload falls back to the first card without filters, never an error."""
        parts = (payload or "").split(".")
        parts += ["-"] * (3 - len(parts))

        return cls(index_in(parts[0]) or 0, index_in(parts[1], areas), index_in(parts[2], industries))


@command("mentors", help=N_("browse mentors, best matches first"), roles=("student",))
async def mentors(ctx: Context) -> Reply:
    return await card(ctx, Place(), edit=False)


@action("browse.open", roles=("student",))
async def open_browsing(ctx: Context) -> Reply:
    return await card(ctx, Place(), edit=False)


@action("browse.pg", roles=("student",))
async def page(ctx: Context) -> Reply:
    return await card(ctx, _place(ctx), edit=True)


@action("browse.area", roles=("student",))
async def choose_area(ctx: Context) -> Reply:
    place = _place(ctx)
    buttons = [
        Button(area.label, "browse.pg", place.payload(index=0, area=i)) for i, area in enumerate(ctx.programme.areas)
    ]
    return Reply(
        _("Which area would you like help with?"),
        buttons=[*rows(buttons, 2), [Button(_("Any area"), "browse.pg", place.payload(index=0, area=None))]],
        edit=True,
    )


@action("browse.ind", roles=("student",))
async def choose_industry(ctx: Context) -> Reply:
    place = _place(ctx)
    buttons = [
        Button(name, "browse.pg", place.payload(index=0, industry=i)) for i, name in enumerate(ctx.programme.industries)
    ]
    return Reply(
        _("Mentors from which industry?"),
        buttons=[*rows(buttons, 2), [Button(_("Any industry"), "browse.pg", place.payload(index=0, industry=None))]],
        edit=True,
    )


def _place(ctx: Context) -> Place:
    return Place.parse(ctx.event.payload, len(ctx.programme.areas), len(ctx.programme.industries))


async def card(ctx: Context, place: Place, *, edit: bool) -> Reply:
    """The mentor at `place`, with the reason they fit, how responsive they are, and the buttons."""
    # What the policies below ask, in one round trip.
    await read_before_ranking(ctx.session, ctx.user.id, ctx.now, ctx.programme)
    eligible = await profiles.may_take_part_as_mentee(ctx.session, ctx.user, ctx.programme)
    if not eligible:
        return Reply(eligible.reason, edit=edit)
    area = ctx.programme.areas[place.area].key if place.area is not None else None
    industry = ctx.programme.industries[place.industry] if place.industry is not None else None
    # The order is of ids; only the card shown is read in full, with its reason and responsiveness.
    ranking = await rank_mentors(ctx.session, ctx.user, ctx.programme, area=area, industry=industry, now=ctx.now)
    filters = _filter_line(ctx, place)
    if not ranking:
        asking = students_may_ask(ctx.programme)  # where the office matches, that is the next step to hear
        return (
            Reply(asking.reason, edit=edit) if not asking and not filters else _nobody(ctx, place, filters, edit=edit)
        )
    index = min(place.index, len(ranking) - 1)
    [match] = await matches_in(ctx.session, ranking, ctx.programme, index, index + 1, now=ctx.now)
    head = fmt(_("Mentor {n} of {total} · best matches first"), n=index + 1, total=len(ranking))
    lines = [f"<i>{head}</i>" + (f" · {esc(filters)}" if filters else "")]
    if match.reason:
        lines.append("★ " + match.reason)
    if match.responsiveness:
        lines.append(f"<i>{esc(match.responsiveness)}</i>")
    contact = await pairs.may_see_contact(ctx.session, ctx.user, match.mentor)
    lines += ["", mentor_card(match.mentor, match.profile, ctx.programme, contact=contact)]
    note, ask = await _request_button(ctx, match)
    if note:
        lines += ["", note]
    return Reply("\n".join(lines), buttons=_card_buttons(place, index, len(ranking), ask), edit=edit)


async def _request_button(ctx: Context, match: Match) -> tuple[str, Button | None]:
    """Interested, or what stands in its way, said on the card before any typing: the request policy
    decides, the card words the usual answers for its place (a mentor already found, a request already
    sent, the most requests at a time)."""
    decision = await requests.may_request(ctx.session, ctx.user, match.mentor.id, ctx.programme, ctx.now)
    if decision:
        return "", Button(_("Interested"), "req.new", str(match.mentor.id), style="primary")
    if decision.rule == "has_mentor":
        return _("You already have a mentor, so you can't send requests for now."), None
    if decision.rule == "already_sent" and decision.sent is not None:
        return (
            fmt(_("You've sent {name} a request; they'll answer soon."), name=match.mentor.first_name),
            Button(_("Withdraw my request"), "req.wd", str(decision.sent.id)),
        )
    if decision.rule == "limit":
        return (
            fmt(
                _("You have {n} requests waiting, the most at a time. /requests lets you withdraw one."),
                n=decision.pending,
            ),
            Button(_("My requests"), "req.list"),
        )
    return decision.reason, None


def _card_buttons(place: Place, index: int, total: int, ask: Button | None) -> list[list[Button]]:
    paging = []
    if index > 0:
        paging.append(Button(_("« Previous"), "browse.pg", place.payload(index=index - 1)))
    if index + 1 < total:
        paging.append(Button(_("Next »"), "browse.pg", place.payload(index=index + 1)))
    filters = [
        Button(_("Filter by area"), "browse.area", place.payload(index=0)),
        Button(_("Filter by industry"), "browse.ind", place.payload(index=0)),
    ]
    if place.area is not None or place.industry is not None:
        filters.append(Button(_("Clear filters"), "browse.pg", "0.-.-"))
    buttons = [[ask]] if ask else []
    if paging:
        buttons.append(paging)
    buttons.append(filters)
    return buttons


def _filter_line(ctx: Context, place: Place) -> str:
    parts = []
    if place.area is not None:
        parts.append(ctx.programme.text(ctx.programme.areas[place.area].label))
    if place.industry is not None:
        parts.append(ctx.programme.text(ctx.programme.industries[place.industry]))
    return ", ".join(parts)


def _nobody(ctx: Context, place: Place, filters: str, *, edit: bool) -> Reply:
    if filters:
        return Reply(
            fmt(_("No mentor with a free place matches {filters} right now. Try another filter."), filters=filters),
            buttons=[
                [
                    Button(_("Clear filters"), "browse.pg", "0.-.-"),
                    Button(_("Filter by area"), "browse.area", place.payload(index=0)),
                    Button(_("Filter by industry"), "browse.ind", place.payload(index=0)),
                ]
            ],
            edit=edit,
        )
    return Reply(
        fmt(
            _("Every mentor is busy at the moment. New places open often; {office} can help meanwhile: /report."),
            office=ctx.programme.office,
        ),
        edit=edit,
    )

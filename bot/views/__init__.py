"""How profiles and other records read in a message (markup), shared by every handler that shows them.

A profile card shows contact details only on the word of the contact policy
(`bot.services.pairs.may_see_contact`): the caller passes its Decision, never a yes of its own.
"""

from __future__ import annotations

from bot.core.markup import esc, fmt
from bot.core.policy import Decision
from bot.i18n import N_, _
from bot.programme import Programme, Question
from storage.models import MenteeProfile, MentorProfile, User

STATUS_LABELS = {
    "awaiting_approval": N_("Waiting for {office}'s approval"),
    "approved": N_("Approved"),
    "rejected": N_("Not approved"),
    "waiting": N_("On the waiting list until the next recruitment"),
}


def area_labels(programme: Programme, keys: list[str]) -> str:
    """'Job search (CV review, mock interviews), Networking' from area and area.topic keys."""
    parts = []
    for area in programme.areas:
        if area.key not in keys and not any(k.startswith(area.key + ".") for k in keys):
            continue
        topics = [programme.text(t.label) for t in area.topics if f"{area.key}.{t.key}" in keys]
        label = programme.text(area.label)
        parts.append(f"{label} ({', '.join(topics)})" if topics else label)
    return ", ".join(parts)


def _line(label: str, value: object) -> str | None:
    if value in (None, "", []):
        return None
    return f"<b>{esc(label)}:</b> {esc(value)}"


def question_label(question: Question) -> str:
    """A programme question as a card's label: its first sentence ('How did you find your first job?')."""
    prompt = question.prompt.strip()
    for end in ("?", ". ", "("):
        cut = prompt.find(end)
        if cut > 0:
            return prompt[: cut + 1].strip() if end == "?" else prompt[:cut].strip()
    return prompt


def extra_lines(questions: list[Question], extra: dict[str, object] | None) -> list[str]:
    """The answers to the programme's own questions, in the order it asks them; unanswered ones left out."""
    lines = []
    for question in questions:
        value = (extra or {}).get(question.key)
        if value in (None, "", []):
            continue
        if question.kind == "yes_no":
            value = _("Yes") if value else _("No")
        elif question.kind == "rating":
            value = fmt(_("{n} of 5"), n=value)
        label = question_label(question)
        lines.append(f"<b>{esc(label)}</b> {esc(value)}" if label.endswith("?") else _line(label, value) or "")
    return lines


def mentor_card(user: User, profile: MentorProfile, programme: Programme, *, contact: Decision | None = None) -> str:
    """A mentor as mentees see them; contact details only when the contact policy's `contact` says yes."""
    role = " · ".join(filter(None, [profile.current_role, profile.employer]))
    lines = [f"<b>{esc(user.name)}</b>" + (f" — {esc(role)}" if role else "")]
    studied = " ".join(filter(None, [profile.programme_of_study, str(profile.graduation_year or "")]))
    lines += [
        x
        for x in (
            _line(_("Industry"), programme.text(profile.industry) if profile.industry else ""),
            _line(_("Based in"), profile.country),
            _line(_("Studied"), studied),
            _line(_("Can help with"), area_labels(programme, profile.areas)),
            _line(_("Job history"), profile.job_history),
            _line(_("Key successes"), profile.key_successes),
            _line(_("Moving country or industry"), profile.moving_experience),
            _line(_("Languages"), ", ".join(programme.text(x) for x in profile.languages)),
            _line(_("Prefers"), programme.text(profile.contact_method) if profile.contact_method else ""),
        )
        if x
    ]
    lines += extra_lines(programme.mentor_questions, profile.extra)
    if contact:
        lines.append(_line(_("Contact"), user.contact_details) or "")
    return "\n".join(lines)


def mentee_card(user: User, profile: MenteeProfile, programme: Programme, *, contact: Decision | None = None) -> str:
    """A student as a mentor (or the career team) sees them; contact details as for `mentor_card`."""
    studying = " ".join(
        filter(
            None,
            [profile.programme_of_study, fmt(_("year {n}"), n=profile.year_of_study) if profile.year_of_study else ""],
        )
    )
    lines = [f"<b>{esc(user.name)}</b>"]
    lines += [
        x
        for x in (
            _line(_("Studying"), studying),
            _line(_("Goals"), profile.goals),
            _line(_("Wants help with"), area_labels(programme, profile.areas)),
            _line(_("Industries"), ", ".join(programme.text(x) for x in profile.industries)),
            _line(_("Languages"), ", ".join(programme.text(x) for x in profile.languages)),
        )
        if x
    ]
    lines += extra_lines(programme.mentee_questions, profile.extra)
    if contact:
        lines.append(_line(_("Contact"), user.contact_details) or "")
    return "\n".join(lines)


def status_text(status: str, programme: Programme) -> str:
    """A mentor profile's state in words, naming the programme's office (and the orientation, where it is
    needed before approval)."""
    text = _(STATUS_LABELS.get(status, status)).replace("{office}", programme.office)
    if status == "awaiting_approval" and programme.orientation_required:
        text += " " + _("(after the orientation session)")
    return text


def mentor_status(profile: MentorProfile, programme: Programme) -> str:
    status = status_text(profile.status, programme)
    visibility = _("visible to students") if profile.active else _("paused: hidden from students")
    if profile.status != "approved":
        visibility = _("not yet visible to students")
    return fmt(
        _("Status: {status}; {visibility}. Mentees: {count} of {capacity}."),
        status=status,
        visibility=visibility,
        count=profile.active_mentees,
        capacity=profile.capacity,
    )


def pair_names(mentor: User, mentee: User) -> str:
    """'Aigerim Sadykova (mentor) and Alex Kim (student)', as staff read a pair in a case."""
    return fmt(_("{mentor} (mentor) and {mentee} (student)"), mentor=mentor.name, mentee=mentee.name)


def welcome_question(programme: Programme) -> str:
    """What the programme is, in a line, and the question that starts a profile."""
    if programme.milestones:
        how = fmt(
            _("Alumni volunteer as mentors; students choose a mentor and meet them for {n} interviews in the year."),
            n=len(programme.milestones),
        )
    elif programme.matching == "staff_match":
        how = fmt(
            _("Alumni volunteer as mentors; {office} matches each student with one, and they meet about once a month."),
            office=programme.office,
        )
    else:
        how = _("Alumni volunteer as mentors; students choose a mentor and meet them about once a month.")
    return how + " " + _("Which are you?")

"""The profile forms for mentors (alumni) and mentees (students).

The common questions are declared here; the programme's own questions (`mentor_questions`,
`mentee_questions`) are appended when a core starts with it (`ask_the_programmes_questions`), and their
answers are kept in the profile's `extra`. A student whose year of study the programme does not take is
told so right after that answer, and the form ends there with nothing saved.
"""

from __future__ import annotations

from typing import Any

from bot.conversations.orientation import when_text
from bot.core.context import Context
from bot.core.daytime import zone_for
from bot.core.forms import Choice, Field, Form, FormEnv, register_form
from bot.core.markup import fmt
from bot.core.registry import on_programme
from bot.core.replies import Button, Reply
from bot.i18n import N_, _, month_text
from bot.programme import Programme, Question
from bot.services import matching, orientation, profiles
from bot.views import mentor_card
from storage.models import MentorProfile

# The programme's own questions are fields named with this prefix, so they never meet a common field's name.
EXTRA = "x_"
RATINGS = [Choice(str(n), str(n)) for n in range(1, 6)]


def _areas(env: FormEnv) -> list[Choice]:
    return [Choice(area.key, area.label) for area in env.programme.areas]


def _topics(env: FormEnv) -> list[Choice]:
    chosen = env.answers.get("areas") or []
    return [
        Choice(f"{area.key}.{topic.key}", topic.label)
        for area in env.programme.areas
        if area.key in chosen
        for topic in area.topics
    ]


def _has_topics(answers: dict[str, Any]) -> bool:
    return bool(answers.get("areas"))


def _industries(env: FormEnv) -> list[Choice]:
    return [Choice(name, name) for name in env.programme.industries]


def _languages(env: FormEnv) -> list[Choice]:
    return [Choice(name, name) for name in env.programme.languages]


def _contact_methods(env: FormEnv) -> list[Choice]:
    return [Choice(name, name.capitalize()) for name in env.programme.contact_methods]


def _capacities(env: FormEnv) -> list[Choice]:
    return [Choice(str(n), str(n)) for n in range(1, env.programme.max_mentor_capacity + 1)]


def capacity_field(usual: int) -> Field:
    """The capacity question, naming the programme's usual number of mentees (its default capacity)."""
    prompt = _("How many mentees can you take at a time? Most mentors take {n}.")
    return Field("capacity", "choice", prompt.format(n=usual), choices=_capacities)


def _graduation_year(value: Any, env: FormEnv) -> str | None:
    this_year = env.ctx.now.year
    if not 1950 <= value <= this_year:
        return fmt(_("Please write the year you graduated, from 1950 to {year}, e.g. 2018."), year=this_year)
    return None


NAME = Field(
    "name",
    "text",
    N_("What's your full name? This is how others in the programme will see you."),
    help=N_("For example: Aigerim Sadykova"),
    max_length=120,
    words=True,
)
CONTACT = Field(
    "contact_details",
    "text",
    N_("How should your match reach you? An e-mail address or phone number."),
    help=N_("Only shown to the person you are matched with, after you both agree."),
    max_length=300,
    check=lambda value, env: profiles.contact_problem(value),
)
LANGUAGES = Field("languages", "multi", N_("Which languages can you mentor in?"), choices=_languages)


async def _mentor_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    before = await profiles.mentor_profile(ctx.session, ctx.user)
    was_rejected = before is not None and before.status == "rejected"
    answers = with_extra(answers, ctx.programme.mentor_questions, before.extra if before else None)
    profile, created = await profiles.save_mentor(
        ctx.session, ctx.user, merge_topics(answers), ctx.now, programme=ctx.programme, zone=_programme_zone(ctx)
    )
    if was_rejected:
        return [_resubmitted(ctx, profile)]
    if not created:
        return [
            Reply(
                fmt(_("Saved, {first}. Your profile now reads:"), first=ctx.user.first_name)
                + "\n\n"
                + mentor_card(ctx.user, profile, ctx.programme)
            )
        ]
    if profile.status == profiles.WAITING:
        return [_on_the_waiting_list(ctx, profile)]
    if profile.status == "approved":
        return [
            Reply(
                fmt(
                    _(
                        "Thank you, {first}! Your mentor profile is saved and students can see it now. "
                        "We'll message you here when someone would like you as their mentor. "
                        "/profile shows and edits it; /pause hides it for a while."
                    ),
                    first=ctx.user.first_name,
                ),
                buttons=[[Button(_("See my profile"), "profile.show")]],
            )
        ]
    ctx.notify_staff(
        lambda: Reply(
            fmt(
                _(
                    "New mentor profile waiting for approval: {name}, {role} at {employer} ({industry}). "
                    "Approve it once they have attended the orientation."
                ),
                name=ctx.user.name,
                role=profile.current_role,
                employer=profile.employer,
                industry=profile.industry,
            ),
            buttons=[[Button(_("See mentors waiting"), "staff.pending")]],
        )
    )
    upcoming = await orientation.next_session(ctx.session, ctx.now)
    thanks = (
        fmt(
            _(
                "Thank you, {first}! Your mentor profile is saved.\n\n"
                "Next: {office} will approve it after you attend an orientation session. The next one is on "
                "{when} (your time): your invitation with the details follows here. We'll message you as soon "
                "as students can see your profile. Meanwhile /profile shows and edits it."
            ),
            first=ctx.user.first_name,
            office=ctx.programme.office,
            when=when_text(upcoming.starts_at, ctx.zone),
        )
        if upcoming is not None
        else fmt(
            _(
                "Thank you, {first}! Your mentor profile is saved.\n\n"
                "Next: {office} will approve it after you attend the orientation session, and we'll "
                "message you here as soon as students can see it. Meanwhile /profile shows and edits it."
            ),
            first=ctx.user.first_name,
            office=ctx.programme.office,
        )
    )
    return [Reply(thanks, buttons=[[Button(_("See my profile"), "profile.show")]])]


def _programme_zone(ctx: Context):  # type: ignore[no-untyped-def]
    """The programme's own time zone (the TIMEZONE setting): recruitment months are the programme's calendar."""
    return zone_for(None, ctx.settings)


def _on_the_waiting_list(ctx: Context, profile: MentorProfile) -> Reply:
    """A mentor who signed up outside the recruitment months: welcomed, told when recruitment opens, and that
    they are on the waiting list until then; the career team hears of them and may take them on early."""
    opens = profiles.next_recruitment(ctx.now, ctx.programme, _programme_zone(ctx))
    month = month_text(opens) if opens else ""
    ctx.notify_staff(
        lambda: Reply(
            fmt(
                _(
                    "New mentor on the waiting list: {name}, {role} at {employer} ({industry}). They will be "
                    "invited when recruitment opens in {month}; you can approve them early from /pending."
                ),
                name=ctx.user.name,
                role=profile.current_role,
                employer=profile.employer,
                industry=profile.industry,
                month=month,
            ),
            buttons=[[Button(_("See mentors waiting"), "staff.pending")]],
        )
    )
    return Reply(
        fmt(
            _(
                "Welcome, {first}, and thank you for offering to mentor! Your profile is saved. {office} takes on "
                "new mentors in {month}, so you're on the waiting list until then: we'll message you here when "
                "recruitment opens. Meanwhile /profile shows and edits your profile."
            ),
            first=ctx.user.first_name,
            office=ctx.programme.office_opening,
            month=month,
        ),
        buttons=[[Button(_("See my profile"), "profile.show")]],
    )


def _resubmitted(ctx: Context, profile: MentorProfile) -> Reply:
    """A profile the career team turned down was edited: it goes back to them, and both sides know."""
    ctx.notify_staff(
        lambda: Reply(
            fmt(
                _(
                    "{name} has updated their mentor profile after it was not approved. It is waiting for "
                    "approval again. Your reason was: <i>{reason}</i>"
                ),
                name=ctx.user.name,
                reason=profile.status_reason or "—",
            ),
            buttons=[[Button(_("See mentors waiting"), "staff.pending")]],
        )
    )
    return Reply(
        fmt(
            _(
                "Thank you, {first}! Your updated profile is back with {office} for another look. "
                "We'll message you here as soon as they have decided."
            ),
            first=ctx.user.first_name,
            office=ctx.programme.office,
        ),
        buttons=[[Button(_("See my profile"), "profile.show")]],
    )


async def _turned_away_if_not_eligible(ctx: Context, answers: dict[str, Any]) -> Reply | None:
    """Right after the year of study: a year the programme does not take ends the form, nothing saved."""
    decision = profiles.may_join_as_mentee(answers.get("year_of_study"), ctx.programme)
    if decision:
        return None
    profiles.turn_away(ctx.user)
    return Reply(
        decision.reason
        + "\n\n"
        + _("Nothing of your profile was saved. When you're in a year that may join, /profile starts again.")
    )


async def _mentee_done(ctx: Context, answers: dict[str, Any], context: dict[str, Any]) -> list[Reply]:
    turned_away = await _turned_away_if_not_eligible(ctx, answers)  # a form sent whole (Slack) meets it here
    if turned_away is not None:
        return [turned_away]
    before = await profiles.mentee_profile(ctx.session, ctx.user)
    answers = with_extra(answers, ctx.programme.mentee_questions, before.extra if before else None)
    _profile, created = await profiles.save_mentee(
        ctx.session, ctx.user, merge_topics(answers), ctx.now, programme=ctx.programme
    )
    if not created:
        return [Reply(fmt(_("Saved, {first}. /profile shows your profile."), first=ctx.user.first_name))]
    if not matching.students_may_ask(ctx.programme):
        return [
            Reply(
                fmt(
                    _(
                        "You're all set, {first}! Your profile is saved and is with {office}, who will match you "
                        "with a mentor and tell you here. Meanwhile you can read the mentors' profiles."
                    ),
                    first=ctx.user.first_name,
                    office=ctx.programme.office,
                ),
                buttons=[
                    [Button(_("Read mentor profiles"), "browse.open"), Button(_("See my profile"), "profile.show")]
                ],
            )
        ]
    return [
        Reply(
            fmt(
                _(
                    "You're all set, {first}! Your profile is saved.\n\n"
                    "Next: browse mentors — the best matches for you come first — and press Interested on "
                    "someone you'd like to talk to."
                ),
                first=ctx.user.first_name,
            ),
            buttons=[[Button(_("Browse mentors"), "browse.open"), Button(_("See my profile"), "profile.show")]],
        )
    ]


MENTOR_FORM = register_form(
    Form(
        name="mentor",
        title=N_("Your mentor profile"),
        review=True,
        intro=N_(
            "Let's build your mentor profile. Students read it to choose a mentor, so the more detail, "
            "the better. Your contact details stay hidden until you accept someone."
        ),
        fields=[
            NAME,
            Field(
                "programme_of_study",
                "text",
                N_("Which programme did you study at the university?"),
                help=N_("For example: BSc Computer Science"),
                max_length=120,
                words=True,
            ),
            Field(
                "graduation_year",
                "number",
                N_("Which year did you graduate?"),
                help=N_("For example: 2016"),
                check=_graduation_year,
            ),
            Field(
                "current_role",
                "text",
                N_("What is your current role?"),
                help=N_("For example: Product manager"),
                max_length=160,
                words=True,
            ),
            Field(
                "employer",
                "text",
                N_("Who do you work for?"),
                help=N_("For example: Kaspi.kz"),
                max_length=160,
                words=True,
            ),
            Field("industry", "choice", N_("Which industry are you in?"), choices=_industries),
            Field(
                "country",
                "text",
                N_("Which country are you based in?"),
                help=N_("For example: Kazakhstan"),
                max_length=80,
                words=True,
            ),
            Field(
                "job_history",
                "text",
                N_("Your job history, in a few lines."),
                help=N_("For example: 2016-2019 analyst at EY; since 2019 product manager at Kaspi."),
                multiline=True,
            ),
            Field(
                "key_successes",
                "text",
                N_("Key areas of success and responsibility?"),
                help=N_("What you are proud of and what you are trusted with."),
                multiline=True,
            ),
            Field(
                "moving_experience",
                "text",
                N_("Have you moved country or industry? Tell students about it (optional)."),
                required=False,
                multiline=True,
            ),
            Field("areas", "multi", N_("Which areas can you help with? Choose all that apply."), choices=_areas),
            Field(
                "topics",
                "multi",
                N_("Anything in particular you offer? Choose the topics (optional)."),
                choices=_topics,
                required=False,
                when=_has_topics,
            ),
            LANGUAGES,
            Field("contact_method", "choice", N_("How do you prefer to meet?"), choices=_contact_methods),
            CONTACT,
            # The definition's default until a programme starts (`ask_the_programmes_capacity`, below).
            capacity_field(Programme.model_fields["default_mentor_capacity"].default),
        ],
        on_complete=_mentor_done,
    )
)


@on_programme
def ask_the_programmes_capacity(programme: Programme) -> None:
    """The capacity question names the running programme's default (one programme runs per process)."""
    fields = MENTOR_FORM.fields
    fields[[f.name for f in fields].index("capacity")] = capacity_field(programme.default_mentor_capacity)


MENTEE_FORM = register_form(
    Form(
        name="mentee",
        title=N_("Your student profile"),
        review=True,
        intro=N_(
            "Let's build your profile, so we can show you the mentors who fit you best. "
            "Mentors see it when you approach them."
        ),
        fields=[
            NAME,
            Field(
                "programme_of_study",
                "text",
                N_("What do you study?"),
                help=N_("For example: BA Economics"),
                max_length=120,
                words=True,
            ),
            Field(
                "year_of_study",
                "number",
                N_("Which year of study are you in?"),
                help=N_("A number, e.g. 3 (or 3rd year)"),
                min_value=1,
                max_value=8,
                ends=_turned_away_if_not_eligible,
            ),
            Field(
                "goals",
                "text",
                N_("What would you like a mentor to help you with?"),
                help=N_("For example: decide between a master's abroad and a first job in consulting."),
                multiline=True,
            ),
            Field(
                "areas",
                "multi",
                N_("Which areas do you want help with? Choose all that apply."),
                choices=_areas,
            ),
            Field(
                "topics",
                "multi",
                N_("Anything in particular? Choose the topics (optional)."),
                choices=_topics,
                required=False,
                when=_has_topics,
            ),
            Field(
                "industries",
                "multi",
                N_("Which industries interest you? Choose any (optional)."),
                choices=_industries,
                required=False,
            ),
            Field("languages", "multi", N_("Which languages are you happy to talk in?"), choices=_languages),
            CONTACT,
        ],
        on_complete=_mentee_done,
    )
)


# --- the programme's own questions ---------------------------------------------------------------------


def question_field(question: Question) -> Field:
    """A form field asking one of the programme's questions (a rating is a choice of 1 to 5)."""
    kind = {"rating": "choice", "text": "text", "yes_no": "yes_no", "choice": "choice"}[question.kind]
    choices = None
    if question.kind == "rating":
        choices = RATINGS
    elif question.kind == "choice":
        choices = [Choice(choice, choice) for choice in question.choices]
    return Field(
        EXTRA + question.key,
        kind,  # type: ignore[arg-type]
        question.prompt,
        help=question.help,
        choices=choices,
        required=question.required,
        multiline=question.kind == "text",
        max_length=1000,
    )


@on_programme
def ask_the_programmes_questions(programme: Programme) -> None:
    """Append the programme's own questions to the profile forms (one programme runs per process; a core
    started with another programme replaces them)."""
    for form, questions in ((MENTOR_FORM, programme.mentor_questions), (MENTEE_FORM, programme.mentee_questions)):
        common = [f for f in form.fields if not f.name.startswith(EXTRA)]
        form.fields[:] = [*common, *(question_field(q) for q in questions)]


def with_extra(answers: dict[str, Any], questions: list[Question], before: dict[str, Any] | None) -> dict[str, Any]:
    """The form's answers with the programme's questions gathered as `extra` (key -> answer); a question
    skipped has no answer, and answers to questions this programme does not ask are kept as they were."""
    asked = {q.key for q in questions}
    extra = {key: value for key, value in (before or {}).items() if key not in asked}
    for question in questions:
        value = answers.get(EXTRA + question.key)
        if value not in (None, ""):
            extra[question.key] = value
    common = {key: value for key, value in answers.items() if not key.startswith(EXTRA)}
    return {**common, "extra": extra}


def extra_answers(extra: dict[str, Any] | None) -> dict[str, Any]:
    """A profile's `extra` as form answers, so editing starts from what is there."""
    return {EXTRA + key: value for key, value in (extra or {}).items()}


def merge_topics(answers: dict[str, Any]) -> dict[str, Any]:
    """The forms ask areas and topics separately; profiles keep them in one list of keys."""
    merged = dict(answers)
    topics = merged.pop("topics", None) or []
    merged["areas"] = [*(merged.get("areas") or []), *topics]
    return merged


def split_topics(keys: list[str]) -> dict[str, list[str]]:
    return {"areas": [k for k in keys if "." not in k], "topics": [k for k in keys if "." in k]}


def mentor_answers(user, profile) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An existing mentor profile as form answers, so editing starts from what is there."""
    answers = {"name": user.name, "contact_details": user.contact_details, "capacity": str(profile.capacity)}
    for name in profiles.MENTOR_FIELDS:
        if name not in ("areas", "capacity"):
            answers[name] = getattr(profile, name)
    return {**answers, **split_topics(profile.areas), **extra_answers(profile.extra)}


def mentee_answers(user, profile) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    answers = {"name": user.name, "contact_details": user.contact_details}
    for name in profiles.MENTEE_FIELDS:
        if name != "areas":
            answers[name] = getattr(profile, name)
    return {**answers, **split_topics(profile.areas), **extra_answers(profile.extra)}

"""The programme definition: the areas, numbers and questions a programme's rules use, read from TOML.

Rules live in code once; what differs between programmes (cycle length, capacity, surveys...) lives here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.config import ConfigError
from bot.i18n import current_language


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Topic(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    label: str


class Area(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    label: str
    topics: list[Topic] = []


class SurveyQuestion(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    kind: Literal["rating", "text", "yes_no"]
    prompt: str
    audience: Literal["both", "mentor", "mentee"] = "both"
    required: bool = True


class Resource(_Strict):
    name: str
    contact: str


class Question(_Strict):
    """A question of a form the definition adds: an extra profile question, the agreement's, a road-book's."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    kind: Literal["text", "rating", "yes_no", "choice"] = "text"
    prompt: str
    help: str = ""
    choices: list[str] = []  # for kind "choice"
    required: bool = True

    @model_validator(mode="after")
    def _choices_fit(self) -> Question:
        if self.kind == "choice" and len(self.choices) < 2:
            raise ValueError(f"question {self.key!r} is a choice and needs at least two choices")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"question {self.key!r} has choices but is not of kind 'choice'")
        return self


def _unique_keys(items: list[Any], what: str) -> None:
    keys = [item.key for item in items]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"two {what} share the key {twice[0]!r}")


class FormDefinition(_Strict):
    """A form of the programme's own (the road-book, an interview's evaluation), named by milestones."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    title: str
    intro: str = ""
    questions: list[Question] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> FormDefinition:
        _unique_keys(self.questions, f"questions of form {self.key!r}")
        return self


def _month_day(value: str) -> str:
    try:
        dt.date.fromisoformat(f"2000-{value}")  # a leap year: "02-29" is a day some years have
    except ValueError:
        raise ValueError(f"{value!r} is not a month and day written MM-DD, such as 03-31") from None
    return value


MonthDay = Annotated[str, AfterValidator(_month_day)]
Month = Annotated[int, Field(ge=1, le=12)]


class Milestone(_Strict):
    """A named step of a mentorship with a window in the calendar (interview 1 in January–March): the pair
    plans a meeting in it; optionally the mentee sends a form (`before_form`, the road-book) `before_days`
    ahead of it, and the mentor fills in a form (`after_form`, the evaluation) after it, given to the mentee.

    A window is given as month-days ("01-01" to "03-31") and falls in the first year that keeps the
    milestones in order from the pair's start: a window that has closed before the mentorship began moves to
    the next year."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    title: str
    description: str = ""
    opens: MonthDay
    closes: MonthDay
    before_form: str | None = None
    before_days: int = Field(7, ge=1, le=60)
    after_form: str | None = None
    # A meeting not yet planned this many days before the window closes gets the pair a reminder.
    plan_by_days: int = Field(14, ge=1, le=90)


class Eligibility(_Strict):
    """Who may take part as a mentee; a student outside it is told `turned_away` and kept out."""

    years_of_study: list[int] = []  # empty: any year
    turned_away: str = ""

    @model_validator(mode="after")
    def _years(self) -> Eligibility:
        if any(not 1 <= year <= 10 for year in self.years_of_study):
            raise ValueError("years_of_study are years of a degree, from 1 to 10")
        return self


class ScheduledSurvey(_Strict):
    """A survey sent on a schedule besides the end-of-cycle evaluation: `after` is "month:N" (N months into
    the mentorship) or "milestone:KEY" (once that milestone's meeting has happened)."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    title: str
    after: str = Field(pattern=r"^(month:[1-9][0-9]?|milestone:[a-z0-9_]{1,24})$")
    audience: Literal["both", "mentor", "mentee"] = "both"
    questions: list[SurveyQuestion] = Field(min_length=1)


class OfficeRequest(_Strict):
    """A request a student may make to the office (an individual interview with the alumni career
    department): it reaches staff as a request to act on, not as a problem report."""

    label: str  # what the student asks for, as a button and in /help: "an individual interview"
    prompt: str  # the question the student answers: "What would you like to talk about?"
    roles: list[Literal["student", "alumnus"]] = ["student"]


class Programme(_Strict):
    key: str
    title_as_written: str = Field(alias="title")  # read through `title`, in the reader's language
    # The language the programme speaks to a person who has not chosen one, and in the staff chat.
    language: str = Field("en", pattern=r"^(en|ru|kk|fr)$")
    # Its own texts in other languages (areas, topics, questions, the office's name ...): per language, each
    # text as written in this file and its translation. A text without one reads as written.
    translations: dict[str, dict[str, str]] = {}
    # Who runs it, as people call them ("the career team"); read through `office`, in the reader's language.
    office_as_written: str = Field(alias="office")
    institution: str = ""  # the university or school, as its certificates name it
    certificate_signatory: str = ""  # the line under the signature on a certificate; the office when empty
    areas: list[Area] = Field(min_length=1)
    industries: list[str] = Field(min_length=1)
    languages: list[str] = Field(min_length=1)
    contact_methods: list[str] = Field(min_length=1)
    cycle_months: int = Field(6, ge=1, le=36)
    contact_interval_days: int = Field(30, ge=1, le=365)
    default_mentor_capacity: int = Field(2, ge=1, le=20)
    max_mentor_capacity: int = Field(5, ge=1, le=50)
    orientation_required: bool = True
    # Attending the orientation approves a mentor at once (recording the session's attendance is the decision);
    # otherwise it makes them approvable, and staff approve them, together or one by one.
    orientation_approves: bool = False
    max_pending_requests: int = Field(3, ge=1, le=20)
    # A mentor who said no to a student (declined, or ended it as not the right fit) isn't offered to them
    # again for this many days.
    reask_after_days: int = Field(90, ge=1, le=730)
    request_reminder_days: int = Field(7, ge=1)
    request_expiry_days: int = Field(14, ge=2)
    nudges_before_escalation: int = Field(2, ge=1)
    checkin_months: int = Field(3, ge=1)
    survey_reminder_days: int = Field(7, ge=1)
    reconfirmation_month: int | None = Field(8, ge=1, le=12)
    reconfirmation_grace_days: int = Field(30, ge=1)
    daytime_start_hour: int = Field(9, ge=0, le=23)
    daytime_end_hour: int = Field(20, ge=1, le=24)
    survey: list[SurveyQuestion] = Field(min_length=1)
    resources: list[Resource] = []
    # How mentees and mentors are paired: the mentee chooses from the list (and asks), staff match, or both.
    matching: Literal["mentee_chooses", "staff_match", "both"] = "both"
    # The months mentors are recruited in (e.g. [3, 8]); outside them a new mentor is kept on a waiting
    # list and invited when the next one opens. Empty: all year.
    recruitment_months: list[Month] = []
    mentee_eligibility: Eligibility = Eligibility()
    mentor_questions: list[Question] = []  # asked after the common profile questions
    mentee_questions: list[Question] = []
    agreement_questions: list[Question] = []  # asked after the agreement's goals, meetings and way
    forms: list[FormDefinition] = []
    milestones: list[Milestone] = []
    surveys: list[ScheduledSurvey] = []
    office_request: OfficeRequest | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Programme:
        if self.default_mentor_capacity > self.max_mentor_capacity:
            raise ValueError("default_mentor_capacity is larger than max_mentor_capacity")
        if self.request_reminder_days >= self.request_expiry_days:
            raise ValueError("request_reminder_days must come before request_expiry_days")
        if self.daytime_start_hour >= self.daytime_end_hour:
            raise ValueError("daytime_start_hour must be before daytime_end_hour")
        _unique_keys(self.areas, "areas")
        _unique_keys(self.survey, "survey questions")
        _unique_keys(self.mentor_questions, "mentor_questions")
        _unique_keys(self.mentee_questions, "mentee_questions")
        _unique_keys(self.agreement_questions, "agreement_questions")
        _unique_keys(self.forms, "forms")
        _unique_keys(self.milestones, "milestones")
        _unique_keys(self.surveys, "surveys")
        forms = {form.key for form in self.forms}
        for milestone in self.milestones:
            for named in (milestone.before_form, milestone.after_form):
                if named is not None and named not in forms:
                    raise ValueError(f"milestone {milestone.key!r} names the form {named!r}, which [[forms]] lacks")
        milestones = {milestone.key for milestone in self.milestones}
        for survey in self.surveys:
            kind, _sep, what = survey.after.partition(":")
            if kind == "milestone" and what not in milestones:
                raise ValueError(
                    f"survey {survey.key!r} comes after the milestone {what!r}, which [[milestones]] lacks"
                )
            if kind == "month" and int(what) >= self.cycle_months:
                raise ValueError(f"survey {survey.key!r} comes at month {what}, not before the cycle's end")
        return self

    def text(self, written: str) -> str:
        """One of the programme's own texts in the reader's language (as written when not translated)."""
        return self.translations.get(current_language(), {}).get(written, written)

    def form(self, key: str) -> FormDefinition:
        return next(form for form in self.forms if form.key == key)

    def recruiting(self, month: int) -> bool:
        """Whether new mentors are taken on in this month of the year."""
        return not self.recruitment_months or month in self.recruitment_months

    @property
    def title(self) -> str:
        return self.text(self.title_as_written)

    @property
    def office(self) -> str:
        return self.text(self.office_as_written)

    @property
    def office_opening(self) -> str:
        """The office's name where it opens a sentence ('The career team can help')."""
        return self.office[:1].upper() + self.office[1:]

    @cached_property
    def area_by_key(self) -> dict[str, Area]:
        return {area.key: area for area in self.areas}

    @property
    def topic_labels(self) -> dict[str, str]:
        """Every area and topic key with its label in the reader's language; topics are keyed 'area.topic'."""
        language = current_language()
        if language not in self._labels_by_language:
            self._labels_by_language[language] = self._topic_labels()
        return self._labels_by_language[language]

    @cached_property
    def _labels_by_language(self) -> dict[str, dict[str, str]]:
        return {}

    def _topic_labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for area in self.areas:
            labels[area.key] = self.text(area.label)
            for topic in area.topics:
                labels[f"{area.key}.{topic.key}"] = self.text(topic.label)
        return labels

    def survey_for(self, role: Literal["mentor", "mentee"]) -> list[SurveyQuestion]:
        return [q for q in self.survey if q.audience in ("both", role)]


def _on(year: int, month_day: str) -> dt.date:
    """'02-29' in a year without one is the 28th."""
    month, day = int(month_day[:2]), int(month_day[3:])
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def milestone_windows(milestones: Sequence[Milestone], start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Each milestone's window (first and last day) for a mentorship that started on `start`: its month-days
    in the first year that keeps the milestones in order, none opening before the one before it; a window
    that closed before the start moves to the next year. A window written across the new year ("11-01" to
    "02-28") closes in the year after it opens."""
    placed: list[tuple[dt.date, dt.date]] = []
    for milestone in milestones:
        year = placed[-1][0].year if placed else start.year - 1
        while True:
            opens = _on(year, milestone.opens)
            closes = _on(year + (1 if milestone.closes < milestone.opens else 0), milestone.closes)
            if closes >= start and (not placed or opens >= placed[-1][0]):
                break
            year += 1
        placed.append((opens, closes))
    return placed


def load_programme(name_or_path: str) -> Programme:
    """Load a bundled programme by name ('university') or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        source = path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"The setting PROGRAMME names {name_or_path!r}, which cannot be read.") from exc
    else:
        bundled = resources.files("bot.programmes").joinpath(f"{name_or_path}.toml")
        if not bundled.is_file():
            known = sorted(
                p.name.removesuffix(".toml")
                for p in resources.files("bot.programmes").iterdir()
                if p.name.endswith(".toml")
            )
            raise ConfigError(
                f"The setting PROGRAMME names {name_or_path!r}, which is not a programme; "
                f"use one of {', '.join(known)} or a path to a .toml file."
            )
        source = Path(str(bundled))
        text = bundled.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The programme file {source} is not valid TOML: {exc}.") from None
    try:
        return Programme(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _key_path(first["loc"], data)
        if first["type"] == "extra_forbidden":
            message = "it is not a key a programme file may have (a spelling mistake?)"
        elif first["type"] == "missing":
            message = "this key is required and missing"
        else:
            message = first["msg"].removeprefix("Value error, ")
        if where:
            raise ConfigError(f"The programme file {source} has a bad value at {where}: {message}.") from None
        raise ConfigError(f"The programme file {source} does not hold together: {message}.") from None


def _key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """Where in the file a bad value is, as its writer would point at it: milestones[2] 'interview_3'.opens."""
    parts: list[str] = []
    here = data
    for part in loc:
        if isinstance(part, int):
            item = here[part] if isinstance(here, list) and part < len(here) else None
            named = f" {item['key']!r}" if isinstance(item, dict) and isinstance(item.get("key"), str) else ""
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part + 1}]{named}"]
            here = item
        else:
            parts.append(str(part))
            here = here.get(part) if isinstance(here, dict) else None
    return ".".join(parts)

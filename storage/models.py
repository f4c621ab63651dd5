"""The database schema: SQLAlchemy 2 typed models. Every change goes through an Alembic migration."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no zone, so we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None or value.tzinfo is dt.UTC:  # PostgreSQL's driver hands back UTC already
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class User(Base):
    """A person, whatever platform(s) they reach us on."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str | None] = mapped_column(String(16))  # "student" | "alumnus" | None before /start
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # How they joined the career team: "settings" (named in STAFF_IDS, and out again when it stops naming
    # them) or "chat" (added by a colleague with /staff add, until one removes them). None when not staff.
    staff_source: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The language they read (a shipped one: "en", "ru", "kk", "fr"); None: the programme's own language.
    # Taken from the platform at first contact, changed with /language.
    language: Mapped[str | None] = mapped_column(String(8))
    contact_details: Mapped[str] = mapped_column(String(300), default="")
    reminders_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_bot_at: Mapped[dt.datetime | None]  # the platform said the person blocked us (403)
    created_at: Mapped[dt.datetime]

    identities: Mapped[list[Identity]] = relationship(back_populates="user", cascade="all, delete-orphan")
    mentor_profile: Mapped[MentorProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )
    mentee_profile: Mapped[MenteeProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )

    @property
    def first_name(self) -> str:
        words = self.name.split()
        return words[0] if words else ""


class Identity(Base):
    """How one user is known on one platform (a Telegram user id, a Slack member id, a console name)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))  # where to write to them (DM chat / channel)
    username: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime | None]  # the person last wrote from here: where we reach them

    user: Mapped[User] = relationship(back_populates="identities")


class MentorProfile(Base):
    __tablename__ = "mentor_profiles"
    __table_args__ = (
        CheckConstraint("active_mentees >= 0", name="active_mentees_not_negative"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_mentor_profiles_browse", "status", "active"),
        Index("ix_mentor_profiles_reconfirm", "active", "confirmed_at"),  # the yearly reconfirmation sweep
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    programme_of_study: Mapped[str] = mapped_column(String(120), default="")
    graduation_year: Mapped[int | None] = mapped_column(Integer)
    current_role: Mapped[str] = mapped_column(String(160), default="")
    employer: Mapped[str] = mapped_column(String(160), default="")
    industry: Mapped[str] = mapped_column(String(80), default="")
    country: Mapped[str] = mapped_column(String(80), default="")
    job_history: Mapped[str] = mapped_column(Text, default="")
    key_successes: Mapped[str] = mapped_column(Text, default="")
    moving_experience: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # area keys and "area.topic" keys
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_method: Mapped[str] = mapped_column(String(40), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the programme's own questions (key -> answer)
    capacity: Mapped[int] = mapped_column(Integer, default=2)
    # Kept in step with active pairs inside the accepting transaction: the capacity rule is one
    # conditional UPDATE (active_mentees < capacity), atomic on SQLite and PostgreSQL alike.
    active_mentees: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="awaiting_approval")  # approved | rejected
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: paused, hidden from browsing
    orientation_done: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    approved_at: Mapped[dt.datetime | None]
    confirmed_at: Mapped[dt.datetime | None]  # last time the mentor confirmed the profile is up to date
    updated_at: Mapped[dt.datetime]
    # The median days of their latest answers (matching.median_answer_days), kept up to date at every answer
    # (matching.note_answer) so ranking reads no history; None: no answer yet.
    answer_days: Mapped[float | None] = mapped_column(Float)

    user: Mapped[User] = relationship(back_populates="mentor_profile")


class MenteeProfile(Base):
    __tablename__ = "mentee_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    programme_of_study: Mapped[str] = mapped_column(String(120), default="")
    year_of_study: Mapped[int | None] = mapped_column(Integer)
    goals: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(80), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the programme's own questions (key -> answer)
    updated_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(back_populates="mentee_profile")


class FormProgress(Base):
    """A form someone is filling in, saved at every answer so a restart resumes it."""

    __tablename__ = "form_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    form: Mapped[str] = mapped_column(String(40))
    step: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the form is about (ids)
    platform: Mapped[str | None] = mapped_column(String(16))
    message_ref: Mapped[str | None] = mapped_column(String(120))  # the question message, to edit in place
    updated_at: Mapped[dt.datetime]


class MentorshipRequest(Base):
    """A mentee's 'Interested' with their message, waiting for the mentor's answer."""

    __tablename__ = "requests"
    __table_args__ = (
        # No two pending requests from one mentee to one mentor, whatever races.
        Index(
            "uq_requests_pending_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_requests_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    # pending | accepted | declined | withdrawn | expired
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime | None]


class Pair(Base):
    """A mentor-mentee relationship, from the match through the agreement to its end."""

    __tablename__ = "pairs"
    __table_args__ = (
        Index("ix_pairs_status_last_contact", "status", "last_contact_at"),
        Index("ix_pairs_status_cycle_ends", "status", "cycle_ends_at"),
        # The scheduler's sweeps: overdue pairs per agreed interval, and check-ins by start date.
        Index("ix_pairs_status_interval_contact", "status", "contact_interval_days", "last_contact_at"),
        Index("ix_pairs_status_started", "status", "started_at"),
        Index("ix_pairs_status_created", "status", "created_at"),  # the agreements sweep: matches still agreeing
        # One open relationship per mentor and mentee at a time.
        Index(
            "uq_pairs_open_pair",
            "mentor_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("status != 'ended'"),
            postgresql_where=text("status != 'ended'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    # agreeing (waiting for both to confirm the agreement) | active | ended
    status: Mapped[str] = mapped_column(String(16), default="agreeing")
    matched_by: Mapped[str] = mapped_column(String(16), default="request")  # request | staff
    goals: Mapped[str] = mapped_column(Text, default="")
    contact_method: Mapped[str] = mapped_column(String(40), default="")
    contact_interval_days: Mapped[int] = mapped_column(Integer, default=30)
    # Answers to the programme's own agreement questions (key -> answer), beside the common terms above.
    agreement_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mentor_confirmed_at: Mapped[dt.datetime | None]
    mentee_confirmed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]  # both confirmed: the cycle starts
    cycle_ends_at: Mapped[dt.datetime | None]
    last_contact_at: Mapped[dt.datetime | None]  # the latest logged contact, for the scheduler's index
    fit_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    continue_after_cycle: Mapped[bool | None] = mapped_column(Boolean)
    ended_at: Mapped[dt.datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    end_reason: Mapped[str] = mapped_column(String(40), default="")
    end_note: Mapped[str] = mapped_column(Text, default="")


class ContactLog(Base):
    """One contact between a pair, logged in plain words by one side."""

    __tablename__ = "contact_logs"
    # A mentor card's signs of life: the latest contact the mentor logged (bot/services/matching.py).
    __table_args__ = (Index("ix_contact_logs_author_created", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    private: Mapped[bool] = mapped_column(Boolean, default=False)  # notes seen only by their author
    source: Mapped[str] = mapped_column(String(16), default="log")  # log | nudge
    created_at: Mapped[dt.datetime]


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    term: Mapped[str] = mapped_column(String(8))  # short | long
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in_progress | done | dropped
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class GoalNote(Base):
    """A progress note or a mentor's comment on a goal."""

    __tablename__ = "goal_notes"
    # A mentor card's signs of life: the latest goal note the mentor wrote (bot/services/matching.py).
    __table_args__ = (Index("ix_goal_notes_author_created", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class Report(Base):
    """Something staff should look at: a report, a problem from a nudge, an escalation, a check-in answer."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # report | problem | escalation | checkin | contradiction
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | taken | resolved
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]


class Notice(Base):
    """A notice the scheduler decided to send; its unique key (subject, kind, period) makes it exactly once."""

    __tablename__ = "notices"
    # Unanswered notices of a kind, oldest first: the survey reminder and reconfirmation pause sweeps.
    __table_args__ = (Index("ix_notices_kind_open", "kind", "answered_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # looked up through ix_notices_kind_open, which begins with it
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answer: Mapped[str | None] = mapped_column(String(40))
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class Outbox(Base):
    """A message to another person (or the staff chat), written in the transaction that decided it.

    A delivery worker sends it, paced to the platform's limits; a 429 or a network error reschedules it,
    so a message is never lost and, once marked sent, never sent again.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        # A person's one message of a local day from the scheduler is claimed by inserting it (bot.core.notices).
        Index(
            "uq_outbox_day_key",
            "day_key",
            unique=True,
            sqlite_where=text("day_key IS NOT NULL"),
            postgresql_where=text("day_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    to_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    platform: Mapped[str | None] = mapped_column(String(16))  # None: every platform the user is on
    # An answer to the person who acted goes back to the chat their update came from (platform + chat_id),
    # in its thread or forum topic, replacing the message a pressed button was on when the reply says so.
    chat_id: Mapped[str | None] = mapped_column(String(64))
    thread: Mapped[str | None] = mapped_column(String(64))
    message_ref: Mapped[str | None] = mapped_column(String(120))
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)  # a serialised Reply
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    # `day:<person>:<their local date>` when this is the message gathering what the scheduler tells that
    # person that day: whoever writes the row first queues the day's message, later news joins it.
    day_key: Mapped[str | None] = mapped_column(String(80))


class InboxUpdate(Base):
    """An update a platform handed us, recorded before the platform is told we have it (Telegram's next
    getUpdates offset, the webhook's 200, Slack's ack), so a crash at any moment loses nothing: whatever is
    still pending after a restart is handled then. `not_before` is a lease: the process that recorded or
    claimed an update handles it; a lease that runs out (its process died) lets another one take it over.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "update_key"),
        Index("ix_inbox_due", "platform", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the update as the platform sent it
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | handled | failed | poison
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime]
    handled_at: Mapped[dt.datetime | None]


class Lease(Base):
    """Which process runs a part that must run in exactly one place (the delivery worker, the scheduler):
    the holder renews `expires_at` while it lives; once it has run out, another process may take it."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[dt.datetime]


class Stamp(Base):
    """A token the database changes, by trigger (migration 0011), whenever what it names changes:
    "mentor_pool" whenever a mentor profile, or a user's name or role, is written, by any process or
    statement. A process that keeps those rows in memory reads the token to know whether its copy still holds.
    A fresh random token, not a counter: a rolled-back change puts back the old token, and a counter would
    then hand the next change a number a discarded copy already carries."""

    __tablename__ = "stamps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ProcessedUpdate(Base):
    """Platform updates already handled (Telegram update_id, Slack event_id): a redelivery changes nothing."""

    __tablename__ = "processed_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[dt.datetime]


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("pair_id", "user_id", "survey"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    survey: Mapped[str] = mapped_column(String(40), default="end_of_cycle")
    role: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime]


class ThankYouNote(Base):
    __tablename__ = "thank_you_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class ClockOffset(Base):
    """The console's moved clock (`/clock +31d`), kept so a restarted demo stays where it was."""

    __tablename__ = "clock_offset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seconds: Mapped[int] = mapped_column(BigInteger, default=0)


class SweepMark(Base):
    """How far each scheduler sweep has looked: the next run looks only at what became due since then
    (with an overlap), so its cost follows what is due, not how many pairs there are."""

    __tablename__ = "sweep_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[dt.datetime]


class Meeting(Base):
    """A meeting one side of a pair planned with the other: proposed, then confirmed (or moved, cancelled),
    and after it, whether it happened (a yes logs the contact once: `contact_id`)."""

    __tablename__ = "meetings"
    # The scheduler's sweep: confirmed meetings by their time (the reminder before, the question after).
    __table_args__ = (Index("ix_meetings_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[dt.datetime]
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    method: Mapped[str] = mapped_column(String(40))
    place: Mapped[str] = mapped_column(Text, default="")  # a place or a link, as the person typed it
    # proposed (waiting for the other side) | confirmed | cancelled | done (it happened)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_logs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class MilestoneProgress(Base):
    """Where a pair stands on one of the programme's milestones (an interview in its window): the meeting
    planned for it, the mentee's form sent before it (the road-book), the mentor's evaluation after it."""

    __tablename__ = "milestone_progress"
    __table_args__ = (
        UniqueConstraint("pair_id", "milestone"),
        # The scheduler's sweep: milestones still open, by the end of their window.
        Index("ix_milestone_progress_status_closes", "status", "closes_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    milestone: Mapped[str] = mapped_column(String(24))  # the key in the programme definition
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)  # the last day of the window
    # pending (the meeting is still to happen) | met (it happened) | done (evaluated, or nothing to evaluate)
    # | missed (the window closed without it)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    form_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the mentee's, e.g. the road-book
    form_sent_at: Mapped[dt.datetime | None]
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the mentor's, after the meeting
    evaluated_at: Mapped[dt.datetime | None]
    met_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """One thing a member of the career team did (approved a mentor, matched a pair, sent a certificate ...),
    who did it, about whom, when. Names are read from the people's rows, so a person who left is not named."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # a key of bot.services.audit.ACTIONS
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    other_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # a pair's other side
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    detail: Mapped[str] = mapped_column(Text, default="")  # what staff wrote or chose, e.g. a reason


class OrientationSession(Base):
    """An orientation session the career team runs for new mentors: when, how long, where (a place or a link)
    and what it is, announced to the mentors awaiting orientation."""

    __tablename__ = "orientation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str] = mapped_column(Text, default="")  # a room or a link, as staff wrote it
    about: Mapped[str] = mapped_column(Text, default="")  # what it is, in staff's words
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | held | cancelled
    created_at: Mapped[dt.datetime]


class OrientationAttendance(Base):
    """A mentor's answer to a session's invitation (going, can't make it) and whether staff recorded them as
    having attended."""

    __tablename__ = "orientation_attendance"
    __table_args__ = (UniqueConstraint("session_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("orientation_sessions.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str | None] = mapped_column(String(16))  # going | cannot | None (not answered)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[dt.datetime | None]
    recorded_at: Mapped[dt.datetime | None]


class Invitation(Base):
    """A student or alumnus the career office brought in from a list (name, e-mail or handle, year): invited
    by e-mail with a link that opens the bot, their profile started from the list when they arrive."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)  # in the /start link; unguessable
    role: Mapped[str] = mapped_column(String(16))  # student | alumnus
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), default="")
    handle: Mapped[str] = mapped_column(String(120), default="")  # a Telegram @username or Slack handle
    programme_of_study: Mapped[str] = mapped_column(String(120), default="")
    year: Mapped[int | None] = mapped_column(Integer)  # of study (student) or graduation (alumnus)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]  # the e-mail went (or staff were given the text to send)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[dt.datetime | None]

"""The programme definition: the areas, numbers and questions a programme's rules use, read from TOML.

Rules live in code once; what differs between programmes (cycle length, capacity, surveys...) lives here.
"""

from __future__ import annotations

import tomllib
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.config import ConfigError


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


class Programme(_Strict):
    key: str
    title: str
    office: str = Field(description="who runs it, as people call them: 'the career team'")
    areas: list[Area] = Field(min_length=1)
    industries: list[str] = Field(min_length=1)
    languages: list[str] = Field(min_length=1)
    contact_methods: list[str] = Field(min_length=1)
    cycle_months: int = Field(6, ge=1, le=36)
    contact_interval_days: int = Field(30, ge=1, le=365)
    default_mentor_capacity: int = Field(2, ge=1, le=20)
    max_mentor_capacity: int = Field(5, ge=1, le=50)
    orientation_required: bool = True
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

    @model_validator(mode="after")
    def _consistent(self) -> Programme:
        if self.default_mentor_capacity > self.max_mentor_capacity:
            raise ValueError("default_mentor_capacity is larger than max_mentor_capacity")
        if self.request_reminder_days >= self.request_expiry_days:
            raise ValueError("request_reminder_days must come before request_expiry_days")
        if self.daytime_start_hour >= self.daytime_end_hour:
            raise ValueError("daytime_start_hour must be before daytime_end_hour")
        keys = [area.key for area in self.areas]
        if len(keys) != len(set(keys)):
            raise ValueError("two areas share a key")
        return self

    @property
    def office_opening(self) -> str:
        """The office's name where it opens a sentence ('The career team can help')."""
        return self.office[:1].upper() + self.office[1:]

    @cached_property
    def area_by_key(self) -> dict[str, Area]:
        return {area.key: area for area in self.areas}

    @cached_property
    def topic_labels(self) -> dict[str, str]:
        """Every area and topic key with its label; topics are keyed 'area.topic'."""
        labels: dict[str, str] = {}
        for area in self.areas:
            labels[area.key] = area.label
            for topic in area.topics:
                labels[f"{area.key}.{topic.key}"] = topic.label
        return labels

    def survey_for(self, role: Literal["mentor", "mentee"]) -> list[SurveyQuestion]:
        return [q for q in self.survey if q.audience in ("both", role)]


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
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"The programme file {source} has a bad value at {where}: {message}.") from None

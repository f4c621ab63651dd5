"""Local daytime: notices wait for the person's morning instead of arriving at 03:00.

APScheduler runs in UTC (its cron triggers have daylight-saving bugs); local hours are computed here with
zoneinfo, so a clock change moves "9 am" with the person's wall clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import Settings
from bot.programme import Programme
from storage.models import User


def zone_for(user: User | None, settings: Settings) -> ZoneInfo:
    """The person's own time zone, else the programme's (the TIMEZONE setting)."""
    name = (user.timezone if user is not None else None) or settings.timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.timezone)


def local_moment(day: dt.date, hour: int, zone: ZoneInfo) -> dt.datetime:
    """`hour`:00 on `day` on the local wall clock, as an aware UTC time (24 means the next midnight)."""
    if hour >= 24:
        day, hour = day + dt.timedelta(days=1), hour - 24
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone).astimezone(dt.UTC)


def next_daytime(now: dt.datetime, zone: ZoneInfo, programme: Programme) -> dt.datetime:
    """`now` if it is daytime where the person is, else the start of their next daytime."""
    today = now.astimezone(zone).date()
    start = local_moment(today, programme.daytime_start_hour, zone)
    end = local_moment(today, programme.daytime_end_hour, zone)
    if now < start:
        return start
    if now < end:
        return now
    return local_moment(today + dt.timedelta(days=1), programme.daytime_start_hour, zone)


def daytime_start_on(day: dt.date, zone: ZoneInfo, programme: Programme) -> dt.datetime:
    return local_moment(day, programme.daytime_start_hour, zone)


def local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later (the month's last day when it is shorter: 31 Aug + 6 = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))

"""The ongoing career-mentoring programme (seed 003) walked through in the terminal: mentors are recruited in
March and August, so an alumnus who signs up in another month is welcomed onto the waiting list and invited
when recruitment opens, while one who signs up in March is shown to students at once (no orientation);
students choose their mentor themselves, so staff do not match; a declined student hears that the alumni
team can help word the next request; every August mentors are asked to confirm their profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.journeys.terminal import Terminal, alumnus_signs_up, on_sqlite_only


def first_of(month: int, after: dt.date) -> dt.date:
    """The first day of the next `month` after this day."""
    year = after.year if after < dt.date(after.year, month, 1) else after.year + 1
    return dt.date(year, month, 1)


def journey(today: dt.date) -> str:
    march = first_of(3, today)
    april = march.replace(month=4, day=10)
    august = march.replace(month=8)
    return f"""
## an alumnus signs up outside recruitment
{alumnus_signs_up("olzhas", "Olzhas Nurpeisov")}
## staff see the waiting list and do not match
/as sam
/pending
/match
## a student asks, and is declined
/as alex
/mentors
Interested
I'd love help with my CV for software jobs.
/as aigerim
Decline
It's not my field
## recruitment opens in March
/clock {march.isoformat()} 10:00
/as olzhas
Yes, count me in
## an alumnus who signs up in March goes straight on
{alumnus_signs_up("bauyrzhan", "Bauyrzhan Bekov")}
## one who signs up in April waits for August
/clock {april.isoformat()} 10:00
{alumnus_signs_up("zarina", "Zarina Alieva")}
## August: recruitment again, and mentors confirm their profiles
/clock {august.isoformat()} 10:00
"""


@on_sqlite_only
def test_the_career_programme_recruits_in_march_and_august(tmp_path: Path) -> None:
    today = dt.datetime.now(dt.UTC).date()
    run = Terminal(tmp_path, "career").run(journey(today))

    waiting = run.part("an alumnus signs up outside recruitment")
    if today.month not in (3, 8):  # in a recruitment month the first alumnus is taken on at once
        assert "The alumni team takes on new mentors in" in waiting.to("olzhas")
        assert "you're on the waiting list until then" in waiting.to("olzhas")
        assert "New mentor on the waiting list: Olzhas Nurpeisov" in waiting.to("sam")

        staff = run.part("staff see the waiting list and do not match").to("sam")
        assert "1 mentor is on the waiting list for the next recruitment; approve early if you wish:" in staff
        assert "Olzhas Nurpeisov — Data engineer · Kolesa Group" in staff

        opened = run.part("recruitment opens in March")
        assert "Recruitment of new mentors is open this March, and you're on our waiting list." in opened.to("olzhas")
        assert "Wonderful, welcome aboard! Students can see your profile now" in opened.to("olzhas")
        assert "Olzhas Nurpeisov (Data engineer at Kolesa Group) has joined from the waiting list" in opened.to("sam")
    staff = run.part("staff see the waiting list and do not match").to("sam")
    assert "In this programme students choose their mentor themselves, so there is no matching to do here" in staff

    declined = run.part("a student asks, and is declined").to("alex")
    assert "Aigerim can't take you on right now. They said: It's not my field" in declined
    assert "These mentors have a free place and fit you well:" in declined
    assert "The alumni team can help you word your next request if you'd like: /report reaches them." in declined

    straight_on = run.part("an alumnus who signs up in March goes straight on").to("bauyrzhan")
    assert "waiting list" not in straight_on
    assert "students can see it now" in straight_on

    april = run.part("one who signs up in April waits for August")
    assert "The alumni team takes on new mentors in August, so you're on the waiting list" in april.to("zarina")

    august = run.part("August: recruitment again, and mentors confirm their profiles")
    assert "Recruitment of new mentors is open this August, and you're on our waiting list." in august.to("zarina")
    assert "Once a year we ask mentors to check their profile" in august.to("aigerim")
    assert "Once a year we ask mentors to check their profile" in august.to("bauyrzhan")
    assert "check their profile" not in august.to("zarina")  # not a mentor yet: invited instead

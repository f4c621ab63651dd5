"""The university's six-month programme (seeds 000/001) walked through in the terminal: a mentor signs up and
is approved only after the orientation, a student chooses a mentor, the pair agrees terms and plans a meeting
(with a calendar file and a reminder the day before), a meeting that happened is logged once, a quiet month
brings a nudge, month 3 a check-in, unanswered nudges reach staff, and the cycle's end brings the survey, the
thank-you note and the certificate."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.journeys.terminal import Terminal, alumnus_signs_up, on_sqlite_only


def journey(today: dt.date) -> str:
    meeting_day = (today + dt.timedelta(days=3)).strftime("%d %B")
    # Moments, not steps from whatever time it is now: each reminder is then read in the daytime it waits for.
    day_before = f"{today + dt.timedelta(days=2)} 12:00"
    after_it = f"{today + dt.timedelta(days=3)} 18:00"
    return f"""
## a mentor signs up
{alumnus_signs_up("olzhas", "Olzhas Nurpeisov")}
## staff approve after the orientation
/as sam
/pending
Approve
Yes — approve
## the student chooses a mentor
/as alex
/mentors
Interested
I'd love help with my CV and mock interviews for software jobs.
## the mentor accepts and proposes terms
/as aigerim
Accept
A CV ready for internship applications by March, and two mock interviews.
Video
Monthly
Yes
## the student confirms
/as alex
I agree — confirm
## a meeting is planned and confirmed
/meet {meeting_day} 15:00 on zoom
/as aigerim
Confirm
## the day before
/clock {day_before}
## after the meeting
/clock {after_it}
/as alex
Yes, we met
/history
## a good fit
/as aigerim
Yes, a good fit
## a month without contact
/clock +31d
/clock +12h
## contact logged in plain words
/as alex
/log met yesterday by phone, we went through the CV
/history
## month 3: nudged again, and the check-in
/clock +31d
/clock +12h
/clock +31d
/clock +12h
/as aigerim
Not yet
## unanswered nudges reach staff
/clock +31d
/clock +12h
/as sam
I'll take it
## the cycle ends
/clock +31d
/clock +12h
/clock +31d
/clock +12h
## the student's survey and thank-you note
/as alex
Take the survey
5
4
Yes
Yes
More mentors in energy, please.
Thank Aigerim
Thank you for everything, Aigerim!
## the mentor's survey, closing the mentorship
/as aigerim
/start
Take the survey
5
5
Yes
4
Yes
Skip
Close it
Yes, close it
## staff recognise the mentor
/as sam
/top
"""


@on_sqlite_only
def test_the_universitys_six_months_in_the_terminal(tmp_path: Path) -> None:
    today = dt.datetime.now(dt.UTC).date()
    run = Terminal(tmp_path, "university").run(journey(today))

    signed_up = run.part("a mentor signs up")
    assert "Next: the career team will approve it after you attend the orientation session" in signed_up.to("olzhas")
    assert "New mentor profile waiting for approval: Olzhas Nurpeisov" in signed_up.to("sam")

    approval = run.part("staff approve after the orientation")
    assert "Did Olzhas Nurpeisov attend the orientation? Approval needs it." in approval.to("sam")
    assert "Good news, Olzhas: the career team has approved your mentor profile." in approval.to("olzhas")

    chosen = run.part("the student chooses a mentor")
    assert "Mentor 1 of 13 · best matches first" in chosen.to("alex")
    assert "Alex would like you as their mentor. Their message:" in chosen.to("aigerim")
    assert "[1] Accept   [2] Decline" in chosen.to("aigerim")

    terms = run.part("the mentor accepts and proposes terms")
    assert "Your mentorship agreement · 4 of 4" in terms.to("aigerim")
    assert "Aigerim has filled in your mentorship agreement. Please read it and confirm:" in terms.to("alex")

    confirmed = run.part("the student confirms").to("aigerim")
    assert "Your mentorship is confirmed by you both. Congratulations!" in confirmed

    planned = run.part("a meeting is planned and confirmed")
    assert "Alex Kim would like to meet you:" in planned.to("aigerim")
    for name in ("alex", "aigerim"):
        assert "Confirmed:" in planned.to(name) and "15:00" in planned.to(name)
        saved = re.search(r"📎 meeting-1\.ics \(\d+ bytes\): saved to (\S+)", planned.to(name))
        assert saved is not None, planned.to(name)
        (event,) = Calendar.from_ical(Path(saved.group(1)).read_bytes()).walk("VEVENT")
        assert event.decoded("dtstart").astimezone(ZoneInfo(os.environ.get("TIMEZONE", "UTC"))).hour == 15
        assert str(event.get("location")) == "Video call"

    day_before = run.part("the day before")
    assert "Reminder: you're meeting Aigerim Sadykova on" in day_before.to("alex")
    assert "Reminder: you're meeting Alex Kim on" in day_before.to("aigerim")

    after = run.part("after the meeting")
    assert "Did your meeting with Aigerim Sadykova on" in after.to("alex")
    assert "Wonderful! I've logged your meeting with Aigerim Sadykova, so no need for /log." in after.to("alex")
    history = after.steps[-1].to("alex")
    assert history.count("Video call · logged by you") == 1

    quiet = run.part("a month without contact")
    assert "It's been a month since you and Alex last caught up" in quiet.to("aigerim")
    assert "It's been a month since you and Aigerim last caught up" in quiet.to("alex")

    logged = run.part("contact logged in plain words").to("alex")
    assert "Logged: phone call with Aigerim Sadykova on" in logged
    assert "Phone call · logged by you" in logged and "Video call · logged by you" in logged

    month_three = run.part("month 3: nudged again, and the check-in")
    assert "You and Alex are halfway through your mentorship. How is it going?" in month_three.to("aigerim")
    assert "Busy months happen. Here's a message you could send Alex:" in month_three.to("aigerim")

    escalated = run.part("unanswered nudges reach staff")
    assert "No contact logged between Aigerim Sadykova (mentor) and Alex Kim (student)" in escalated.to("sam")
    assert "Their answers: Aigerim: not yet; Alex: no answer." in escalated.to("sam")
    assert "someone from the career team may get in touch" in escalated.to("alex")
    assert "Taken by Sam Career-Office." in escalated.to("sam")

    ended = run.part("the cycle ends")
    assert "Alex, your 6 months with Aigerim are complete." in ended.to("alex")
    assert "Aigerim, your 6 months with Alex are complete." in ended.to("aigerim")

    survey = run.part("the student's survey and thank-you note")
    assert "End-of-mentorship survey · 5 of 5" in survey.to("alex")
    assert "Thank you, Alex! Your answers are with the career team." in survey.to("alex")
    assert "A thank-you note from Alex Kim:\n\nThank you for everything, Aigerim!" in survey.to("aigerim")

    closing = run.part("the mentor's survey, closing the mentorship")
    assert "A survey is waiting for your answers." in closing.to("aigerim")  # /start offers it again
    assert "End-of-mentorship survey · 6 of 6" in closing.to("aigerim")
    assert "How engaged and prepared was your mentee?" in closing.to("aigerim")
    assert "Thank you, Aigerim! Your answers are with the career team." in closing.to("aigerim")
    assert "Close your mentorship with Alex? They and the career team are told" in closing.to("aigerim")
    assert "Aigerim Sadykova has ended your mentorship (the programme's months are complete)." in closing.to("alex")
    assert "Mentorship ended: Aigerim Sadykova (mentor) and Alex Kim (student)" in closing.to("sam")

    top = run.part("staff recognise the mentor").to("sam")
    assert "1. Aigerim Sadykova — " in top and "1 thank-you note" in top
    assert "Send certificate: Aigerim Sadykova" in top

"""The School's alumni mentoring of last-year students (seed 004) walked through in the terminal: a first-year
student is turned away; a last-year student with a professional project chooses a mentor; each of the three
interviews opens in its window; the road-book is due 7 days before the planned interview and reaches the
mentor when sent; after interview 1 the mentor is asked for the evaluation, which the student receives, and
the student gets a short survey; interview 2's window opens in April; the follow-up is due before the end of
December; the student may ask the Alumni Career Department for an individual interview."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.programme import load_programme, milestone_windows
from tests.journeys.terminal import Terminal, on_sqlite_only


def journey(today: dt.date) -> str:
    milestones = load_programme("last_year").milestones
    start = today
    if milestone_windows(milestones, start)[0][1] - start < dt.timedelta(days=20):
        # Too late in interview 1's window to walk through it: the mentorship starts the day after it closes.
        start = milestone_windows(milestones, start)[0][1] + dt.timedelta(days=1)
    (first_opens, first_closes), (second_opens, _), (third_opens, third_closes) = milestone_windows(milestones, start)
    # Interview 1 in the middle of its window (or two weeks on, if the window is already under way).
    interview = max(first_opens + dt.timedelta(days=40), start + dt.timedelta(days=14))
    assert interview <= first_closes
    due = interview - dt.timedelta(days=7)
    begin = f"/clock {start.isoformat()} 10:00" if start != today else "/clock"
    opening = max(first_opens, start + dt.timedelta(days=1))  # the first sweep once the window is open
    return f"""
{begin}
## a first-year student is turned away
/as theo
/start
1
Théo Martin
Master in Management
1
/mentors
## a last-year student signs up with her professional project
/as lea
/start
1
Léa Dubois
Master in Management
5
A first job in strategy consulting, and a clear story for my choices.
Professional project
Job-hunt strategy
Done
Done
Consulting
Done
French
English
Done
lea@school.example
I want to join a strategy consulting firm in Paris, working on energy transition.
Internship at EDF, exchange semester in Montreal.
Save
## she chooses a mentor, who accepts
/mentors
Interested
I would love your view on my consulting project before the first interview.
/as madina
Accept
Three interviews this year: my project, then my action plan, then a follow-up.
In person
Once a month
Weekday evenings after 18:00
Yes
/as lea
I agree — confirm
## the steps of the mentorship
/milestones
## interview 1's window opens
/clock {opening.isoformat()} 10:00
## the interview is planned
/as lea
/meet {interview:%d %B %Y} 10:00 in person at the School
/as madina
Confirm
## eight days before: no road-book reminder yet
/clock {(due - dt.timedelta(days=1)).isoformat()} 12:00
## seven days before: the road-book is due
/clock {due.isoformat()} 12:00
## the student sends the road-book
/as lea
Fill in the road-book
Two years in the School after classes préparatoires, majoring in strategy.
Strategy consultant in energy; I want to help companies through the transition.
Apply to five firms in March, alumni coffees every week, case interview practice.
How to present my EDF internship.
## after the interview
/clock {(interview + dt.timedelta(days=1)).isoformat()} 10:00
/as madina
Yes, we met
## the mentor's evaluation reaches the student
/clock {(interview + dt.timedelta(days=2)).isoformat()} 10:00
/as madina
Fill in the evaluation
4
5
4
4
Prepare two more cases on energy before the second interview.
## the student's short survey after interview 1
/clock {(interview + dt.timedelta(days=3)).isoformat()} 10:00
## interview 2's window opens in April
/clock {second_opens.isoformat()} 10:00
## the follow-up's window, and its deadline before the end of December
/clock {third_opens.isoformat()} 10:00
/clock {(third_closes - dt.timedelta(days=14)).isoformat()} 10:00
## the student asks the Alumni Career Department for an individual interview
/as lea
/office
I would like help comparing two job offers.
## staff follow every pair's steps
/as sam
/milestones
"""


@on_sqlite_only
def test_the_last_year_programme_in_the_terminal(tmp_path: Path) -> None:
    today = dt.datetime.now(dt.UTC).date()
    run = Terminal(tmp_path, "last_year").run(journey(today))

    turned_away = run.part("a first-year student is turned away").to("theo")
    assert "This programme is for students in their last year at the School" in turned_away
    assert "Nothing of your profile was saved." in turned_away
    assert "Let's finish your student profile first" in turned_away  # /mentors stays closed

    signed_up = run.part("a last-year student signs up with her professional project").to("lea")
    assert "In a few sentences, what is your professional project?" in signed_up
    assert "You're all set, Léa! Your profile is saved." in signed_up

    chosen = run.part("she chooses a mentor, who accepts")
    request = chosen.to("madina")
    assert "Léa would like you as their mentor." in request
    assert "I want to join a strategy consulting firm in Paris, working on energy transition." in request
    assert "When are you both usually available for the interviews" in request
    assert "Your mentorship is confirmed by you both." in chosen.to("lea")

    steps = run.part("the steps of the mentorship").to("lea")
    assert "1. Interview 1: the professional project · 1 January to 31 March" in steps
    assert "2. Interview 2: the action plan · 1 April to 30 June" in steps
    assert "3. Interview 3: the follow-up · 1 July to 31 December" in steps

    opened = run.part("interview 1's window opens")
    assert "Interview 1: the professional project is open now: 1 January to 31 March" in opened.to("lea")
    assert "Send Madina your road-book at least 7 days before the meeting" in opened.to("lea")
    assert "Léa sends you a road-book at least 7 days before it" in opened.to("madina")

    planned = run.part("the interview is planned")
    assert "Léa Dubois would like to meet you:" in planned.to("madina")
    assert "Confirmed:" in planned.to("lea") and "in person · the School" in planned.to("lea")

    assert "road-book" not in run.part("eight days before: no road-book reminder yet").to("lea")
    due = run.part("seven days before: the road-book is due").to("lea")
    assert "Your road-book for Interview 1: the professional project is due: you meet Madina Omarova on" in due
    assert "so Madina has it 7 days ahead" in due

    sent = run.part("the student sends the road-book")
    assert "Sent! Madina Omarova has your road-book for Interview 1" in sent.to("lea")
    received = sent.to("madina")
    assert "Léa Dubois sent you the road-book for Interview 1: the professional project" in received
    assert "Strategy consultant in energy; I want to help companies through the transition." in received

    after = run.part("after the interview")
    assert "Did your meeting with Léa Dubois on" in after.to("madina")
    assert "Wonderful! I've logged your meeting with Léa Dubois, so no need for /log." in after.to("madina")

    evaluation = run.part("the mentor's evaluation reaches the student")
    assert "Next is the evaluation form; it goes to Léa." in evaluation.to("madina")
    assert "Evaluation form · 5 of 5" in evaluation.to("madina")
    given = evaluation.to("lea")
    assert "Madina Omarova sent you the evaluation of Interview 1: the professional project" in given
    assert "Quality of the student's thinking (1 = weak, 5 = excellent)\n4/5" in given
    assert "Involvement in organising the interview (1-5)\n5/5" in given
    assert "Prepare two more cases on energy before the second interview." in given

    survey = run.part("the student's short survey after interview 1").to("lea")
    assert "a short survey about your mentorship with Madina: Your first interview" in survey

    april = run.part("interview 2's window opens in April")
    assert "Interview 2: the action plan is open now: 1 April to 30 June" in april.to("lea")
    assert "Interview 2: the action plan is open now" in april.to("madina")

    follow_up = run.part("the follow-up's window, and its deadline before the end of December")
    assert "Interview 3: the follow-up is open now: 1 July to 31 December" in follow_up.to("lea")
    assert "Milestone missed · Interview 2: the action plan" in follow_up.to("sam")
    assert "its window closes on 31 December and no meeting is planned yet" in follow_up.to("lea")
    assert "months with Madina are complete" not in follow_up.to("lea")  # the year runs to the follow-up

    asked = run.part("the student asks the Alumni Career Department for an individual interview")
    assert "Your request for an individual interview is with the Alumni Career Department" in asked.to("lea")
    assert "A request for an individual interview from Léa Dubois (student)" in asked.to("sam")
    assert "I would like help comparing two job offers." in asked.to("sam")

    overview = run.part("staff follow every pair's steps").to("sam")
    assert "#1 Madina Omarova & Léa Dubois: 1 evaluated · 2 missed · 3 open, nothing planned" in overview

"""Issue 3's check, in the terminal: a whole mentorship replayed from a script, every step asserted on
the text people read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_console import console

JOURNEY = """\
/as alex
/mentors
Filter by area
Job search
Interested
I'd love help with my CV and mock interviews for software jobs.
/as aigerim
Accept
A CV ready for internship applications by March, and two mock interviews.
Video
Monthly
Yes
/as alex
I agree — confirm
/log met today on zoom
Yes, a good fit
/goals
Add a goal
1
Send my CV to three software companies
/end
We reached our goals
Yes, end it
Write a thank-you note
Thank you so much for all your help, Aigerim!
"""


def after(transcript: str, typed: str) -> str:
    """What the bot printed after this typed line, up to the next typed line."""
    marker = f"> {typed}\n"
    assert marker in transcript, f"the script never reached {typed!r}"
    rest = transcript.split(marker, 1)[1]
    lines = []
    for line in rest.splitlines():
        if "> " in line and not line.startswith((" ", "[", "—")):
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.skipif(bool(os.environ.get("MENTORBOT_TEST_DATABASE_URL")), reason="the terminal runs on SQLite")
def test_a_whole_mentorship_in_the_terminal(tmp_path: Path) -> None:
    out = console(tmp_path / "bot.db", JOURNEY)

    browse = after(out, "/mentors")
    assert "Mentor 1 of 12 · best matches first" in browse
    assert "Both: Software and IT; offers CV review, mock interviews" in browse
    assert "@" not in browse  # no contact details on a card
    assert "Mentor 1 of 8 · best matches first · Job search" in after(out, "Job search")
    assert "Sent! Aigerim has your message" in after(
        out, "I'd love help with my CV and mock interviews for software jobs."
    )
    assert "[bot → aigerim]" in after(out, "I'd love help with my CV and mock interviews for software jobs.")

    accepted = after(out, "Accept")
    assert "You accepted Alex's request." in accepted
    assert "Contact: alex@students.example.org" in accepted  # contact details only now
    assert "Great news, Alex: Aigerim Sadykova is your mentor!" in accepted
    assert "Contact: aigerim@alumni.example.org" in accepted
    assert "We've sent it to Alex to confirm" in after(out, "Yes")

    confirmed = after(out, "I agree — confirm")
    assert "Your mentorship is confirmed by you both." in confirmed
    assert "Meeting: once a month; preferred way: video" in confirmed

    logged = after(out, "/log met today on zoom")
    assert "Logged: video call with Aigerim Sadykova" in logged
    assert "Is this a good fit for you?" in logged
    assert "Send my CV to three software companies — Open" in after(out, "Send my CV to three software companies")

    ending = after(out, "Yes, end it")
    assert "your mentorship with Aigerim Sadykova has ended" in ending
    assert "Alex Kim has ended your mentorship (the goals were reached)" in ending  # the mentor
    assert "[bot → sam]" in ending and "Mentorship ended: Aigerim Sadykova (mentor) and Alex Kim" in ending
    thanked = after(out, "Thank you so much for all your help, Aigerim!")
    assert "A thank-you note from Alex Kim:" in thanked

"""A member of the career team invites a colleague with a link (/staff invite): whoever opens it first joins
the team, once; the audit log says who made it and who joined."""

from __future__ import annotations

import re

from tests.support import Harness


async def test_a_staff_link_makes_its_first_opener_a_member_once(harness: Harness) -> None:
    sam = harness.person("sam")
    given = await sam.say("/staff invite")
    assert "whoever opens it first joins the career team" in given
    found = re.search(r"/start (inv_[A-Za-z0-9_\-]+)", given)
    assert found, given
    zara = harness.person("zara")
    assert "That command is for the career team only." in await zara.say("/pending")
    welcome = await zara.say(f"/start {found.group(1)}")
    assert "Welcome to the career team!" in welcome
    assert "Nobody is waiting for approval" in await zara.say("/pending")  # a member's command, answered
    other = harness.person("omar")
    assert "has been used already" in await other.say(f"/start {found.group(1)}")
    assert "That command is for the career team only." in await other.say("/pending")
    log = await sam.say("/audit")
    assert "made a link inviting a colleague to the career team" in log
    assert "added Zara to the career team" in log
    # a colleague's link is not one of the cohort's invitations
    assert "No invitations yet." in await sam.say("/invitations")

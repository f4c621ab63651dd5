"""A cohort's CSV shared in the DM with the bot: fetched with the bot token, checked and previewed."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Invitation
from tests.slack.conftest import STAFF_ID
from tests.slack.driver import Workspace

COHORT = b"name,email,role,programme of study,year\nAlex Kim,alex.kim@example.edu,student,BA Economics,2\n"


async def test_a_shared_csv_is_read_previewed_and_confirmed(slack: Workspace) -> None:
    sam = slack.user(STAFF_ID, "Sam Career")
    await sam.dm("", files=[slack.fake.share("F77", "cohort.csv", COHORT)])
    assert slack.fake.downloads == [("F77", "xoxb-test")]
    assert "1 student and 0 alumni: Alex Kim" in sam.text()
    await sam.press("Confirm")
    # No SMTP server: the invitations file goes up to the DM, the words as its comment.
    (upload,) = slack.fake.called("files.completeUploadExternal")
    assert "1 invitation saved" in str(upload.get("initial_comment"))
    assert any(b"Alex Kim" in content and b"/start inv_" in content for content in slack.fake.uploads.values())
    async with slack.core.sessions() as session:
        assert await session.scalar(select(func.count(Invitation.id))) == 1


async def test_a_shared_csv_from_someone_not_on_the_team_is_not_read(slack: Workspace) -> None:
    alex = slack.user("UAL", "Alex Kim")
    await alex.dm("", files=[slack.fake.share("F78", "cohort.csv", COHORT)])
    assert "I can only read text messages" in alex.text()
    async with slack.core.sessions() as session:
        assert await session.scalar(select(func.count(Invitation.id))) == 0

"""A chart reaches Slack as a PNG file with its own name, which Slack shows as a picture."""

from __future__ import annotations

from tests.slack.conftest import STAFF_ID
from tests.slack.driver import Workspace


async def test_the_stats_chart_is_uploaded_as_a_png(slack: Workspace) -> None:
    sam = slack.user(STAFF_ID, "Sam Career")
    await sam.slash("stats")
    await slack.settle()
    (asked,) = slack.fake.called("files.getUploadURLExternal")
    assert str(asked["filename"]).startswith("programme-") and str(asked["filename"]).endswith(".png")
    completed = slack.fake.called("files.completeUploadExternal")[-1]
    assert "The programme in numbers" in completed["initial_comment"]
    (content,) = slack.fake.uploads.values()
    assert content.startswith(b"\x89PNG\r\n\x1a\n") and int(asked["length"]) == len(content)

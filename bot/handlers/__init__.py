"""Commands and button actions, one module per capability. Importing this package registers them all."""

from bot.conversations import profile as _profile_forms  # noqa: F401
from bot.conversations import survey as _survey_forms  # noqa: F401
from bot.handlers import (  # noqa: F401
    browse,
    contacts,
    end,
    goals,
    match,
    nudges,
    preferences,
    privacy,
    profile,
    recognition,
    report,
    requests,
    staff,
    start,
)

"""The small pure pieces of the Slack adapter: command words, paging of long forms, Block Kit limits."""

from __future__ import annotations

from bot.core.markup import fmt
from bot.core.replies import Button, FormFieldView, FormView, Reply
from bot.platforms.slack import blocks
from bot.platforms.slack.commands import command_in_dm, resolve, slack_commands

KNOWN = {"start", "help", "mentors", "log", "profile", "report", "cancel"}


def test_slack_gets_its_own_emphasis_and_keeps_escapes() -> None:
    text = fmt("<b>{name}</b> wrote: <i>{message}</i>", name="Ann <admin>", message="a & b *c*")
    assert blocks.to_slack_mrkdwn(text) == "*Ann &lt;admin&gt;* wrote: _a &amp; b *c*_"


def test_subcommands_map_to_the_cores_commands_with_friendly_aliases() -> None:
    assert resolve("browse", KNOWN) == ("mentors", "")
    assert resolve("log met yesterday on zoom", KNOWN) == ("log", "met yesterday on zoom")
    assert resolve("", KNOWN) == ("start", "")
    assert resolve("HELP", KNOWN) == ("help", "")
    assert resolve("me", KNOWN) == ("profile", "")
    assert resolve("blursday now", KNOWN) == ("blursday", "now")  # the core answers it kindly


def test_dm_words_name_commands_but_sentences_stay_text() -> None:
    assert command_in_dm("help", KNOWN) == ("help", "")
    assert command_in_dm("log met yesterday", KNOWN) == ("log", "met yesterday")
    assert command_in_dm("/mentor browse", KNOWN) == ("mentors", "")
    assert command_in_dm("hi", KNOWN) == ("start", "")
    assert command_in_dm("hi, can you help me find a mentor?", KNOWN) is None
    assert command_in_dm("my CV is ready", KNOWN) is None


def test_commands_are_named_the_slack_way_without_touching_other_slashes() -> None:
    text = "Send /help, or /start again. Dates like 12/03 and and/or stay; so does /mentor."
    assert slack_commands(text) == (
        "Send `/mentor help`, or `/mentor start` again. Dates like 12/03 and and/or stay; so does /mentor."
    )


def _fields(n: int) -> list[FormFieldView]:
    return [FormFieldView(name=f"f{i}", kind="text", label=f"Question {i}") for i in range(n)]


def test_long_forms_come_in_even_pages_of_at_most_eight() -> None:
    view = FormView(form="f", title="A form", fields=_fields(15))
    first = blocks.next_page(view, [])
    assert len(first) == 8
    assert len(blocks.next_page(view, [f.name for f in first])) == 7
    short = FormView(form="f", title="A form", fields=_fields(8))
    assert len(blocks.next_page(short, [])) == 8
    modal = blocks.first_modal(short)
    assert modal["submit"]["text"] == "Save" and not any(b["type"] == "context" for b in modal["blocks"])


def test_a_choice_with_nothing_to_choose_is_left_out() -> None:
    empty = FormFieldView(name="topics", kind="multi", label="Topics", required=False, choices=[])
    view = FormView(form="f", title="A form", fields=[*_fields(2), empty])
    assert [f.name for f in blocks.next_page(view, [])] == ["f0", "f1"]


def test_block_kit_limits_are_kept() -> None:
    long_title = FormView(form="f", title="A very long title for a modal window", fields=_fields(1))
    assert len(blocks.first_modal(long_title)["title"]["text"]) <= 24
    many = [
        FormFieldView(name="pick", kind="choice", label="Pick", choices=[(str(i), f"Option {i}") for i in range(8)])
    ]
    element = blocks.first_modal(FormView(form="f", title="t", fields=many))["blocks"][0]["element"]
    assert element["type"] == "static_select"  # more than five: a menu, not radio buttons
    text = "\n".join(f"Line {i} " + "x" * 90 for i in range(80))
    sections = blocks.reply_blocks(Reply(text, buttons=[[Button("y" * 100, "help.show")]]))
    assert all(len(b["text"]["text"]) <= 3000 for b in sections if b["type"] == "section")
    assert sum(b["text"]["text"].count("Line ") for b in sections if b["type"] == "section") == 80
    assert len(sections[-1]["elements"][0]["text"]["text"]) <= 75


def test_errors_for_an_earlier_page_are_shown_on_this_one_naming_the_question() -> None:
    shown = blocks.field_errors(
        {"name": "This one is needed.", "age": "Please write a whole number."}, ["age"], {"name": "Your name"}
    )
    assert shown == {"age": "Please write a whole number. Your name: This one is needed."}


def test_slacks_refusals_become_what_the_outbox_understands() -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.slack_response import SlackResponse

    from bot.core.delivery import RetryLater, Undeliverable, Unreachable
    from bot.platforms.slack.client import translate

    def refused(code: str, status: int = 200, headers: dict[str, str] | None = None) -> SlackApiError:
        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url="https://slack.invalid/api/chat.postMessage",
            req_args={},
            data={"ok": False, "error": code},
            headers=headers or {},
            status_code=status,
        )
        return SlackApiError("refused", response)

    wait = translate(refused("ratelimited", 429, {"Retry-After": "7"}))
    assert isinstance(wait, RetryLater) and wait.seconds == 7
    assert isinstance(translate(refused("account_inactive")), Unreachable)
    assert isinstance(translate(refused("channel_not_found")), Undeliverable)  # a DM the bot is not in
    assert isinstance(translate(refused("invalid_blocks")), Undeliverable)
    assert isinstance(translate(refused("internal_error", 500)), SlackApiError)  # backed off and retried

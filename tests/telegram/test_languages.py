"""People read the bot in their own language on Telegram: the one their app reports at first contact, or the
one they choose with /language; the command menus follow, per language and per person."""

from __future__ import annotations

from tests.telegram.conftest import STAFF_MEMBER, TelegramWorld


def _menus(world: TelegramWorld, since: int = 0) -> list[dict]:
    return [c.params for c in world.fake.calls[since:] if c.method == "setMyCommands" and c.ok]


async def test_a_russian_app_gets_russian_answers_and_english_stays_the_default(world: TelegramWorld) -> None:
    olga = world.person(6101, "Olga")
    olga.user["language_code"] = "ru"
    assert "Вот что вы можете сделать" in await olga.say("/help")
    john = world.person(6102, "John")
    john.user["language_code"] = "de"  # not shipped: the programme's language
    assert "What you can do, John" in await john.say("/help")


async def test_language_chosen_by_command_and_button_outlasts_the_apps_language(world: TelegramWorld) -> None:
    aru = world.person(6103, "Aru")
    aru.user["language_code"] = "en"
    assert "I write to you in English" in await aru.say("/language")
    await aru.press("Русский")
    assert "Вот что вы можете сделать" in await aru.say("/help")
    aru.user["language_code"] = "fr"  # the app changes; the person's own choice stays
    assert "Вот что вы можете сделать" in await aru.say("/help")
    assert "I don't have 'klingon' yet" in await world.person(6104, "Ben").say("/language klingon")


async def test_menus_per_language_by_default_and_per_person_once_known(world: TelegramWorld) -> None:
    defaults = {m.get("language_code", ""): m for m in _menus(world) if m.get("scope", {}).get("type") == "default"}
    assert {"", "en", "ru", "kk", "fr"} <= set(defaults)
    described = {c["command"]: c["description"] for c in defaults["ru"]["commands"]}
    assert described["help"] != {c["command"]: c["description"] for c in defaults["en"]["commands"]}["help"]

    sam = world.person(STAFF_MEMBER, "Sam")  # the career team's member, in their private chat
    mark = len(world.fake.calls)
    await sam.say("/help")
    mine = [m for m in _menus(world, mark) if m.get("scope", {}).get("chat_id") == STAFF_MEMBER]
    assert mine and "pending" in {c["command"] for c in mine[-1]["commands"]}
    mark = len(world.fake.calls)
    await sam.say("/help")
    assert not _menus(world, mark)  # nothing changed: not sent again
    await sam.say("/language ru")
    mine = [m for m in _menus(world, mark) if m.get("scope", {}).get("chat_id") == STAFF_MEMBER]
    assert mine, "a new language sends the person's menu again"
    described = {c["command"]: c["description"] for c in mine[-1]["commands"]}
    assert described["help"] == {c["command"]: c["description"] for c in defaults["ru"]["commands"]}["help"]


async def test_a_newcomer_already_has_the_default_menu_of_their_apps_language(world: TelegramWorld) -> None:
    def own_menu(person_id: int, since: int) -> list[dict]:
        return [m for m in _menus(world, since) if m.get("scope", {}).get("chat_id") == person_id]

    olga = world.person(6105, "Olga")
    olga.user["language_code"] = "ru"
    mark = len(world.fake.calls)
    assert "Вот что вы можете сделать" in await olga.say("/help")
    assert not own_menu(6105, mark), "the published Russian default already fits: no call per newcomer"
    await olga.say("/language fr")
    mine = own_menu(6105, mark)
    assert mine, "a language other than the app's needs the chat's own menu"
    french = {m.get("language_code", ""): m for m in _menus(world) if m.get("scope", {}).get("type") == "default"}
    assert mine[-1]["commands"] == french["fr"]["commands"]
    mark = len(world.fake.calls)
    await olga.say("/language ru")  # back to what the default shows: the chat's own menu must follow, not linger
    assert own_menu(6105, mark)[-1]["commands"] == french["ru"]["commands"]

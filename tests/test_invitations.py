"""Inviting a cohort from a CSV: every row checked before anything is written, all the invitations or none,
e-mail through a real SMTP server on 127.0.0.1 (or the texts to staff without one), and the link that starts
a person's profile from the file."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select

from bot.app import create_core
from bot.config import load_settings
from bot.core.app import Core
from bot.core.clock import ManualClock
from bot.core.events import Event as CoreEvent
from bot.core.events import IncomingFile
from bot.logs import SecretsHidden
from bot.services import audit, invitations, privacy
from storage.models import AuditEntry, FormProgress, Identity, Invitation, User
from tests.ports import free_port
from tests.support import Harness, Person

PASSWORD = "smtp-Pa55word-never-logged"
GOOD = (
    "name,email,handle,role,programme of study,year\n"
    "Alex Kim,alex.kim@example.edu,,student,BA Economics,2\n"
    "Dana Lee,dana@example.edu,,student,BSc Biology,1\n"
    "Olzhas Nurpeisov,olzhas@example.org,@olzhas_n,alumnus,BSc Computer Science,2016\n"
)


def csv_file(text: str, name: str = "cohort.csv") -> IncomingFile:
    content = text.encode()
    return IncomingFile(name, content, len(content))


async def send_file(person: Person, file: IncomingFile, words: str = "") -> str:
    await person.send(CoreEvent(actor=person.actor, kind="file", text=words, file=file))
    return person.text


async def count(core: Core, model: Any) -> int:
    async with core.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def all_invitations(core: Core) -> list[Invitation]:
    async with core.sessions() as session:
        return list(await session.scalars(select(Invitation).order_by(Invitation.id)))


# --- who may import -----------------------------------------------------------------------------------


async def test_import_explains_the_columns_with_an_example(harness: Harness) -> None:
    sam = harness.person("sam")
    text = await sam.say("/import")
    assert "name" in text and "email" in text and "handle" in text and "programme of study" in text
    assert "Aigerim Sadykova,aigerim@example.edu" in text
    assert "/import cohort.csv" in text  # the terminal's way


async def test_someone_not_on_the_career_team_can_neither_ask_nor_send_a_file(harness: Harness) -> None:
    alex = harness.person("alex")
    assert "career team only" in await alex.say("/import")
    assert "career team only" in await alex.say("/invitations")
    assert "only read text" in await send_file(alex, csv_file(GOOD))
    assert await count(harness.core, Invitation) == 0
    assert await count(harness.core, FormProgress) == 0


# --- checking every row --------------------------------------------------------------------------------


async def test_every_kind_of_bad_row_is_listed_and_nothing_is_written(harness: Harness, clock: ManualClock) -> None:
    core = harness.core
    async with core.sessions() as session, session.begin():
        session.add(
            Invitation(token="x" * 32, role="student", name="Old", email="old@example.edu", created_at=clock.now())
        )
        member = User(name="Mira Member", role="student", contact_details="mira@example.edu", created_at=clock.now())
        session.add(member)
        await session.flush()
        session.add(
            Identity(
                user_id=member.id, platform="telegram", external_id="55", username="mira_t", created_at=clock.now()
            )
        )
    sam = harness.person("sam")
    text = await send_file(
        sam,
        csv_file(
            "name,email,handle,role,programme of study,year\n"
            "Alex Kim,alex@example.edu,,student,BA Economics,2\n"  # line 2: fine
            ",nobody@example.edu,,student,BA Economics,2\n"  # 3: no name
            "Bad Mail,not-an-address,,student,BA Economics,2\n"  # 4
            "Who Knows,who@example.edu,,professor,BA Economics,2\n"  # 5
            "Too Late,late@example.edu,,student,BA Economics,12\n"  # 6
            "Alex Again,ALEX@example.edu,,student,BA Economics,3\n"  # 7: line 2's address
            "Old Friend,old@example.edu,,student,BA Economics,2\n"  # 8: invited already
            "Mira Again,mira@example.edu,,student,BA Economics,2\n"  # 9: a member
            "Mira Handle,,@mira_t,student,BA Economics,2\n"  # 10: a member's handle
            "No Address,,,student,BA Economics,2\n"  # 11
            "Old Grad,grad@example.edu,,alumnus,BSc Physics,1900\n"  # 12
            "No Role,norole@example.edu,,,BSc Physics,2\n"  # 13
        ),
    )
    assert "11 rows need fixing, so nothing was saved" in text
    expected = {
        3: "the name is missing",
        4: "'not-an-address' is not an e-mail address",
        5: "the role 'professor' is unknown",
        6: "the year '12' is out of range (1 to 8)",
        7: "the same e-mail address or handle is on line 2 already",
        8: "already invited",
        9: "already in the programme",
        10: "already in the programme",
        11: "neither an e-mail address nor a handle",
        12: "the year '1900' is out of range (1950 to",
        13: "the role is missing",
    }
    for line, words in expected.items():
        assert re.search(rf"Line {line}\b.*{re.escape(words)}", text), (line, text)
    assert "Line 2" not in text
    assert await count(core, Invitation) == 1  # only the one there before
    assert await count(core, FormProgress) == 0  # nothing waits to be confirmed
    assert await count(core, AuditEntry) == 0


@pytest.mark.parametrize(
    ("file", "words"),
    [
        (IncomingFile("big.csv", b"", 5 * 1024 * 1024), "over 1 MB"),
        (IncomingFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 20), "couldn't read"),
        (csv_file("first,last\nAlex,Kim\n"), "couldn't find a name column"),
        (csv_file("name,role\nAlex,student\n"), "email or handle column"),
        (csv_file("name,email\n"), "nobody in it"),
    ],
)
async def test_a_file_that_cannot_be_read_is_refused_kindly(harness: Harness, file: IncomingFile, words: str) -> None:
    text = await send_file(harness.person("sam"), file)
    assert words in text and "Nothing was saved" in text
    assert await count(harness.core, Invitation) == 0


async def test_the_role_can_come_with_the_file_and_semicolons_separate_too(harness: Harness) -> None:
    text = await send_file(
        harness.person("sam"),
        csv_file("Name;E-mail;Programme;Graduation year\nOlzhas N;olzhas@example.org;BSc CS;2016\n"),
        "alumni",
    )
    assert "Every row is fine" in text and "0 students and 1 alumnus: Olzhas N" in text


# --- preview and confirm --------------------------------------------------------------------------------


async def test_confirm_without_smtp_saves_all_and_gives_staff_the_texts(harness: Harness) -> None:
    core = harness.core
    sam = harness.person("sam")
    text = await send_file(sam, csv_file(GOOD))
    assert "2 students and 1 alumnus: Alex Kim, Dana Lee, Olzhas Nurpeisov" in text
    assert "No e-mail server is set up" in text
    assert await count(core, Invitation) == 0  # not before Confirm
    text = await sam.press("Confirm")
    assert "3 invitations saved (2 students, 1 alumni)" in text
    found = await all_invitations(core)
    assert [i.name for i in found] == ["Alex Kim", "Dana Lee", "Olzhas Nurpeisov"]
    assert len({i.token for i in found}) == 3 and all(len(i.token) >= 32 for i in found)
    assert all(i.sent_at is not None for i in found)  # the texts are in the staff member's hands
    attachment = sam.last[-1].attachment
    assert attachment is not None and attachment.filename == "invitations.csv"
    table = list(csv.DictReader(io.StringIO(attachment.content.decode("utf-8-sig"))))
    assert [r["name"] for r in table] == ["Alex Kim", "Dana Lee", "Olzhas Nurpeisov"]
    assert table[0]["link"] == f"/start inv_{found[0].token}"  # no chat platform configured: the words to send
    assert f"/start inv_{found[0].token}" in table[0]["text"] and "Hello Alex," in table[0]["text"]
    async with core.sessions() as session:
        lines = await audit.recent(session)
    assert [line.words() for line in lines] == ["invited 2 students, 1 alumni"]
    assert "3 in all; 3 sent, 0 accepted, 3 waiting" in await sam.say("/invitations")


async def test_declining_or_cancelling_the_preview_writes_nothing(harness: Harness) -> None:
    sam = harness.person("sam")
    await send_file(sam, csv_file(GOOD))
    assert "Nothing was imported" in await sam.press("Don't invite")
    await send_file(sam, csv_file(GOOD))
    assert "Nothing was imported" in await sam.press("Cancel")
    assert await count(harness.core, Invitation) == 0
    assert await count(harness.core, AuditEntry) == 0


async def test_confirm_is_all_or_nothing(harness: Harness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    core = harness.core
    sam = harness.person("sam")
    await send_file(sam, csv_file(GOOD))
    # Between the preview and Confirm, one of them was invited by someone else: none of the three is.
    async with core.sessions() as session, session.begin():
        session.add(
            Invitation(token="y" * 32, role="student", name="Dana", email="DANA@example.edu", created_at=clock.now())
        )
    text = await sam.press("Confirm")
    assert "1 row needs fixing, so nothing was saved" in text and "Line 3" in text and "already invited" in text
    assert [i.name for i in await all_invitations(core)] == ["Dana"]

    # A failure part-way through the confirming transaction leaves no invitation either.
    async with core.sessions() as session, session.begin():
        await session.execute(Invitation.__table__.delete())

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", broken)
    await send_file(sam, csv_file(GOOD))
    text = await sam.press("Confirm")
    assert "nothing was changed" in text
    assert await count(core, Invitation) == 0


async def test_staff_rights_are_checked_again_on_confirm(harness: Harness) -> None:
    core = harness.core
    kim = harness.person("kim")  # added to the team in the chat, then removed while the preview waits
    await kim.say("/help")

    async def staff(member: bool) -> None:
        async with core.sessions() as session, session.begin():
            user = await session.scalar(select(User).join(Identity).where(Identity.external_id == "kim"))
            assert user is not None
            user.is_staff, user.staff_source = member, "chat" if member else None

    await staff(True)
    assert "Every row is fine" in await send_file(kim, csv_file(GOOD))
    await staff(False)
    assert "career team only" in await kim.press("Confirm")
    assert await count(core, Invitation) == 0


# --- e-mail through a real SMTP server ---------------------------------------------------------------


class Mailbox:
    """aiosmtpd's handler: keeps every message; refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            if data.login == b"careers" and data.password == PASSWORD.encode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=box.authenticate, auth_require_tls=False
    )
    controller.start()
    yield box, port
    controller.stop()


async def mail_core(database_url: str, clock: ManualClock, port: int, password: str = PASSWORD) -> Core:
    settings = load_settings(
        database_url=database_url,
        staff_ids="console:sam",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_user="careers",
        smtp_password=password,
        smtp_from="Career Office <careers@example.edu>",
        smtp_starttls=False,
        telegram_bot_token="123456:TEST-token",
        telegram_bot_username="mentor_test_bot",
        _env_file=None,
    )
    return await create_core(settings, clock, migrate=False)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services import mail

    monkeypatch.setattr(mail, "PAUSE", 0.01)


async def test_each_invitation_is_mailed_with_its_link_and_no_secret(
    database_url: str, clock: ManualClock, smtp: tuple[Mailbox, int], quick_retries: None
) -> None:
    box, port = smtp
    core = await mail_core(database_url, clock, port)
    try:
        harness = Harness(core)
        sam = harness.person("sam")
        assert "gets the invitation by e-mail" in await send_file(sam, csv_file(GOOD))
        text = await sam.press("Confirm")
        assert "3 e-mails are on their way" in text
        await invitations.settle()
        await core.delivery.flush()
        found = {i.email: i for i in await all_invitations(core)}
        assert sorted(m["To"] for m in box.messages) == sorted(found)
        for message in box.messages:
            invitation = found[message["To"]]
            link = f"https://t.me/mentor_test_bot?start=inv_{invitation.token}"
            plain = message.get_body(("plain",))
            html = message.get_body(("html",))
            assert plain is not None and html is not None
            assert link in plain.get_content() and f'href="{link}"' in html.get_content()
            assert "university" in message["Subject"].lower() or core.programme.title in message["Subject"]
            assert core.programme.office_opening in plain.get_content()
            assert PASSWORD not in message.as_string()
            assert invitation.sent_at is not None
        assert box.logins == [("careers", PASSWORD)] * 3
        assert "3 invitation e-mails went." in sam.inbox_text()
    finally:
        await core.close()


async def test_staff_hear_which_e_mails_failed_and_can_send_them_again(
    database_url: str, clock: ManualClock, smtp: tuple[Mailbox, int], quick_retries: None
) -> None:
    box, port = smtp
    box.refuse.add("dana@example.edu")
    core = await mail_core(database_url, clock, port)
    try:
        harness = Harness(core)
        sam = harness.person("sam")
        await send_file(sam, csv_file(GOOD))
        await sam.press("Confirm")
        await invitations.settle()
        await core.delivery.flush()
        assert "2 invitation e-mails went." in sam.inbox_text()
        assert "1 could not be sent:" in sam.inbox_text() and "Dana Lee (dana@example.edu)" in sam.inbox_text()
        sent = {i.email: i.sent_at for i in await all_invitations(core)}
        assert sent["dana@example.edu"] is None and sent["alex.kim@example.edu"] is not None
        assert "1 e-mail has not gone yet" in await sam.say("/invitations")
        box.refuse.clear()
        assert "Trying 1 e-mail again" in await sam.press("Send them again")
        await invitations.settle()
        await core.delivery.flush()
        assert [m["To"] for m in box.messages].count("dana@example.edu") == 1
        assert [m["To"] for m in box.messages].count("alex.kim@example.edu") == 1  # nobody mailed twice
        assert "3 in all; 3 sent" in await sam.say("/invitations")
    finally:
        await core.close()


async def test_the_smtp_password_never_reaches_the_log(
    database_url: str, clock: ManualClock, smtp: tuple[Mailbox, int], quick_retries: None
) -> None:
    _box, port = smtp
    core = await mail_core(database_url, clock, port, password=PASSWORD + "-wrong")
    plain, hidden = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(plain), logging.StreamHandler(hidden)]
    handlers[1].setFormatter(SecretsHidden(core.settings.secret_values()))
    root = logging.getLogger()
    old = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        assert PASSWORD + "-wrong" in core.settings.secret_values()
        sam = Harness(core).person("sam")
        await send_file(sam, csv_file(GOOD))
        await sam.press("Confirm")
        await invitations.settle()
        await core.delivery.flush()
        assert "3 could not be sent" in sam.inbox_text()  # the login was refused
        logging.getLogger("mentorbot.test").error("login with %s failed", PASSWORD + "-wrong")
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(old)
        await core.close()
    written = plain.getvalue()
    assert "could not be e-mailed" in written  # the failures are logged...
    assert written.count(PASSWORD) == 1  # ...never with the password (only the line this test wrote)
    assert PASSWORD not in hidden.getvalue()  # and the bot's formatter hides even that one


# --- the link ----------------------------------------------------------------------------------------------


async def invited(harness: Harness) -> list[Invitation]:
    sam = harness.person("sam")
    await send_file(sam, csv_file(GOOD))
    await sam.press("Confirm")
    return await all_invitations(harness.core)


async def test_the_link_starts_the_profile_from_the_file_once(harness: Harness) -> None:
    core = harness.core
    alex_invitation = (await invited(harness))[0]
    newcomer = harness.person("newcomer")
    text = await newcomer.say(f"/start inv_{alex_invitation.token}")
    assert "Welcome, Alex!" in text and "Your student profile" in text
    assert "Now: Alex Kim" in text  # the name from the file, to keep or change
    await newcomer.press("Keep")
    assert "Now: BA Economics" in newcomer.text
    await newcomer.say("BSc Economics and Maths")  # changed
    assert "Now: 2" in newcomer.text
    async with core.sessions() as session:
        row = await session.get(Invitation, alex_invitation.id)
        user = await session.scalar(select(User).join(Identity).where(Identity.external_id == "newcomer"))
        progress = await session.get(FormProgress, user.id if user else 0)
    assert row is not None and user is not None and progress is not None
    assert row.accepted_by == user.id and row.accepted_at is not None
    assert user.role == "student"
    assert progress.answers["programme_of_study"] == "BSc Economics and Maths"
    # Opened again by the same person: where they are, not an error.
    assert "carry on" in (await newcomer.say(f"/start inv_{alex_invitation.token}")).lower()

    # Someone else with the same link: a kind sentence, and the usual start; nothing changes.
    other = harness.person("other")
    text = await other.say(f"/start inv_{alex_invitation.token}")
    assert "has been used already" in text and "Which are you?" in text
    async with core.sessions() as session:
        again = await session.get(Invitation, alex_invitation.id)
    assert again is not None and again.accepted_by == user.id
    assert "1 accepted, 2 waiting" in await harness.person("sam").say("/invitations")


async def test_an_unknown_link_gets_the_usual_start(harness: Harness) -> None:
    text = await harness.person("someone").say("/start inv_doesnotexist1234567890")
    assert "don't recognise that invitation" in text and "Which are you?" in text
    text = await harness.person("someone2").say("/start inv_<b>")
    assert "don't recognise that invitation" in text


async def test_an_alumnus_link_starts_the_mentor_profile_with_the_graduation_year(harness: Harness) -> None:
    olzhas = (await invited(harness))[2]
    person = harness.person("olzhas")
    text = await person.say(f"/start inv_{olzhas.token}")
    assert "Your mentor profile" in text and "Now: Olzhas Nurpeisov" in text
    await person.press("Keep")
    await person.press("Keep")
    assert "Now: 2016" in person.text


async def test_the_data_copy_has_the_invitation(harness: Harness, clock: ManualClock) -> None:
    alex_invitation = (await invited(harness))[0]
    await harness.person("newcomer").say(f"/start inv_{alex_invitation.token}")
    async with harness.core.sessions() as session:
        user = await session.scalar(select(User).join(Identity).where(Identity.external_id == "newcomer"))
        sam = await session.scalar(select(User).join(Identity).where(Identity.external_id == "sam"))
        assert user is not None and sam is not None
        mine = await privacy.export(session, user, clock.now())
        staff = await privacy.export(session, sam, clock.now())
    assert mine["invitations"]["invited_as"][0]["email"] == "alex.kim@example.edu"
    assert staff["invitations"] == {"invited_as": [], "invitations_made": 3}

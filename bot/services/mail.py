"""Sending e-mail through the SMTP server the settings name (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD,
SMTP_FROM, SMTP_STARTTLS).

A message has a plain-text part and an HTML part. It is sent with the standard library's smtplib in a worker
thread, so the bot keeps answering meanwhile; a failure that may pass (the server unreachable, a 4xx answer)
is tried again after a pause, one the server will repeat (a refused address, a refused login) is not. The
password is handed to the server when logging in and appears nowhere else: not in a log line, not in the
reason a failure gives.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from bot.config import Settings

TRIES = 3
PAUSE = 5.0  # seconds before the second try; doubled before each later one
TIMEOUT = 30.0

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


class MailFailed(Exception):
    """The message could not be sent; the text says why in a few words (never a setting's value)."""


def message(settings: Settings, mail: Mail) -> EmailMessage:
    """The message as it goes out: From, To, Subject, a plain-text part and its HTML alternative."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from or ""
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=(settings.smtp_from or "mentorbot").rpartition("@")[2].strip("> ") or None)
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


def _deliver(settings: Settings, msg: EmailMessage) -> None:
    """One attempt, blocking: connect, upgrade to TLS when asked, log in when a user is set, send."""
    host, port = settings.smtp_host or "", settings.smtp_port
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if port == 465:
        smtp = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with smtp:
        if port != 465 and settings.smtp_starttls:
            smtp.starttls(context=context)
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        smtp.send_message(msg)


def _lasting(exc: Exception) -> bool:
    """A failure the server will give again: a refused address or sender, a refused login, a 5xx answer."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _reason(exc: Exception) -> str:
    """A few words about what went wrong, without the server's text (it may quote what we sent)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the address was refused"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the mail server refused the login"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return "the mail server refused the sender"
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int):
        return f"the mail server answered {code}"
    if isinstance(exc, OSError | smtplib.SMTPException):
        return "the mail server could not be reached"
    return type(exc).__name__


async def send(
    settings: Settings, mail: Mail, *, tries: int = TRIES, pause: float = PAUSE, sleep: Sleep = asyncio.sleep
) -> None:
    """Send `mail`, trying again after a pause when the failure may pass; MailFailed when it could not go."""
    msg = message(settings, mail)
    wait = pause
    for attempt in range(1, max(1, tries) + 1):
        try:
            await asyncio.to_thread(_deliver, settings, msg)
            return
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            if _lasting(exc) or attempt >= tries:
                raise MailFailed(_reason(exc)) from None
        await sleep(wait)
        wait *= 2

"""What the core says: replies with text, buttons, an optional form and an optional file."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any

# Telegram's callback_data is 1-64 bytes; every platform gets payloads that fit it.
MAX_CALLBACK_BYTES = 64
SEPARATOR = "|"


@dataclass(frozen=True)
class Button:
    label: str  # plain text, not markup
    action: str  # a registered action name, e.g. "req.accept"
    payload: str = ""  # a tiny id; the server re-authorises everything it refers to
    style: str = ""  # "" | "primary" | "danger" (Slack shows it; others ignore it)
    # Whom the button is about ("Alex"): named in its label when one message carries news about several
    # things, so that every button's subject stays plain (bot.core.notices.combine).
    about: str = ""

    def __post_init__(self) -> None:
        if SEPARATOR in self.action:
            raise ValueError(f"action {self.action!r} contains {SEPARATOR!r}")
        if len(self.data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"button data {self.data!r} is over {MAX_CALLBACK_BYTES} bytes")

    @property
    def data(self) -> str:
        """The compact form every platform carries back to us: 'action|payload'."""
        return f"{self.action}{SEPARATOR}{self.payload}"

    def to_dict(self) -> dict[str, str]:
        """Its fields as they are (all text): a scheduler's batch writes thousands, where `asdict`'s deep
        copy of each one costs more than the rest of the outbox row. A frozen button's attributes are its
        fields and nothing else, so its own dictionary, copied in one step, is that."""
        return dict(self.__dict__)

    def about_whom(self, about: str) -> Button:
        """This button, naming whom it is about. Only the subject changes, which the checks on creation do
        not look at: a scheduler's batch names thousands, where `dataclasses.replace` would run them again."""
        named = object.__new__(Button)
        named.__dict__.update(self.__dict__)
        named.__dict__["about"] = about
        return named

    @staticmethod
    def parse(data: str) -> tuple[str, str]:
        action, _, payload = data.partition(SEPARATOR)
        return action, payload


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class FormFieldView:
    """A form field as a platform that shows whole forms (Slack modals) needs it."""

    name: str
    kind: str
    label: str
    help: str = ""
    required: bool = True
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    initial: Any = None
    multiline: bool = False


@dataclass(frozen=True)
class FormView:
    form: str
    title: str
    fields: list[FormFieldView]
    submit_label: str = "Save"


@dataclass
class Reply:
    text: str = ""  # markup subset (see bot.core.markup)
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the message the pressed button was on, instead of a new message
    form: FormView | None = None  # platforms with modals open it; others walk the text steps
    attachment: Attachment | None = None
    errors: dict[str, str] | None = None  # a whole-form submission refused, field by field
    expects_text: bool = False  # the next message the person types is the answer (a form's text question)

    def to_dict(self) -> dict[str, Any]:
        """For the outbox: everything but a refused submission's errors, which only ever answer at once."""
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [[button.to_dict() for button in row] for row in self.buttons],
        }
        if self.edit:
            data["edit"] = True
        if self.expects_text:
            data["expects_text"] = True
        if self.form is not None:
            data["form"] = asdict(self.form)
        if self.attachment is not None:
            data["attachment"] = _attachment_to_dict(self.attachment)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        file = data.get("attachment")
        form = data.get("form")
        return cls(
            text=data.get("text", ""),
            buttons=[[Button(**button) for button in row] for row in data.get("buttons", [])],
            edit=bool(data.get("edit")),
            expects_text=bool(data.get("expects_text")),
            form=_form_from_dict(form) if form else None,
            attachment=_attachment_from_dict(file) if file else None,
        )


def _form_from_dict(data: dict[str, Any]) -> FormView:
    fields = [
        FormFieldView(**{**field, "choices": [tuple(choice) for choice in field.get("choices", [])]})
        for field in data.get("fields", [])
    ]
    return FormView(data["form"], data["title"], fields, data.get("submit_label", "Save"))


# A queued file lives in the outbox row as base64 JSON: fine for a certificate or a staff export (every
# answer travels through the outbox), not for a photo album. Telegram takes documents up to 50 MB.
MAX_QUEUED_FILE_BYTES = 20 * 1024 * 1024


def _attachment_to_dict(attachment: Attachment) -> dict[str, str]:
    if len(attachment.content) > MAX_QUEUED_FILE_BYTES:
        raise ValueError(f"file {attachment.filename!r} is too large to queue ({len(attachment.content)} bytes)")
    content = base64.b64encode(attachment.content).decode("ascii")
    return {"filename": attachment.filename, "mime": attachment.mime, "content": content}


def _attachment_from_dict(data: dict[str, str]) -> Attachment:
    return Attachment(data["filename"], base64.b64decode(data["content"]), data.get("mime", "application/octet-stream"))


def rows(buttons: list[Button], per_row: int = 3) -> list[list[Button]]:
    """Lay buttons out at most three to a row (UX.md)."""
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]

"""The programme's own questions as form fields (the agreement's, the surveys'), and how an answer reads.

A question of the definition is text, a rating from 1 to 5, yes or no, or one of its choices; the form
stores a text or a choice as the words given, a rating as "1" to "5" and yes or no as True or False.
"""

from __future__ import annotations

from typing import Any

from bot.core.forms import Choice, Field
from bot.i18n import _
from bot.programme import Question, SurveyQuestion

RATINGS = [Choice(str(n), str(n)) for n in range(1, 6)]


def question_field(question: Question | SurveyQuestion, *, name: str = "", max_length: int = 1000) -> Field:
    """The form field asking `question` (named `name`, by default the question's key)."""
    choices: list[Choice] | None = None
    if question.kind == "rating":
        choices = RATINGS
    elif isinstance(question, Question) and question.kind == "choice":
        choices = [Choice(choice, choice) for choice in question.choices]
    kind = "choice" if question.kind in ("rating", "choice") else question.kind
    return Field(
        name or question.key,
        kind,  # type: ignore[arg-type]
        question.prompt,
        help=question.help if isinstance(question, Question) else "",
        choices=choices,
        required=question.required,
        multiline=question.kind == "text",
        max_length=max_length,
    )


def answer_text(question: Question | SurveyQuestion, value: Any) -> str:
    """An answer as a person reads it back (plain text, to be escaped where it is shown)."""
    if value is None or value == "":
        return ""
    if question.kind == "yes_no":
        return _("Yes") if value is True else _("No")
    if question.kind == "rating":
        return _("{n} of 5").format(n=value)
    return str(value)

"""Charts for the career team and whoever they report to: the programme's numbers on one page (/stats) and
the surveys' scores (/surveys), as PNG images.

Pure drawing: figures in, PNG bytes out; no database, no clock. The texts come from the catalogue, the
numbers from bot.services.staff and bot.services.reports_export, which decide what may be shown (a survey
average only once enough people answered). matplotlib draws with its own Agg canvas (no window, no
global state shared between threads) and its DejaVu Sans font, which has Cyrillic and Kazakh letters.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.i18n import _, ngettext
from bot.services.reports_export import MIN_ANSWERS, SideSummary
from bot.services.staff import Stats

# One page, landscape: 13.3 × 9 inches at 120 dpi is 1600 × 1080 pixels, readable on a phone in full.
PAGE = (13.3, 9.0)
DPI = 120
MENTOR_COLOUR = "#1f5fa8"
STUDENT_COLOUR = "#e0861a"
QUIET_COLOUR = "#c0392b"
MUTED = "#555555"
SIDES = {"mentee": STUDENT_COLOUR, "mentor": MENTOR_COLOUR}
LABEL_WIDTH = 34  # characters per line of a bar's label
MAX_LABEL_LINES = 2


@dataclass(frozen=True)
class Heading:
    """What the page says it is: the programme's title, what the chart shows, and the day it was drawn."""

    programme: str
    subject: str
    day: dt.date

    def text(self) -> str:
        return f"{self.programme} · {self.subject} · {self.day:%d %B %Y}"


def stats_png(stats: Stats, heading: Heading) -> bytes:
    """Four panels: people by role and state; mentorships active and quiet this month; contacts logged per
    month of the cycle; the end-of-cycle survey's average scores."""
    figure = Figure(figsize=PAGE, dpi=DPI, layout="constrained")
    figure.suptitle(heading.text(), fontsize=15, fontweight="bold")
    people, pairs, contacts, scores = figure.subplots(2, 2).flat
    _people(people, stats)
    _pairs(pairs, stats)
    _contacts(contacts, stats)
    _scores(scores, stats)
    return _png(figure)


def survey_png(title: str, sides: Sequence[SideSummary], heading: Heading) -> bytes | None:
    """A bar group per rating question, one bar per side with its average out of 5 and how many answered;
    None when no rating question has enough answers to show."""
    rows: list[tuple[str, str, float, int]] = []  # (question, side, average, answers)
    prompts: list[str] = []
    for side in sides:
        for summary in side.questions:
            if summary.question.kind != "rating" or summary.average is None:
                continue
            prompt = _(summary.question.prompt)
            if prompt not in prompts:
                prompts.append(prompt)
            rows.append((prompt, side.role, summary.average, summary.answered))
    if not rows:
        return None
    height = min(14.0, 2.4 + 0.9 * len(prompts) * max(1, len({row[1] for row in rows})))
    figure = Figure(figsize=(PAGE[0], height), dpi=DPI, layout="constrained")
    figure.suptitle(heading.text(), fontsize=15, fontweight="bold")
    axes = figure.subplots()
    axes.set_title(title, fontsize=13, loc="left")
    labels, values, colours, notes = [], [], [], []
    for prompt in prompts:
        for wanted in ("mentee", "mentor"):
            for question, role, average, answers in rows:
                if question == prompt and role == wanted:
                    labels.append(_label(f"{_side_name(role)}: {prompt}", width=48, lines=3))
                    values.append(average)
                    colours.append(SIDES[role])
                    notes.append(f"{average:g}/5 · " + _answers(answers))
    _bars(axes, labels, values, colours, notes, limit=5.0)
    axes.set_xlabel(_("average score (1 = not at all, 5 = very)"))
    figure.text(
        0.99,
        0.005,
        _("Scores appear once {n} people have answered.").format(n=MIN_ANSWERS),
        ha="right",
        va="bottom",
        fontsize=9,
        color=MUTED,
    )
    return _png(figure)


# --- the four panels of /stats --------------------------------------------------------------------------


def _people(axes: Axes, stats: Stats) -> None:
    mentor_words = {
        "approved": _("taking students"),
        "paused": _("paused"),
        "awaiting_approval": _("awaiting approval"),
        "waiting": _("waiting list"),
        "rejected": _("not approved"),
    }
    student_words = {
        "in_mentorship": _("in a mentorship"),
        "agreeing": _("agreeing terms"),
        "looking": _("looking for a mentor"),
    }
    labels, values, colours = [], [], []
    for state, count in stats.mentors_by_state.items():
        labels.append(_("Mentors: {state}").format(state=mentor_words.get(state, state)))
        values.append(count)
        colours.append(MENTOR_COLOUR)
    for state in student_words:
        labels.append(_("Students: {state}").format(state=student_words[state]))
        values.append(stats.students_by_state.get(state, 0))
        colours.append(STUDENT_COLOUR)
    axes.set_title(_("People by role and state"), fontsize=13, loc="left")
    _bars(axes, labels, values, colours, [str(v) for v in values])
    if not any(values):
        _note(axes, _("Nobody has signed up yet."))


def _pairs(axes: Axes, stats: Stats) -> None:
    active = stats.active_pairs
    quiet = min(stats.quiet_pairs, active)
    labels = [
        _("Active, in touch this month"),
        _("Active, no contact yet this month"),
        _("Agreeing terms"),
        _("Ended"),
    ]
    values = [active - quiet, quiet, stats.pairs_by_status.get("agreeing", 0), stats.pairs_by_status.get("ended", 0)]
    colours = [MENTOR_COLOUR, QUIET_COLOUR, "#7f9fc6", "#b0b0b0"]
    axes.set_title(_("Mentorships this month ({n} active)").format(n=active), fontsize=13, loc="left")
    _bars(axes, labels, values, colours, [str(v) for v in values])
    share = stats.answered_in_week_share
    caption = (
        _("Requests answered within a week this cycle:\n{share}% ({yes} of {n})").format(
            share=share, yes=stats.requests_answered_in_week, n=stats.requests_due
        )
        if share is not None
        else _("Requests answered within a week:\nnone due yet this cycle")
    )
    axes.set_xlabel(caption, fontsize=11)


def _contacts(axes: Axes, stats: Stats) -> None:
    months = stats.contacts_by_month
    period = stats.period.label() if stats.period is not None else ""
    axes.set_title(_("Contacts logged per month, {period}").format(period=period), fontsize=13, loc="left")
    names = [f"{month:%b}" for month, _count in months]
    counts = [count for _month, count in months]
    positions = list(range(len(months)))
    bars = axes.bar(positions, counts, color=MENTOR_COLOUR, width=0.6)
    axes.set_xticks(positions, names, fontsize=11)
    axes.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontsize=11)
    axes.set_ylim(0, max([*counts, 1]) * 1.2)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _plain(axes, keep="left")
    if not any(counts):
        _note(axes, _("No contacts logged yet this cycle."))


def _scores(axes: Axes, stats: Stats) -> None:
    axes.set_title(_("End-of-mentorship survey: average scores"), fontsize=13, loc="left")
    shown = [a for a in stats.survey_averages if a.average is not None]
    if not shown:
        axes.set_axis_off()
        answered = ", ".join(f"{_side_name(role)}: {_answers(n)}" for role, n in stats.survey_answers.items())
        _note(
            axes,
            _("Scores appear once {n} people have answered.").format(n=MIN_ANSWERS)
            + ("\n" + answered if answered else ""),
        )
        return
    labels = [_label(f"{_side_name(a.role)}: {_(a.prompt)}") for a in shown]
    values = [float(a.average or 0) for a in shown]
    notes = [f"{a.average:g}/5 · " + _answers(a.answers) for a in shown]
    _bars(axes, labels, values, [SIDES.get(a.role, MUTED) for a in shown], notes, limit=5.0)
    waiting = sorted({a.role for a in stats.survey_averages if a.average is None}, reverse=True)
    caption = _("average out of 5")
    if waiting:
        caption += "\n" + _("{sides}: scores appear once {n} people have answered").format(
            sides=", ".join(_side_name(role) for role in waiting), n=MIN_ANSWERS
        )
    axes.set_xlabel(caption, fontsize=11)


# --- drawing helpers ------------------------------------------------------------------------------------


def _bars(
    axes: Axes,
    labels: list[str],
    values: Sequence[float],
    colours: list[str],
    notes: list[str],
    *,
    limit: float | None = None,
) -> None:
    """Horizontal bars, the first at the top, each with its number written at its end."""
    positions = list(range(len(labels)))[::-1]
    bars = axes.barh(positions, values, color=colours, height=0.65)
    top_edge = len(labels) - 0.4
    axes.set_ylim(top_edge - max(len(labels), 4), top_edge)  # a few bars stay as thin as many, at the top
    axes.set_yticks(positions, labels, fontsize=10.5)
    axes.bar_label(bars, labels=notes, padding=4, fontsize=10.5)
    top = limit if limit is not None else max([*values, 1])
    axes.set_xlim(0, top * 1.3 if limit is None else top * 1.35)
    if limit is not None:
        axes.set_xticks([1, 2, 3, 4, 5])
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _plain(axes, keep="bottom")


def _plain(axes: Axes, *, keep: str) -> None:
    for side in ("top", "right", "left", "bottom"):
        if side != keep:
            axes.spines[side].set_visible(False)
    axes.tick_params(length=0, axis="y" if keep == "bottom" else "x")


def _note(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=12, color=MUTED)


def _label(text: str, *, width: int = LABEL_WIDTH, lines: int = MAX_LABEL_LINES) -> str:
    """A bar's label in at most `lines` lines of `width` characters, the end shortened when longer."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        rest = textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…")
        wrapped = [*wrapped[: lines - 1], rest]
    return "\n".join(wrapped)


def _side_name(role: str) -> str:
    return _("Students") if role == "mentee" else _("Mentors")


def _answers(n: int) -> str:
    return ngettext("{n} answer", "{n} answers", n).format(n=n)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()

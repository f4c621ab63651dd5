"""A certificate of appreciation for a mentor: one A4 landscape page of PDF, drawn with reportlab.

Names are Kazakh, Russian, French and English, so the page embeds DejaVu, a font that covers their
alphabets; the copy matplotlib ships (a dependency for the charts) is the one used, so no font file of our
own is kept. Long names and titles get smaller letters, then a second line, and never leave the frame.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from bot.core.replies import Attachment
from bot.i18n import _, date_text, ngettext
from bot.programme import Programme

WIDTH, HEIGHT = landscape(A4)
MARGIN = 34 * mm  # the text stays this far inside the page's edges, within the double frame
MAX_NAME_CHARS = 120
INK, GOLD, PAPER = HexColor("#1f2a44"), HexColor("#b08d3c"), HexColor("#fffdf7")
FONTS = {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf", "italic": "DejaVuSerif-Italic.ttf"}


@cache
def _font(style: str) -> str:
    """The registered name of a DejaVu Serif style, registered with reportlab the first time it is used."""
    name = f"MentorbotSerif-{style}"
    path = resources.files("matplotlib").joinpath("mpl-data", "fonts", "ttf", FONTS[style])
    with resources.as_file(path) as file:
        pdfmetrics.registerFont(TTFont(name, str(file)))
    return name


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate says about one mentor's cycle."""

    mentor_name: str
    cycle: str  # "July – December 2026"
    cycle_key: str  # "2026-07", for the file's name
    students: int
    contacts: int
    issued: dt.date


def _lines(text: str, style: str, size: float, *, smallest: float) -> tuple[list[str], float]:
    """The text at the largest size up to `size` that fits the width, on one line, or on two at `smallest`."""
    font = _font(style)
    usable = WIDTH - 2 * MARGIN
    width = pdfmetrics.stringWidth(text, font, 1)
    if width * size <= usable:
        return [text], size
    if width * smallest <= usable:
        return [text], usable / width
    return simpleSplit(text, font, smallest, usable)[:2], smallest


def _centred(page: canvas.Canvas, y: float, text: str, style: str, size: float, *, smallest: float) -> float:
    """Draw centred text with its baseline at `y`; returns the y below it."""
    lines, fitted = _lines(text, style, size, smallest=smallest)
    page.setFont(_font(style), fitted)
    for line in lines:
        page.drawCentredString(WIDTH / 2, y, line)
        y -= fitted * 1.25
    return y


def certificate_pdf(facts: CertificateFacts, programme: Programme) -> bytes:
    name = facts.mentor_name.strip()[:MAX_NAME_CHARS] or _("Our mentor")
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1, initialFontName=_font("regular"))
    page.setTitle(_("Certificate of Appreciation") + " — " + name)
    page.setAuthor(programme.office_opening)
    page.setSubject(programme.title)
    page.setFillColor(PAPER)
    page.rect(0, 0, WIDTH, HEIGHT, stroke=0, fill=1)
    page.setStrokeColor(GOLD)
    page.setLineWidth(4.5)
    page.rect(8 * mm, 8 * mm, WIDTH - 16 * mm, HEIGHT - 16 * mm)
    page.setLineWidth(1.1)
    page.rect(12 * mm, 12 * mm, WIDTH - 24 * mm, HEIGHT - 24 * mm)
    page.setFillColor(INK)

    y = HEIGHT - 45 * mm
    y = _centred(page, y, _("Certificate of Appreciation").upper(), "bold", 30, smallest=20) - 6 * mm
    y = _centred(page, y, _("is presented to"), "italic", 15, smallest=12) - 8 * mm
    y = _centred(page, y, name, "bold", 36, smallest=18)
    page.setStrokeColor(GOLD)
    page.setLineWidth(1.1)
    page.line(WIDTH / 2 - 60 * mm, y + 4 * mm, WIDTH / 2 + 60 * mm, y + 4 * mm)
    y -= 6 * mm
    y = _centred(page, y, _("for generously giving time and experience as a mentor in"), "regular", 14, smallest=11)
    y = _centred(page, y, programme.title, "bold", 18, smallest=12)
    if programme.institution:
        y = _centred(page, y, programme.institution, "regular", 15, smallest=11)
    y -= 4 * mm
    y = _centred(page, y, fmt_cycle(facts.cycle), "italic", 12, smallest=10)
    _centred(page, y, what_they_did(facts.students, facts.contacts), "regular", 13, smallest=10)

    # The signature line, the signatory and the day it was issued, at the foot of the page.
    foot = 40 * mm
    page.setStrokeColor(INK)
    page.setLineWidth(0.6)
    page.line(WIDTH / 2 - 50 * mm, foot + 9 * mm, WIDTH / 2 + 50 * mm, foot + 9 * mm)
    signatory = programme.certificate_signatory or programme.office_opening
    below = _centred(page, foot + 3 * mm, signatory, "italic", 12, smallest=9)
    _centred(page, below - 1 * mm, date_text(facts.issued), "regular", 11, smallest=9)
    page.showPage()
    page.save()
    return out.getvalue()


def fmt_cycle(cycle: str) -> str:
    return _("Cycle: {cycle}").format(cycle=cycle)


def what_they_did(students: int, contacts: int) -> str:
    guided = ngettext("{n} student guided", "{n} students guided", students).format(n=students)
    logged = ngettext("{n} contact logged", "{n} contacts logged", contacts).format(n=contacts)
    return f"{guided} · {logged}"


def certificate_file(facts: CertificateFacts, programme: Programme) -> Attachment:
    slug = re.sub(r"[^a-z0-9]+", "-", facts.mentor_name.lower()).strip("-")  # Latin names only; others keep the cycle
    filename = f"certificate-{slug + '-' if slug else ''}{facts.cycle_key}.pdf"
    return Attachment(filename=filename, content=certificate_pdf(facts, programme), mime="application/pdf")

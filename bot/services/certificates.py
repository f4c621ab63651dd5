"""A certificate of appreciation for a mentor, as an A4 landscape SVG file.

SVG rather than PDF: names are Kazakh, Russian and English, and a PDF needs a font file that covers
them shipped with the bot; an SVG names the font families and lets the reader's own fonts draw any
script. It opens and prints from every browser and phone.
"""

from __future__ import annotations

import datetime as dt
import re
from xml.sax.saxutils import escape

from bot.core.replies import Attachment
from bot.i18n import _, ngettext
from bot.programme import Programme

WIDTH, HEIGHT = 297, 210  # millimetres: A4 landscape
FONTS = "'DejaVu Serif', 'Noto Serif', Georgia, 'Times New Roman', serif"
MAX_NAME_CHARS = 120
USABLE_WIDTH = 250  # inside the frame, with a margin


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _fit(text: str, size: float, *, bold: bool = False) -> float:
    """The font size at which a line stays inside the frame: long names and titles get smaller letters.
    A serif letter is about 0.5 (bold: 0.6) of the font size wide on average."""
    width = len(text) * (0.6 if bold else 0.5)
    return round(min(size, USABLE_WIDTH / width), 1) if width else size


def _text(y: float, content: str, size: float, *, weight: str = "normal", style: str = "normal") -> str:
    return (
        f'<text x="{WIDTH / 2:g}" y="{y:g}" font-size="{size:g}" font-weight="{weight}" '
        f'font-style="{style}" text-anchor="middle">{escape(content)}</text>'
    )


def certificate_svg(mentor_name: str, programme: Programme, issued: dt.date, *, students: int = 0) -> str:
    name = mentor_name.strip()[:MAX_NAME_CHARS] or _("Our mentor")
    reason = _("for generously giving time and experience as a mentor in")
    thanks = (
        ngettext("Thank you for guiding {n} student.", "Thank you for guiding {n} students.", students).format(
            n=students
        )
        if students > 1
        else _("Thank you for guiding a student on their way.")
    )
    signed = _("With gratitude, {office}").format(office=programme.office)
    heading = _("Certificate of Appreciation").upper()
    lines = [
        _text(50, heading, _fit(heading, 13, bold=True), weight="bold"),
        _text(70, _("is presented to"), 7, style="italic"),
        _text(96, name, _fit(name, 16, bold=True), weight="bold"),
        _text(120, reason, _fit(reason, 6.5)),
        _text(130, programme.title, _fit(programme.title, 7.5, bold=True), weight="bold"),
        _text(142, thanks, _fit(thanks, 6.5)),
        _text(168, signed, _fit(signed, 6), style="italic"),
        _text(177, issued.strftime("%d %B %Y"), 5.5),
    ]
    title = _("Certificate of Appreciation") + " — " + name
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}mm" height="{HEIGHT}mm" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{_attr(FONTS)}" fill="#1f2a44">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fffdf7"/>',
            f'<rect x="8" y="8" width="{WIDTH - 16}" height="{HEIGHT - 16}" fill="none" stroke="#b08d3c" '
            'stroke-width="1.6"/>',
            f'<rect x="12" y="12" width="{WIDTH - 24}" height="{HEIGHT - 24}" fill="none" stroke="#b08d3c" '
            'stroke-width="0.4"/>',
            f'<line x1="{WIDTH / 2 - 40:g}" y1="106" x2="{WIDTH / 2 + 40:g}" y2="106" stroke="#b08d3c" '
            'stroke-width="0.4"/>',
            *lines,
            "</svg>",
            "",
        ]
    )


def certificate_file(mentor_name: str, programme: Programme, issued: dt.date, *, students: int = 0) -> Attachment:
    svg = certificate_svg(mentor_name, programme, issued, students=students)
    slug = re.sub(r"[^a-z0-9]+", "-", mentor_name.lower()).strip("-")  # Latin names only; others keep the date
    filename = f"certificate-{slug + '-' if slug else ''}{issued:%Y-%m}.svg"
    return Attachment(filename=filename, content=svg.encode("utf-8"), mime="image/svg+xml")

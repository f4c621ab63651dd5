"""Every text the bot can say exists in every shipped language: the template holds what the code says, and
each catalogue translates all of it, keeping every placeholder and markup tag (a dropped {name} would
show a person a gap, a dropped </b> would break Telegram's HTML)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "bot" / "locale"
SHIPPED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?[a-z]+>")


def _catalogue(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalogue) -> set[object]:  # type: ignore[no-untyped-def]
    return {message.id if isinstance(message.id, str) else tuple(message.id) for message in catalogue if message.id}


def test_the_template_holds_exactly_what_the_code_says() -> None:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    in_code = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={"_": None, "N_": None, "ngettext": (1, 2)}
    ):
        in_code.add(message if isinstance(message, str) else tuple(message))
    template = _ids(_catalogue(LOCALE / "mentorbot.pot"))
    new, gone = sorted(map(str, in_code - template)), sorted(map(str, template - in_code))
    assert not new, f"not in the template (run `make messages`): {new[:5]}"
    assert not gone, f"no longer in the code (run `make messages`): {gone[:5]}"


def test_no_catalogue_text_hides_inside_an_f_string() -> None:
    """The extractor does not look inside f-strings: a `_("...")` there never reaches the catalogue and
    stays English for everyone."""
    hidden = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Name)
                        and call.func.id in ("_", "ngettext")
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                    ):
                        hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not hidden, f"catalogue texts inside f-strings: {hidden}"


def _marks(text: str) -> tuple[list[str], list[str]]:
    return sorted(PLACEHOLDER.findall(text)), sorted(TAG.findall(text))


@pytest.mark.parametrize("language", SHIPPED)
def test_each_language_translates_every_message_keeping_its_placeholders(language: str) -> None:
    template = _ids(_catalogue(LOCALE / "mentorbot.pot"))
    catalogue = _catalogue(LOCALE / language / "LC_MESSAGES" / "mentorbot.po")
    assert catalogue.num_plurals >= 2
    untranslated, fuzzy, broken = [], [], []
    for message in catalogue:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        strings = (message.string,) if isinstance(message.string, str) else tuple(message.string)
        if "fuzzy" in message.flags:
            fuzzy.append(ids[0])
        if len(strings) < (catalogue.num_plurals if len(ids) > 1 else 1) or not all(s.strip() for s in strings):
            untranslated.append(ids[0])
            continue
        wanted = _marks(ids[-1])  # the plural's: in Russian, form 0 also reads 21, 31 ...
        broken += [ids[0] for text in strings if _marks(text) != wanted]
    assert not untranslated, f"{len(untranslated)} untranslated in {language}, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{len(fuzzy)} marked fuzzy in {language}, e.g. {fuzzy[:3]}"
    assert not broken, f"{len(broken)} with placeholders or tags changed in {language}, e.g. {broken[:3]}"
    missing = template - _ids(catalogue)
    assert not missing, f"{len(missing)} messages of the template missing from {language}: run `make messages`"

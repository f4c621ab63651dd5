"""A capability is registered by its modules being discovered: these tests fail when something a capability
declares is not registered (a sweep without its decorator, a form never registered, a button whose action
nobody answers, an outcome nobody renders, a table of personal data missing from a person's data copy)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from bot.app import CAPABILITY_PACKAGES, load_capabilities
from bot.core.forms import FORMS, Form
from bot.core.outcomes import Outcome
from bot.core.registry import registry
from storage.models import Base

ROOT = Path(__file__).resolve().parents[1]


def _capability_modules() -> list[object]:
    load_capabilities()
    modules = []
    for name in CAPABILITY_PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=name + "."):
            modules.append(importlib.import_module(info.name))
    return modules


def test_every_sweep_a_service_defines_is_registered() -> None:
    modules = _capability_modules()
    registered = {spec.run for spec in registry.sweeps.values()}
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("sweep_") and inspect.iscoroutinefunction(value) and value.__module__ == module.__name__:
                assert value in registered, f"{module.__name__}.{name} is not declared with @sweep"


def test_every_form_a_module_declares_is_registered() -> None:
    for module in _capability_modules():
        for name, value in vars(module).items():
            if isinstance(value, Form):
                assert FORMS.get(value.name) is value, f"{module.__name__}.{name} is not registered"


def test_every_outcome_a_service_reports_has_a_renderer() -> None:
    modules = _capability_modules()
    outcomes = {
        value
        for module in modules
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, Outcome) and value is not Outcome
    }
    assert outcomes, "no outcomes found: is the marker base still used?"
    missing = sorted(cls.__qualname__ for cls in outcomes if cls not in registry.renderers)
    assert missing == [], f"outcomes nobody renders: {missing}"
    assert all(issubclass(cls, Outcome) for cls in registry.renderers), "a renderer for something not an Outcome"


def _button_actions() -> list[tuple[str, int, str]]:
    """Every `Button(label, "action", ...)` with a literal action name in the bot's code."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Button"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.append((str(path.relative_to(ROOT)), node.lineno, node.args[1].value))
    return found


def test_every_button_names_an_action_somebody_answers() -> None:
    load_capabilities()
    buttons = _button_actions()
    assert len(buttons) > 50  # the scan sees the bot's buttons
    # "f." actions belong to the form engine (Back, Cancel, choices), which answers them itself.
    unanswered = [b for b in buttons if b[2] not in registry.actions and not b[2].startswith("f.")]
    assert unanswered == []


def test_no_service_builds_a_button() -> None:
    services = [b for b in _button_actions() if b[0].startswith(("bot/services/", "scheduler/"))]
    assert services == [], "services report outcomes; their handlers build the buttons"


# Tables that hold rows about a person but are not part of their copy of their data, and why.
NOT_IN_A_DATA_COPY = {
    "outbox": "messages on their way out, deleted once delivered or given up",
    "form_progress": "a form half filled in; the answers are saved where the form puts them",
    "notices": "the bot's own record of which reminder went out once",
    "processed_updates": "platform update ids, to handle each update once",
}


@pytest.mark.parametrize("table", sorted(t.name for t in Base.metadata.sorted_tables))
def test_every_table_about_a_person_is_in_their_data_copy(table: str) -> None:
    load_capabilities()
    model = next(m.class_ for m in Base.registry.mappers if m.local_table.name == table)
    about_a_user = any(fk.column.table.name == "users" for fk in model.__table__.foreign_keys) or table == "users"
    if not about_a_user or table in NOT_IN_A_DATA_COPY:
        return
    assert model in registry.exported_models, f"no export section covers {table}: declare it with @export(covers=)"

"""Every outcome a service reports has words: each Outcome class a service module defines, or hands to
`queue_message` or a sweep's `Note(outcome=...)`, has a renderer once the capabilities are loaded; and a
service that reports outcomes builds no replies itself."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from types import ModuleType

import pytest

import bot.services
from bot.app import load_capabilities
from bot.core.outcomes import Outcome
from bot.core.registry import registry

# The capabilities of the pair's life, in the order their news of the day reads.
PAIR_LIFE_SWEEPS = ["nudges", "checkins", "cycle_end", "survey_reminders", "reconfirmation", "reconfirmation_pause"]


def _declared(module: ModuleType) -> set[type]:
    """The outcome classes a service module defines."""
    return {
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Outcome) and obj.__module__ == module.__name__
    }


def _service_modules() -> list[ModuleType]:
    load_capabilities()
    prefix = bot.services.__name__ + "."
    return [importlib.import_module(m.name) for m in pkgutil.walk_packages(bot.services.__path__, prefix=prefix)]


def _queued_outcomes(module: ModuleType) -> set[type]:
    """Classes of this module constructed right where they are queued: `queue_message(session, now, X(...))`
    or `Note(..., outcome=X(...))`."""
    own = {
        name: obj for name, obj in vars(module).items() if inspect.isclass(obj) and obj.__module__ == module.__name__
    }
    found: set[type] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if called == "queue_message":
            args = node.args[2:3] + [kw.value for kw in node.keywords if kw.arg == "reply"]
        elif called == "Note":
            args = [kw.value for kw in node.keywords if kw.arg == "outcome"]
        else:
            continue
        for arg in args:
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in own:
                found.add(own[arg.func.id])
    return found


def _imports(module: ModuleType) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("module", _service_modules(), ids=lambda m: m.__name__)
def test_every_outcome_a_service_reports_has_a_renderer(module: ModuleType) -> None:
    declared = _declared(module)
    queued = _queued_outcomes(module)
    assert queued <= declared, f"{module.__name__}: not Outcomes {sorted(c.__name__ for c in queued - declared)}"
    unrendered = sorted(c.__name__ for c in declared | queued if c not in registry.renderers)
    assert not unrendered, f"nothing renders {unrendered} of {module.__name__}"


@pytest.mark.parametrize("module", _service_modules(), ids=lambda m: m.__name__)
def test_a_service_that_reports_outcomes_builds_no_replies(module: ModuleType) -> None:
    """A file it makes (a certificate, a CSV, a data copy) is data; a reply or a button is the handler's."""
    imported = _imports(module)
    replies = {
        alias.name
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.ImportFrom) and node.module == "bot.core.replies"
        for alias in node.names
    }
    assert replies <= {"Attachment"}, f"{module.__name__} imports {sorted(replies)} from bot.core.replies"
    assert not any(name == "bot.views" or name.startswith("bot.views.") for name in imported)


def test_the_sweeps_of_the_pair_life_are_registered_in_order_and_every_outcome_they_report_reads() -> None:
    load_capabilities()
    names = [spec.name for spec in registry.sweeps_in_order()]
    assert [name for name in names if name in PAIR_LIFE_SWEEPS] == PAIR_LIFE_SWEEPS
    for spec in registry.sweeps_in_order():
        module = sys.modules[spec.run.__module__]
        if spec.name in PAIR_LIFE_SWEEPS:
            assert _declared(module), f"{module.__name__} declares no outcomes"
        for outcome in (*_declared(module), *_queued_outcomes(module)):
            assert outcome in registry.renderers, f"sweep {spec.name}: nothing renders {outcome.__name__}"

"""The pure cores must not import Django; views must not query models directly."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from revmentor.core.models import User
from revmentor.schemes.models import Scheme

PACKAGE = Path(__file__).resolve().parents[2] / "revmentor"
PURE = ["analysis", "allocator"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("core", PURE)
def test_pure_core_imports_nothing_from_django(core: str) -> None:
    files = sorted((PACKAGE / core).rglob("*.py"))
    if not files:
        pytest.skip(f"revmentor/{core} does not exist yet")
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(n for n in _imports(f) if n.split(".")[0] == "django")
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_views_do_not_use_model_managers() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*views.py")):
        if ".objects" in path.read_text(encoding="utf-8"):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == [], "views must read through selectors and write through services"


def test_not_found_and_forbidden_pages_use_the_service_layout(
    client_for: Callable[[User | None], Client], outsider: User, facilitator: User, scheme: Scheme
) -> None:
    missing = client_for(outsider).get(reverse("schemes:detail", args=[scheme.pk]))
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert "nhsuk-header" in missing.content.decode()
    refused = client_for(facilitator).get(reverse("schemes:edit", args=[scheme.pk]))
    assert refused.status_code == 403
    assert "You cannot do this" in refused.content.decode()

"""The analysis package imports nothing from Django, anywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import revmentor.analysis

PACKAGE = Path(revmentor.analysis.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_of_the_analysis_package_imports_django() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) >= 8
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(p) if m.split(".")[0] == "django"
        )
        for p in sources
    }
    assert {k: v for k, v in offenders.items() if v} == {}

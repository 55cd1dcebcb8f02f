"""onestop/ sits between api/ and the domain packages: it imports no web framework, no
settings, no SQL and nothing of api/ (CONVENTIONS.md: api -> onestop -> domain -> common)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "onestop"
ALLOWED = {"common", "certs", "signing", "verify", "ocr", "archive", "onestop"}
STDLIB = {"__future__", "asyncio", "collections", "dataclasses", "datetime", "enum", "typing"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_onestop_imports_only_the_domain_packages_and_the_standard_library() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 7
    for module in modules:
        outside = _imports(module) - ALLOWED - STDLIB
        assert not outside, f"{module.name} imports {sorted(outside)}"

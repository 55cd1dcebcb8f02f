"""Only archive/catalog/ reaches the catalog's database: everyone else uses the ``Catalog``.

The walk covers every package that mypy checks (pyproject.toml); each rule is also shown to
catch the use it forbids, on a snippet, so that a walk finding nothing means something.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "archive" / "catalog"
#: what other code may import from archive/catalog/: the class to build, the metadata's JSON
PUBLIC = {"archive.catalog.sql", "archive.catalog.codec"}
#: archive modules besides the catalog that may speak SQL: the migrations
SQL_ALLOWED = (CATALOG, ROOT / "archive" / "migrations")


def _packages() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [ROOT / name for name in config["tool"]["mypy"]["packages"]]


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def violations(source: str, *, in_archive: bool) -> list[str]:
    """What in ``source`` (a module outside archive/catalog/) goes around the catalog."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "engine":
            owner = ast.unparse(node.value)
            if "catalog" in owner.lower():
                found.append(f"line {node.lineno}: {owner}.engine")
        for name in _imported(node):
            inside = name.startswith("archive.catalog.") and name.count(".") == 2
            if inside and name not in PUBLIC:
                found.append(f"line {node.lineno}: imports {name}")
            if in_archive and name.split(".")[0] == "sqlalchemy":
                found.append(f"line {node.lineno}: imports {name}")
    return found


@pytest.mark.parametrize(
    ("snippet", "in_archive"),
    [
        ("with svc.archive.catalog.engine.connect() as conn:\n    pass\n", False),
        ("def f(catalog):\n    return catalog.engine\n", False),
        ("def f(archive):\n    return auditlog.verify(archive.catalog.engine)\n", False),
        ("from archive.catalog import tables as t\n", False),
        ("from archive.catalog.tables import fixity_runs\n", False),
        ("def f():\n    from archive.catalog.auditlog import verify\n", False),
        ("import sqlalchemy as sa\n", True),
        ("from sqlalchemy import select\n", True),
    ],
)
def test_the_walk_catches_each_way_around_the_catalog(snippet: str, in_archive: bool) -> None:
    assert violations(snippet, in_archive=in_archive)


def test_building_the_catalog_and_using_other_engines_is_allowed() -> None:
    allowed = (
        "from archive.catalog.sql import SqlCatalog\n"
        "from archive.catalog.codec import meta_to_json\n"
        "def f(svc):\n    return svc.engine, svc.pki.engine\n"
    )
    assert violations(allowed, in_archive=False) == []


def test_no_module_outside_archive_catalog_reaches_the_catalog_database() -> None:
    modules = [
        path
        for package in _packages()
        for path in sorted(package.rglob("*.py"))
        if not path.is_relative_to(CATALOG)
    ]
    assert len(modules) > 100  # the walk reads the packages, not an empty folder
    found = {
        str(path.relative_to(ROOT)): problems
        for path in modules
        if (
            problems := violations(
                path.read_text(encoding="utf-8"),
                in_archive=path.is_relative_to(ROOT / "archive")
                and not any(path.is_relative_to(allowed) for allowed in SQL_ALLOWED),
            )
        )
    }
    assert found == {}

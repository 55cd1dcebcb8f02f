"""docker-compose.yml stays valid and in step with the settings kyso reads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_compose_has_every_production_part_with_health_checks() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "beat", "postgres", "redis", "s3"} <= set(services)
    for name in ("api", "postgres", "redis", "s3"):
        assert "healthcheck" in services[name], name
    assert services["api"]["environment"]["KYSO_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_every_kyso_variable_in_compose_is_a_setting() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    fields = {name.upper() for name in Settings.model_fields}
    used = set(re.findall(r"KYSO_([A-Z0-9_]+):", text))
    assert used and used <= fields, used - fields


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_declared_dependency_is_pinned_in_the_lock() -> None:
    """`make install` constrains to requirements.lock and `make audit` audits it: a dependency
    added to pyproject.toml without `make lock` would be neither pinned nor audited."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[_canonical(name)] = version
    for requirement in declared:
        name = _canonical(re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0])
        assert pinned.get(name), f"{name} is not pinned in requirements.lock (run make lock)"

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli.app import app as cli
from api.settings import Settings


def test_health_endpoint_answers_ok(tmp_path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path)))
    assert client.get("/health").json() == {"status": "ok"}


def test_cli_help_renders_vietnamese_text() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "chữ ký số" in result.output


def test_default_database_is_sqlite_under_data_dir(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/kyso.db"


def test_the_api_states_the_version_written_in_pyproject(tmp_path) -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    client = TestClient(create_app(Settings(data_dir=tmp_path)))
    info = client.get("/api/v1/openapi.json").json()["info"]
    assert info["version"] == pyproject["project"]["version"]

"""Helpers for API tests: an app on a throw-away data dir, with one account per role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from api.accounts.service import Role
from api.app import create_app
from api.settings import Settings
from api.wiring import Services

PASSWORD = "mat-khau-rat-dai-123"


@dataclass
class Kyso:
    client: TestClient
    services: Services
    tokens: dict[str, str]

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}


def make_kyso(tmp_path: Path) -> Kyso:
    services = Services(Settings(data_dir=tmp_path / "data"))
    client = TestClient(create_app(services.settings, services))
    tokens = {}
    for role in Role:
        user = services.accounts.create_user(
            f"{role.value}1",
            PASSWORD,
            role,
            f"Người dùng {role.value}",
            agency="UBND Quận Hoàn Kiếm" if role is Role.OFFICIAL else None,
        )
        tokens[role.value] = services.accounts.issue_token(user)
    return Kyso(client, services, tokens)

"""Unset, the public URL (certificates, QR codes, links) is where kyso listens."""

from __future__ import annotations

import pytest

from api.settings import Settings


@pytest.fixture(autouse=True)
def _no_address(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KYSO_PUBLIC_URL", "KYSO_HOST", "KYSO_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_is_the_default_address() -> None:
    assert Settings().public_url == "http://127.0.0.1:8000"


def test_another_port_alone_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYSO_PORT", "8731")
    assert Settings().public_url == "http://127.0.0.1:8731"


@pytest.mark.parametrize(
    ("host", "url"),
    [("0.0.0.0", "http://127.0.0.1:8000"), ("::", "http://127.0.0.1:8000"),
     ("10.0.0.5", "http://10.0.0.5:8000"), ("::1", "http://[::1]:8000"),
     ("kyso.local", "http://kyso.local:8000")],
)  # fmt: skip
def test_the_listening_host_is_named_unless_it_is_every_address(
    monkeypatch: pytest.MonkeyPatch, host: str, url: str
) -> None:
    monkeypatch.setenv("KYSO_HOST", host)
    assert Settings().public_url == url


def test_a_public_url_that_is_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYSO_PORT", "8731")
    monkeypatch.setenv("KYSO_PUBLIC_URL", "https://motcua.hanoi.gov.vn")
    assert Settings().public_url == "https://motcua.hanoi.gov.vn"

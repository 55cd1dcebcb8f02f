"""A live kyso on a loopback port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from webtools import PASSWORD, Live

from api.accounts.service import Role
from api.app import create_app
from api.settings import Settings
from api.wiring import build_services
from tests.passwords import one_hash_per_password

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    services = build_services(Settings(data_dir=tmp_path / "data", public_url=url))
    with one_hash_per_password(services.accounts) as accounts:
        for role, agency in (
            (Role.CITIZEN, None),
            (Role.OFFICIAL, "UBND Phường Tràng Tiền"),
            (Role.ARCHIVIST, None),
            (Role.AUDITOR, None),
        ):
            accounts.create_user(f"{role.value}1", PASSWORD, role, "Người dùng", agency)
    app = create_app(services.settings, services)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield Live(url, services, app)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser a module: Playwright's sync API keeps an event loop running in this thread
    while it is open, which other packages' fixtures (asyncio.run) must not meet."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()

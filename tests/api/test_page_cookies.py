"""Session and CSRF cookies against a running ``kyso serve``.

Before: the CSRF token was any value equal to the ``kyso_csrf`` cookie, so whoever could plant
that cookie (a sibling subdomain, plain HTTP on the same host) forged a signed-in user's
forms; the cookies had no ``__Host-`` prefix, and ``Secure`` followed the request's scheme
(a TLS proxy that did not send ``X-Forwarded-Proto`` got session cookies without it).
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from apitools import PASSWORD
from servetools import Served, kyso_served

from api.web.cookies import csrf_for_session

pytestmark = pytest.mark.slow
HTTPS_URL = "https://kyso.example.gov.vn"


def _cookies(response: httpx.Response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def _form_token(response: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def _sign_in(client: httpx.Client, prefix: str) -> tuple[httpx.Response, httpx.Response]:
    form = client.get("/login")
    token = _form_token(form)
    assert _cookies(form)[f"{prefix}kyso_csrf"].value == token
    signed_in = client.post(
        "/login",
        data={"username": "citizen1", "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"{prefix}kyso_csrf={token}"},
    )
    assert signed_in.status_code == 303, signed_in.text
    return form, signed_in


def _session(server: Served, role: str) -> str:
    """A page session (the cookie's value) of the role's account."""
    accounts = server.kyso.services.accounts
    return accounts.issue_token(accounts.by_username(f"{role}1"), "session")


def _enrolments(server: Served) -> int:
    return len(server.kyso.services.enrolment.list())


def test_a_planted_csrf_cookie_does_not_forge_a_signed_in_users_form(tmp_path: Path) -> None:
    with kyso_served(tmp_path) as server, server.client() as client:
        session = _session(server, "citizen")
        planted = {"Cookie": f"kyso_session={session}; kyso_csrf=evil"}
        enrol = {"full_name": "Kẻ Giả Mạo", "cccd": "001203009999", "csrf_token": "evil"}
        forged = client.post("/enrol", data=enrol, headers=planted)
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
        api = client.post(
            "/api/v1/enrolments",
            json={"full_name": "Kẻ Giả Mạo", "cccd": "001203009999"},
            headers={**planted, "X-CSRF-Token": "evil"},
        )
        assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
        assert _enrolments(server) == 0

        # the page the user is shown carries the session's own token, and it works
        shown = client.get("/enrol", headers={"Cookie": f"kyso_session={session}"})
        token = _form_token(shown)
        assert token == csrf_for_session(session) and "kyso_csrf" not in _cookies(shown)
        real = client.post(
            "/enrol",
            data={**enrol, "full_name": "Nguyễn Thị Hoa", "csrf_token": token},
            headers={"Cookie": f"kyso_session={session}"},
        )
        assert real.status_code == 200, real.text
        assert _enrolments(server) == 1


def test_over_plain_http_the_cookies_are_not_secure_and_not_prefixed(tmp_path: Path) -> None:
    with kyso_served(tmp_path) as server, server.client() as client:
        form, signed_in = _sign_in(client, "")
        csrf = _cookies(form)["kyso_csrf"]
        assert (csrf["httponly"], csrf["samesite"].lower(), csrf["secure"]) == (True, "strict", "")
        session = _cookies(signed_in)["kyso_session"]
        assert (session["httponly"], session["samesite"].lower(), session["path"]) == (
            True,
            "lax",
            "/",
        )


def test_with_an_https_public_url_cookies_are_host_prefixed_and_secure_whatever_the_scheme(
    tmp_path: Path,
) -> None:
    # the request reaches kyso over plain HTTP (a TLS proxy that sends no X-Forwarded-Proto)
    with kyso_served(tmp_path, {"KYSO_PUBLIC_URL": HTTPS_URL}) as server, server.client() as client:
        form, signed_in = _sign_in(client, "__Host-")
        issued = _cookies(signed_in)["__Host-kyso_session"]
        for cookie in (_cookies(form)["__Host-kyso_csrf"], issued):
            assert cookie["secure"] is True and cookie["httponly"] is True, cookie
            assert cookie["path"] == "/" and cookie["domain"] == "", cookie  # __Host- rules
        assert "kyso_session" not in _cookies(signed_in)
        session = issued.value
        assert server.kyso.services.accounts.resolve(session).username == "citizen1"

        # an unprefixed session cookie (one a subdomain could set) is not a session
        plain = client.get("/enrol", headers={"Cookie": f"kyso_session={session}"})
        assert plain.status_code == 303 and plain.headers["location"].startswith("/login")
        hosted = client.get("/enrol", headers={"Cookie": f"__Host-kyso_session={session}"})
        assert hosted.status_code == 200 and _form_token(hosted) == csrf_for_session(session)
        logout = client.post(
            "/logout",
            data={"csrf_token": csrf_for_session(session)},
            headers={"Cookie": f"__Host-kyso_session={session}"},
        )
        assert logout.status_code == 303
        gone = _cookies(logout)["__Host-kyso_session"]
        assert gone["secure"] is True and gone["max-age"] == "0", gone

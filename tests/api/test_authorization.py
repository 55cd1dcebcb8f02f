"""Every route refuses the roles it should: one table, checked route by route."""

from __future__ import annotations

import pytest
from apitools import Kyso, all_routes, make_kyso

ROLES = ["citizen", "official", "archivist", "auditor", "admin", "agency", None]
ALL = set(ROLES) - {None}

# (method, path, body, roles allowed past authorization; None = anonymous)
TABLE = [
    ("GET", "/api/v1/me", None, ALL),
    (
        "POST",
        "/api/v1/users",
        {"username": "u-new", "password": "x" * 12, "full_name": "U", "role": "citizen"},
        {"admin"},
    ),
    ("POST", "/api/v1/enrolments", {"full_name": "A", "cccd": "1"}, ALL),
    ("GET", "/api/v1/enrolments", None, {"official", "admin"}),
    ("POST", "/api/v1/enrolments/enr_x/approve", None, {"official", "admin"}),
    ("POST", "/api/v1/enrolments/enr_x/reject", {"reason": "x"}, {"official", "admin"}),
    ("POST", "/api/v1/certificates/abc/revoke", {"reason": "superseded"}, {"official", "admin"}),
    ("GET", "/api/v1/certificates/abc", None, set(ROLES)),
    ("POST", "/api/v1/archive/audits", {"sample": 0.5}, {"archivist", "auditor", "admin"}),
    ("GET", "/api/v1/jobs/job_x", None, ALL),
    ("POST", "/api/v1/verify", None, set(ROLES)),
    ("POST", "/api/v1/verify/hash", {"sha256": "0" * 64}, set(ROLES)),
    ("POST", "/api/v1/verify/print", None, set(ROLES)),
    (
        "POST",
        "/api/v1/credentials/enrol",
        {"serial": "ab", "PIN": "123456"},
        {"citizen", "admin"},
    ),
    (
        "POST",
        "/api/v1/credentials/replace",
        {"credentialID": "c", "PIN": "123456", "OTP": "1", "newPIN": "654321"},
        {"citizen", "admin"},
    ),
    (
        "POST",
        "/api/v1/credentials/desk-replace",
        {"serial": "ab", "PIN": "123456"},
        {"official", "admin"},
    ),
    *[
        row
        for version in ("v1", "v2")
        for row in (
            ("POST", f"/csc/{version}/info", None, set(ROLES)),
            ("POST", f"/csc/{version}/credentials/list", None, {"citizen", "admin"}),
            (
                "POST",
                f"/csc/{version}/credentials/info",
                {"credentialID": "c"},
                {"citizen", "admin"},
            ),
            (
                "POST",
                f"/csc/{version}/credentials/authorize",
                {"credentialID": "c", "numSignatures": 1, "hash": ["AA=="], "PIN": "1", "OTP": "1"},
                {"citizen", "admin"},
            ),
            (
                "POST",
                f"/csc/{version}/signatures/signHash",
                {
                    "credentialID": "c",
                    "SAD": "s",
                    "hash": ["AA=="],
                    "signAlgo": "1.2.840.10045.4.3.2",
                },
                {"citizen", "admin"},
            ),
        )
    ],
    ("POST", "/api/v1/dossiers", None, {"citizen", "admin"}),
    ("GET", "/api/v1/dossiers", None, {"citizen", "official", "admin"}),
    ("GET", "/api/v1/dossiers/HSX", None, ALL),
    ("POST", "/api/v1/dossiers/HSX/result", None, {"official", "admin"}),
    ("GET", "/api/v1/dossiers/HSX/result.pdf", None, ALL),
    ("GET", "/api/v1/templates", None, {"official", "admin"}),
    ("POST", "/api/v1/dossiers/HSX/result/preview", {"template": "letter"}, {"official", "admin"}),
    (
        "POST",
        "/api/v1/dossiers/HSX/result/from-template",
        {"template": "letter"},
        {"official", "admin"},
    ),
    ("GET", "/api/v1/registers/CV", None, {"official", "admin"}),
    ("POST", "/api/v1/archive/scans", None, {"archivist", "admin"}),
    ("GET", "/api/v1/archive/scans/scan_x", None, {"archivist", "admin"}),
    (
        "POST",
        "/api/v1/archive/scans/scan_x/archive",
        {"dossier_code": "D", "title": "T"},
        {"archivist", "admin"},
    ),
    ("GET", "/api/v1/archive/search", None, set(ROLES)),
    ("GET", "/api/v1/notifications", None, ALL),
    ("POST", "/api/v1/notifications/ntf_x/read", None, ALL),
    ("GET", "/api/v1/archive/audits", None, {"archivist", "auditor", "admin"}),
    (
        "POST",
        "/api/v1/archive/disposals",
        {"document_id": "d", "reason": "old"},
        {"archivist", "admin"},
    ),
    ("POST", "/api/v1/archive/disposals/p_x/approve", None, {"archivist", "auditor", "admin"}),
    ("POST", "/api/v1/archive/dossiers", {"code": "HS-A", "title": "T"}, {"archivist", "admin"}),
    ("GET", "/api/v1/archive/dossiers/HS-A", None, {"archivist", "auditor", "admin"}),
    ("GET", "/api/v1/archive/dossiers/HS-A/bag", None, {"archivist", "admin"}),
    ("POST", "/api/v1/archive/bags", None, {"archivist", "admin"}),
    ("POST", "/api/v1/exchange/outbox", {"to": "000.00.00.H02"}, {"official", "admin"}),
    ("GET", "/api/v1/exchange/messages", None, {"official", "admin"}),
    ("GET", "/api/v1/exchange/messages/m_x", None, {"official", "admin"}),
    ("POST", "/api/v1/exchange/messages/m_x/status", {"code": "04"}, {"official", "admin"}),
    ("POST", "/api/v1/exchange/messages/m_x/reverify", None, {"official", "admin"}),
    # peer agencies: no login, the request's MAC (exchange_unauthenticated without it)
    ("POST", "/api/v1/exchange/inbox", None, set(ROLES)),
    ("POST", "/api/v1/exchange/status", None, set(ROLES)),
    ("GET", "/pki/crl/citizen.crl", None, set(ROLES)),
    ("GET", "/health", None, set(ROLES)),
]


@pytest.fixture(scope="module")
def kyso(tmp_path_factory: pytest.TempPathFactory) -> Kyso:
    """One service for the whole table: asking is all these tests do (rate limits lifted)."""
    kyso = make_kyso(tmp_path_factory.mktemp("authz"))
    limiter = kyso.services.rate_limiter
    limiter.limits = {scope: (100_000, 60.0) for scope in limiter.limits}
    return kyso


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), TABLE, ids=[f"{m} {p}" for m, p, *_ in TABLE]
)
def test_route_lets_only_its_roles_through(
    kyso: Kyso, method: str, path: str, body: dict[str, object] | None, allowed: set[str | None]
) -> None:
    for role in ROLES:
        response = kyso.client.request(method, path, json=body, headers=kyso.headers(role))
        body_json = response.json() if response.content[:1] == b"{" else {}
        error = body_json.get("error")  # kyso's shape, or the CSC one under /csc/
        code = error.get("code") if isinstance(error, dict) else error
        # refused for who you are (not for what you asked: e.g. someone else's certificate)
        denied = code in ("unauthenticated", "forbidden")
        assert denied == (role not in allowed), (role, response.status_code, response.text)
        if denied:
            assert response.status_code == (401 if role is None else 403)
        assert response.status_code < 500


def test_every_api_route_is_in_the_table(kyso: Kyso) -> None:
    from fastapi.routing import APIRoute

    listed = {
        (
            m,
            p.replace("enr_x", "{enrolment_id}")
            .replace("abc", "{serial}")
            .replace("job_x", "{job_id}")
            .replace("HSX", "{code}")
            .replace("scan_x", "{scan_id}")
            .replace("ntf_x", "{notification_id}")
            .replace("p_x", "{proposal_id}")
            .replace("HS-A", "{code}")
            .replace("m_x", "{message_id}")
            .replace("/registers/CV", "/registers/{doc_type}"),
        )
        for m, p, *_ in TABLE
    }
    seen = 0
    for path, route in all_routes(kyso.client.app):
        if isinstance(route, APIRoute) and path.startswith(("/api/v1", "/csc/")):
            for method in route.methods:
                if path in ("/api/v1/auth/token", "/api/v1/auth/logout"):
                    continue
                seen += 1
                assert (method, path) in listed, f"{method} {path} has no authorization row"
    assert seen >= len(listed) - 5  # the walk reached the routers (a few rows are not /api/v1)

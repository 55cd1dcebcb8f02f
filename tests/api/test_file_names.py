"""Hostile upload file names through every upload route: traversal (``../``, ``..\\``,
absolute paths), NUL, CR/LF, right-to-left override, 1000 characters, decomposed Vietnamese,
markup. Nothing is written outside the data dir, every name kyso stores is its own, and no
answer carries the name back as a header or unescaped."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from apitools import PIN, Kyso, citizen_credential, make_kyso, make_pdf
from test_dossiers import AGENCY, _official_ready

from api.deps import CSRF_COOKIE, SESSION_COOKIE
from api.settings import Settings
from api.web.cookies import csrf_for_session

TOKEN = secrets.token_hex(4)
#: absolute paths an upload name points at: they must never appear
ABSOLUTE = (Path(f"/tmp/kyso-abs-{TOKEN}.pdf"), Path(f"/tmp/kyso-escape-{TOKEN}.pdf"))
NAMES = [
    "../../etc/passwd",
    f"../../../../../../../../tmp/kyso-escape-{TOKEN}.pdf",
    "../../../../escaped.pdf",
    "..\\..\\..\\..\\escaped-win.pdf",
    str(ABSOLUTE[0]),
    "C:\\Windows\\System32\\evil.pdf",
    "a\x00b.pdf",
    "kq.pdf\r\nX-Injected: 1",
    "hoá đơn\u202efdp.exe",
    "d" * 1000 + ".pdf",
    "Quye\u0302\u0301t đi\u0323nh so\u0302\u0301 123.pdf",
    "<script>alert('kyso')</script>.pdf",
    ".pdf",
    "..",
    "",
]
#: how a name kyso gives a file looks
SAFE = re.compile(r"^[A-Za-z0-9._-]{1,80}$")


@dataclass
class Setup:
    kyso: Kyso
    root: Path
    data_dir: Path
    credential: str
    code: str
    sessions: dict[str, str]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """A service whose data dir sits deep below a watched root: ``../`` would land in it."""
    root = tmp_path_factory.mktemp("names")
    data_dir = root / "a" / "b" / "c" / "d" / "data"
    kyso = make_kyso(root, Settings(data_dir=data_dir))
    limiter = kyso.services.rate_limiter
    limiter.limits = {scope: (100_000, 60.0) for scope in limiter.limits}
    _official_ready(kyso)
    credential, totp, _serial = citizen_credential(kyso)
    submitted = kyso.client.post(
        "/api/v1/dossiers",
        files={"file": ("don.pdf", make_pdf(), "application/pdf")},
        data={"service": "Cấp phép", "agency": AGENCY, "credential_id": credential,
              "pin": PIN, "otp": totp.now()},
        headers=kyso.headers("citizen"),
    )  # fmt: skip
    assert submitted.status_code == 201, submitted.text
    accounts = kyso.services.accounts
    sessions = {
        role: accounts.issue_token(accounts.by_username(f"{role}1"), "session")
        for role in ("citizen", "official", "archivist")
    }
    return Setup(kyso, root, data_dir, credential, submitted.json()["code"], sessions)


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def _multipart(
    fields: dict[str, str], name: str, content: bytes, *, star: bool = False
) -> tuple[bytes, str]:
    """A multipart body sending ``name`` byte for byte (httpx would escape CR, LF and NUL)."""
    boundary = "kyso" + secrets.token_hex(8)
    out = bytearray()
    for key, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    if star:
        disposition = b"form-data; name=\"file\"; filename*=UTF-8''" + quote(name).encode()
    else:
        disposition = b'form-data; name="file"; filename="' + name.encode() + b'"'
    out += f"--{boundary}\r\nContent-Disposition: ".encode() + disposition
    out += b"\r\nContent-Type: application/pdf\r\n\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _routes(setup: Setup) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """(path, form fields, headers) of every route that takes an uploaded file."""
    kyso = setup.kyso
    otp = {"credential_id": setup.credential, "pin": PIN, "otp": "000000"}
    dossier = {"service": "Cấp phép", "agency": AGENCY, **otp}

    def page(role: str) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={setup.sessions[role]}"}

    def csrf(role: str) -> dict[str, str]:  # a signed-in page's token is the session's own
        return {"csrf_token": csrf_for_session(setup.sessions[role])}

    yield "/api/v1/verify", {}, {}
    yield "/verify", {"csrf_token": "t"}, {"Cookie": f"{CSRF_COOKIE}=t"}
    yield "/api/v1/archive/scans", {}, kyso.headers("archivist")
    yield "/archive/scans", csrf("archivist"), page("archivist")
    yield "/api/v1/dossiers", dossier, kyso.headers("citizen")
    yield "/dossiers", {**dossier, **csrf("citizen")}, page("citizen")
    yield f"/api/v1/dossiers/{setup.code}/result", {}, kyso.headers("official")
    yield f"/officer/dossiers/{setup.code}/result", csrf("official"), page("official")


def _post(
    kyso: Kyso, path: str, body: bytes, content_type: str, headers: dict[str, str]
) -> httpx.Response:
    kyso.client.cookies.clear()
    return kyso.client.post(
        path,
        content=body,
        headers={**headers, "Content-Type": content_type},
        follow_redirects=False,
    )


@pytest.mark.parametrize("star", [False, True], ids=["filename", "filename-star"])
def test_hostile_names_write_nothing_outside_the_data_dir(setup: Setup, star: bool) -> None:
    kyso, data_dir = setup.kyso, setup.data_dir
    outside_before = _files(setup.root) - _files(data_dir) - {data_dir}
    pdf = make_pdf("Ho so ten tep la")
    for path, fields, headers in _routes(setup):
        for name in NAMES:
            body, content_type = _multipart(fields, name, pdf, star=star)
            inside_before = _files(data_dir)
            response = _post(kyso, path, body, content_type, headers)
            assert response.status_code < 500, (path, name, response.text)
            assert not any(k.lower().startswith("x-injected") for k in response.headers)
            assert "<script>alert" not in response.text and "\u202e" not in response.text
            for created in _files(data_dir) - inside_before:
                assert SAFE.match(created.name), (path, name, created)
    _wait_for_scans(setup)
    outside_after = _files(setup.root) - _files(data_dir) - {data_dir}
    assert outside_after == outside_before
    assert not any(p.exists() for p in ABSOLUTE)
    assert not list(setup.root.rglob("escaped*")) and not list(setup.root.rglob("passwd"))
    for created in _files(data_dir):
        assert SAFE.match(created.name) or created.suffix in (".db", ".db-wal", ".db-shm"), created


def _wait_for_scans(setup: Setup) -> None:
    """OCR jobs started by the scan uploads write into their scan folders: let them finish."""
    for job_file in (setup.data_dir / "scans").glob("scan_*/job"):
        setup.kyso.services.jobs.wait(job_file.read_text().strip(), 120)


def test_a_scan_is_stored_under_kyso_s_own_name_whatever_it_was_called(setup: Setup) -> None:
    kyso = setup.kyso
    for name in ("../../../../escaped.pdf", "..\\..\\x.PDF", "Quyết định\u202e.pdf"):
        body, content_type = _multipart({}, name, make_pdf(), star=False)
        started = _post(
            kyso, "/api/v1/archive/scans", body, content_type, kyso.headers("archivist")
        )
        assert started.status_code == 202, (name, started.text)
        folder = setup.data_dir / "scans" / started.json()["scan_id"]
        kyso.services.jobs.wait(started.json()["job_id"], 120)
        assert {p.name for p in folder.iterdir()} <= {"source.pdf", "job", "ocr.pdf", "ocr.txt"}
        assert (folder / "source.pdf").read_bytes() == make_pdf()
    refused = _multipart({}, "../../etc/passwd", make_pdf())
    answer = _post(kyso, "/api/v1/archive/scans", *refused, kyso.headers("archivist"))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "scan_type_unsupported"


def test_names_of_uploads_are_never_echoed_in_headers(setup: Setup) -> None:
    """Responses to uploads and the result download carry no part of an uploaded name."""
    kyso = setup.kyso
    body, content_type = _multipart({}, "kq.pdf\r\nSet-Cookie: kyso_session=stolen", make_pdf())
    response = _post(kyso, "/api/v1/verify", body, content_type, {})
    assert response.status_code < 500
    assert "stolen" not in str(response.headers)
    body, content_type = _multipart({}, "kq.pdf\r\nSet-Cookie: kyso_session=stolen", make_pdf())
    returned = _post(
        kyso, f"/api/v1/dossiers/{setup.code}/result", body, content_type, kyso.headers("official")
    )
    assert returned.status_code in (200, 409), returned.text  # 409: an earlier test returned it
    download = kyso.client.get(
        f"/api/v1/dossiers/{setup.code}/result.pdf", headers=kyso.headers("citizen")
    )
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        f"attachment; filename=\"{setup.code}.pdf\"; filename*=UTF-8''{setup.code}.pdf"
    )
    assert "stolen" not in str(download.headers)

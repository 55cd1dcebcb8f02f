"""A citizen's submission and an official's result are parsed (page count, signing, the
archive's verification) only in the bounded PDF workers: a PDF of 40,000 pages that share
one content stream is refused with ``resource_limit`` while ``/health`` keeps answering and
the API process does not grow."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pyotp
import pytest
from hostile import Served, free_port, kyso_serve

from tests.api.apitools import make_pdf

pytestmark = pytest.mark.slow
AGENCY = "UBND Phường Bến Nghé"
PASSWORD = "mat-khau-rat-dai-456"
PIN = "135790"


def many_pages(count: int) -> bytes:
    """``count`` pages in one flat page tree, all drawing the same content stream (6 MB for
    40,000 pages: cheap to make, costly to walk)."""
    out = io.BytesIO()
    offsets: dict[int, int] = {}

    def put(number: int, body: bytes) -> None:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    content = b"BT /F1 12 Tf 72 720 Td (Trang) Tj ET"
    put(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    put(2, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids))
    put(3, b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    put(4, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
    page += b"/Resources << /Font << /F1 4 0 R >> >> >>"
    for i in range(count):
        put(5 + i, page)
    xref, size = out.tell(), 5 + count
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size)))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


@dataclass
class Desk:
    server: Served
    tokens: dict[str, str]

    def post(self, path: str, role: str, **kwargs: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.post(f"{self.server.url}{path}", headers=headers, timeout=300, **kwargs)  # type: ignore[arg-type]


def _prepare(data: Path, url: str) -> dict[str, str]:
    """Accounts, an official's certificate and the agency's seal, before the server starts
    (its URL is in the certificates: CRL and OCSP)."""
    from api.accounts.service import Role
    from api.settings import Settings
    from api.wiring import build_services

    services = build_services(Settings(data_dir=data, public_url=url))
    services.ensure_pki()
    citizen = services.accounts.create_user("citizen1", PASSWORD, Role.CITIZEN, "Lý Thị Mai")
    official = services.accounts.create_user(
        "official1", PASSWORD, Role.OFFICIAL, "Võ Văn Kiệt", agency=AGENCY
    )
    certificate = services.pki.issue_official("Võ Văn Kiệt", "Chủ tịch", AGENCY)
    services.pki.issue_seal(AGENCY)
    services.accounts.bind_certificate("official1", certificate.serial)
    tokens = {
        "citizen": services.accounts.issue_token(citizen),
        "official": services.accounts.issue_token(official),
    }
    services.engine.dispose()
    return tokens


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    data = tmp_path_factory.mktemp("desk") / "data"
    data.mkdir()
    port = free_port()
    tokens = _prepare(data, f"http://127.0.0.1:{port}")
    with kyso_serve(data, port, verify_workers="1") as server:
        yield Desk(server, tokens)


def _credential(desk: Desk) -> tuple[str, pyotp.TOTP]:
    enrolment = desk.post(
        "/api/v1/enrolments", "citizen", json={"full_name": "Lý Thị Mai", "cccd": "079303005678"}
    ).json()
    serial = desk.post(f"/api/v1/enrolments/{enrolment['id']}/approve", "official").json()
    enrolled = desk.post(
        "/api/v1/credentials/enrol", "citizen", json={"serial": serial["serial"], "PIN": PIN}
    )
    assert enrolled.status_code == 201, enrolled.text
    secret = parse_qs(urlparse(enrolled.json()["otpauth_uri"]).query)["secret"][0]
    return enrolled.json()["credentialID"], pyotp.TOTP(secret)


def _submit(desk: Desk, pdf: bytes, credential: str, otp: str) -> httpx.Response:
    return desk.post(
        "/api/v1/dossiers",
        "citizen",
        files={"file": ("don.pdf", pdf, "application/pdf")},
        data={"service": "Đăng ký hộ kinh doanh", "agency": AGENCY, "credential_id": credential,
              "pin": PIN, "otp": otp},
    )  # fmt: skip


class HealthWatch:
    """Polls ``/health`` from a thread while a request is in flight."""

    def __init__(self, url: str) -> None:
        self.url, self.answers, self.failures = url, 0, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                status = httpx.get(f"{self.url}/health", timeout=10).status_code
                self.answers += status == 200
                if status != 200:
                    self.failures.append(status)
            except httpx.HTTPError as exc:
                self.failures.append(repr(exc))
            self._stop.wait(0.2)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_40000_page_submission_is_refused_in_a_worker_while_the_api_keeps_answering(
    desk: Desk,
) -> None:
    credential, totp = _credential(desk)
    normal = _submit(desk, make_pdf("Giay de nghi dang ky ho kinh doanh"), credential, totp.now())
    assert normal.status_code == 201, normal.text  # the budget fits a real application
    assert normal.json()["submission_indication"] == "TOTAL_PASSED"
    before = rss_mb(desk.server.proc.pid)
    with HealthWatch(desk.server.url) as health:
        # the next step's code: a fresh one, valid now (one step of clock drift is allowed)
        fresh = totp.at(time.time() + totp.interval)
        refused = _submit(desk, many_pages(40_000), credential, fresh)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "resource_limit"
    assert health.failures == [] and health.answers >= 1
    grown = rss_mb(desk.server.proc.pid) - before
    assert grown < 100, f"the API process grew by {grown:.0f} MB"

    code = normal.json()["code"]  # the official's result goes the same way
    result = desk.post(
        f"/api/v1/dossiers/{code}/result",
        "official",
        files={"file": ("kq.pdf", many_pages(40_000), "application/pdf")},
    )
    assert result.status_code == 400, result.text
    assert result.json()["error"]["code"] == "resource_limit"
    returned = desk.post(
        f"/api/v1/dossiers/{code}/result",
        "official",
        files={"file": ("kq.pdf", make_pdf("Giay chung nhan"), "application/pdf")},
    )
    assert returned.status_code == 200, returned.text

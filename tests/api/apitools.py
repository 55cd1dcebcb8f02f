"""Helpers for API tests: an app on a throw-away data dir, with one account per role."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pyotp
from fastapi.testclient import TestClient

from api.accounts.service import Role
from api.app import create_app
from api.settings import Settings
from api.wiring import Services, build_services
from common.clock import Clock
from tests.passwords import one_hash_per_password

PASSWORD = "mat-khau-rat-dai-123"
#: the PIN of the remote-signing credentials the tests enrol
PIN = "246810"


@dataclass
class Kyso:
    client: TestClient
    services: Services
    tokens: dict[str, str]

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}


def make_kyso(tmp_path: Path, settings: Settings | None = None) -> Kyso:
    services = build_services(settings or Settings(data_dir=tmp_path / "data"))
    client = TestClient(create_app(services.settings, services))
    tokens = {}
    with one_hash_per_password(services.accounts) as accounts:
        for role in Role:
            user = accounts.create_user(
                f"{role.value}1",
                PASSWORD,
                role,
                f"Người dùng {role.value}",
                agency="UBND Quận Hoàn Kiếm" if role is Role.OFFICIAL else None,
            )
            tokens[role.value] = accounts.issue_token(user)
    return Kyso(client, services, tokens)


def totp_of(enrolled: httpx.Response) -> pyotp.TOTP:
    """The one-time codes of a credential, from its enrolment's (or replacement's) answer."""
    return pyotp.TOTP(parse_qs(urlparse(enrolled.json()["otpauth_uri"]).query)["secret"][0])


def enrol_credential(
    http: httpx.Client,
    citizen: dict[str, str],
    official: dict[str, str],
    cccd: str = "001203004567",
    pin: str = PIN,
) -> tuple[str, pyotp.TOTP, str]:
    """The citizen (``citizen``: their auth headers) asks for a certificate, an official
    approves it, the citizen enrols it for remote signing with ``pin``: the credential's id,
    its one-time codes and the certificate's serial."""
    asked = http.post(
        "/api/v1/enrolments", json={"full_name": "Nguyễn Thị Hoa", "cccd": cccd}, headers=citizen
    )
    assert asked.status_code == 201, asked.text
    approved = http.post(f"/api/v1/enrolments/{asked.json()['id']}/approve", headers=official)
    serial = str(approved.json()["serial"])
    enrolled = http.post(
        "/api/v1/credentials/enrol", json={"serial": serial, "PIN": pin}, headers=citizen
    )
    assert enrolled.status_code == 201, enrolled.text
    return str(enrolled.json()["credentialID"]), totp_of(enrolled), serial


def citizen_credential(kyso: Kyso) -> tuple[str, pyotp.TOTP, str]:
    """citizen1's certificate, approved by official1, as a remote-signing credential."""
    return enrol_credential(kyso.client, kyso.headers("citizen"), kyso.headers("official"))


def archive_on_clock(app: object, services: Services, clock: Clock) -> Services:
    """The services with ``clock`` and an archive (catalog, store) on it, the rest as built;
    ``app`` serves them from now on (the services are frozen: a test that needs the archive
    in the past makes a new set rather than changing the running one)."""
    from api.adapters import ReportVerifier
    from api.wiring_archive import build_store
    from archive.catalog.sql import SqlCatalog
    from archive.ingest import Archive

    catalog = SqlCatalog(services.engine, clock)
    verifier = ReportVerifier(services.verify_file, services.settings.data_dir / "tmp")
    store = build_store(services.settings, clock)
    archive = Archive(store, catalog, verifier=verifier)
    changed = dataclasses.replace(services, clock=clock, catalog=catalog, archive=archive)
    app.state.services = changed  # type: ignore[attr-defined]
    return changed


def make_pdf(text: str = "Don de nghi cap giay phep xay dung") -> bytes:
    import io

    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[-1]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, deterministic_id=True)  # same text, same bytes
    return out.getvalue()


def citizen_signed_pdf(services: Services, cccd: str = "001203004567") -> bytes:
    """A PDF signed (PAdES B-T) by a citizen certificate of this service's own PKI."""
    import asyncio

    from signing.options import Level, SignOptions
    from signing.pades import PadesSigner, SigningContext
    from signing.pki_adapter import signing_key, trust_from_pki, tsa

    issued = services.pki.issue_citizen("Nguyễn Thị Hoa", cccd)
    context = SigningContext(trust=trust_from_pki(services.pki), timestamps=tsa(services.pki))
    signer = PadesSigner(services.keystore, signing_key(services.pki, issued.serial), context)
    signed = asyncio.run(signer.sign(make_pdf(), SignOptions(level=Level.B_T)))
    assert signed.pdf is not None
    return signed.pdf


def tampered(signed: bytes) -> bytes:
    """The signed bytes with one byte of the signed content changed (a hash failure)."""
    at = signed.index(b"Don de nghi")
    return signed[:at] + b"X" + signed[at + 1 :]


SCAN_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def scan_image(
    lines: list[str], *, pages: int = 1, size: tuple[int, int] = (1240, 700), fmt: str = "PNG"
) -> bytes:
    """A synthetic 300 dpi paper scan: ``lines`` on every page, then "Trang N" when paged."""
    import io

    import pytest
    from PIL import Image, ImageDraw, ImageFont

    if not Path(SCAN_FONT).exists():
        pytest.fail("fonts-liberation2 is missing (make test installs it)")
    font = ImageFont.truetype(SCAN_FONT, 34 if size[0] < 2000 else 38)
    step = 70 if size[0] < 2000 else 80
    images = []
    for number in range(pages):
        image = Image.new("L", size, 255)
        draw = ImageDraw.Draw(image)
        footer = [f"Trang {number + 1}"] if pages > 1 else []
        for row, line in enumerate([*lines, *footer]):
            draw.text((80 if size[0] < 2000 else 150, 80 + row * step), line, font=font, fill=0)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format=fmt, save_all=pages > 1, append_images=images[1:], dpi=(300, 300))
    return out.getvalue()


def metric_value(text: str, name: str, **labels: str) -> float:
    """One sample of a Prometheus text exposition (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def all_routes(app: object) -> list[tuple[str, object]]:
    """Every route of ``app`` with its full path: FastAPI (0.16x) keeps an included router as
    a nested branch, so ``app.routes`` alone shows only the top level."""

    def walk(routes: list[object], prefix: str) -> list[tuple[str, object]]:
        found: list[tuple[str, object]] = []
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                context = getattr(route, "include_context", None)
                found += walk(included.routes, prefix + getattr(context, "prefix", ""))
            else:
                found.append((prefix + getattr(route, "path", ""), route))
        return found

    return walk(list(app.routes), "")  # type: ignore[attr-defined]

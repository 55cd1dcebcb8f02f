"""A throw-away PKI (root, citizen and officials CAs, TSA, OCSP) shared by the signing tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from certs.keystore_file import FileKeyStore
from certs.pki import Pki
from certs.records import IssuedCertificate
from common.clock import SystemClock
from signing.options import SignOptions, StampKind
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, trust_from_pki, tsa
from signing.stamps import content_for
from tests.certs.throwaway import PkiServer, throwaway_pki

AGENCY = "Ủy ban nhân dân phường Bến Nghé"


@dataclass
class Kit:
    pki: Pki
    store: FileKeyStore
    context: SigningContext
    citizen: IssuedCertificate
    official: IssuedCertificate
    seal: IssuedCertificate
    root_pem: Path

    def signer(self, serial: str, *, pss: bool = False) -> PadesSigner:
        return PadesSigner(self.store, signing_key(self.pki, serial, pss=pss), self.context)

    def stamp(self, issued: IssuedCertificate, kind: StampKind, url: str | None = None):
        return content_for(kind, issued.certificate.subject, url)


def make_pdf(pages: int = 1, text: str = "Don de nghi cap giay phep") -> bytes:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for number in range(1, pages + 1):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        body = f"BT /F1 14 Tf 72 760 Td ({text} - trang {number}) Tj ET".encode()
        page.Contents = pdf.make_stream(body)
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kit]:
    base = tmp_path_factory.mktemp("pki")
    server = PkiServer()  # the PKI's OCSP and CRL URLs, so that pdfsig (NSS) checks them online
    made = throwaway_pki(base, server.url, clock=SystemClock())
    pki = made.pki
    server.serve(pki)
    citizen = pki.issue_citizen("Đặng Văn Hưởng", "001203004567")
    official = pki.issue_official("Nguyễn Thị Hồng Nhung", "Phó Chủ tịch", AGENCY)
    seal = pki.issue_seal(AGENCY)
    context = SigningContext(trust=trust_from_pki(pki), timestamps=tsa(pki), clock=SystemClock())
    yield Kit(pki, made.keys, context, citizen, official, seal, made.root_pem())
    server.stop()
    made.close()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def one_page() -> bytes:
    return make_pdf(1)


def options(**kw: object) -> SignOptions:
    return SignOptions(**kw)  # type: ignore[arg-type]

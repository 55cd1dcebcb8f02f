"""A running ``kyso serve`` keeps the revocation answers it fetched between requests: two
uploads signed under one foreign CA cost one OCSP/CRL fetch each, not one per upload.

The foreign CA is a second kyso PKI (``tests/certs/throwaway.py``), whose certificates send
their OCSP and CRL look-ups to a responder that answers them properly and counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hostile import kyso_serve

from tests.api.apitools import make_pdf
from tests.certs.throwaway import PkiServer, throwaway_pki

pytestmark = pytest.mark.slow


@dataclass
class ForeignCa:
    url: str
    root: Path
    #: two different documents signed by one citizen certificate of the CA
    documents: tuple[bytes, bytes]
    #: "OCSP" / "CRL" for each request the CA's responder answered
    asked: list[str]


@pytest.fixture(scope="module")
def foreign_ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForeignCa]:
    server = PkiServer()
    ca = throwaway_pki(tmp_path_factory.mktemp("foreign-ca"), server.url)
    server.serve(ca.pki)
    citizen = ca.pki.issue_citizen("Hoàng Thị Lan", "079203004444")
    documents = (
        ca.sign(citizen.serial, make_pdf("Don thu nhat")),
        ca.sign(citizen.serial, make_pdf("Don thu hai")),
    )
    try:
        yield ForeignCa(server.url, ca.root_pem(), documents, server.asked)
    finally:
        server.stop()
        ca.close()


def _verify(url: str, pdf: bytes) -> dict[str, object]:
    answer = httpx.post(
        f"{url}/api/v1/verify", files={"file": ("a.pdf", pdf, "application/pdf")}, timeout=120
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_two_uploads_under_one_foreign_ca_fetch_its_revocation_answers_once(
    tmp_path: Path, foreign_ca: ForeignCa
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    responder = foreign_ca.url.removeprefix("http://")
    with kyso_serve(data, verify_workers="1", fetch_allow_hosts=responder) as server:
        added = server.kyso("pki", "trust", "add", str(foreign_ca.root))
        assert added.returncode == 0, added.stderr
        first, second = foreign_ca.documents
        assert _verify(server.url, first)["indication"] == "TOTAL_PASSED"
        fetched = list(foreign_ca.asked)
        assert fetched and all(a.startswith("OCSP") for a in fetched), fetched
        assert _verify(server.url, second)["indication"] == "TOTAL_PASSED"
        assert foreign_ca.asked == fetched  # the second upload was answered from the cache
    with kyso_serve(data, verify_workers="1", fetch_allow_hosts=responder,
                    revocation_cache_seconds="0") as server:  # fmt: skip
        foreign_ca.asked.clear()
        assert _verify(server.url, first)["indication"] == "TOTAL_PASSED"
        assert _verify(server.url, second)["indication"] == "TOTAL_PASSED"
        assert len(foreign_ca.asked) == 2 * len(fetched)  # without the cache: each asks

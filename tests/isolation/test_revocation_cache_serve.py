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


def test_a_certificate_revoked_by_kyso_is_seen_by_the_next_upload_despite_the_caches(
    tmp_path: Path,
) -> None:
    """The server's verifier processes keep revocation answers and signer path outcomes
    between requests, but never for kyso's own CA: a document passes, its signer is revoked,
    the same document uploaded again is no longer TOTAL_PASSED."""
    data = tmp_path / "data"
    data.mkdir()
    with kyso_serve(data, verify_workers="1") as server:
        issued = server.kyso(
            "pki", "issue", "citizen", "--name", "Vũ Thị Thu", "--cccd", "001203009876"
        )
        assert issued.returncode == 0, issued.stderr
        serial = issued.stdout.strip().splitlines()[-1]
        (tmp_path / "don.pdf").write_bytes(make_pdf("Don de nghi"))
        signed = tmp_path / "ky.pdf"
        done = server.kyso("sign", str(tmp_path / "don.pdf"), "-o", str(signed), "--signer", serial,
                           "--level", "B-B")  # fmt: skip
        assert done.returncode == 0, done.stderr
        pdf = signed.read_bytes()
        assert _verify(server.url, pdf)["indication"] == "TOTAL_PASSED"
        assert _verify(server.url, pdf)["indication"] == "TOTAL_PASSED"  # the caches are warm
        revoked = server.kyso("pki", "revoke", serial, "--reason", "key_compromise")
        assert revoked.returncode == 0, revoked.stderr
        report = _verify(server.url, pdf)
        [signature] = report["signatures"]  # type: ignore[misc]
        assert report["indication"] != "TOTAL_PASSED", report
        assert "REVOKED" in str(signature["sub_indication"]), signature

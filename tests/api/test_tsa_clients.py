"""RFC 3161 clients nobody here wrote get valid tokens from kyso's TSA (``POST /pki/tsa`` of a
running ``kyso serve``): pyHanko's ``HTTPTimeStamper``, and ``openssl ts`` (the query sent with
curl); and kyso signs at B-T through another service's TSA when ``KYSO_TSA_URL`` names it."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from apitools import PIN, make_pdf
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from servetools import Served, kyso_served
from sqlalchemy.orm import Session
from test_remote_signing_api import _citizen

from api.accounts.models import DossierRow
from api.adapters import TsaAnchorer
from certs.records import to_pem
from signing.errors import SigningBackendError
from signing.timestamps import HttpTimeStampSource, SourceTimeStamper
from tests.signing.checks import statuses

DOCUMENT = b"Quyet dinh so 123/QD-UBND cap giay phep xay dung"
LIMITS = {"KYSO_RATE_PIN_PER_MINUTE": "100000", "KYSO_RATE_LOGIN_PER_MINUTE": "100000"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with kyso_served(tmp_path_factory.mktemp("tsa"), LIMITS) as running:
        yield running


def _sh(*args: str, check: bool = True) -> str:
    done = subprocess.run(args, capture_output=True, timeout=60, check=False)
    text = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 0 or not check, text
    return text


def test_pyhanko_http_timestamper_gets_a_token_valid_for_its_digest(served: Served) -> None:
    stamper = HTTPTimeStamper(f"{served.url}/pki/tsa")
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(DOCUMENT).digest(), "sha256"))
    context = ValidationContext(trust_roots=served.kyso.services.pki.trust_anchors())

    def checked(data: bytes) -> dict[str, object]:
        found: dict[str, object] = asyncio.run(
            validate_tst_signed_data(
                token["content"], context, lambda md: hashlib.new(md, data).digest()
            )
        )
        return found

    status = checked(DOCUMENT)
    assert (status["intact"], status["valid"]) == (True, True)
    assert status["trust_problem_indic"] is None and status["validation_path"] is not None
    own = served.kyso.services.tsa.certificate
    assert status["signing_cert"].dump() == own.dump()  # type: ignore[attr-defined]
    assert checked(DOCUMENT + b".")["intact"] is False


def test_openssl_ts_query_reply_and_verify_against_kyso(served: Served, tmp_path: Path) -> None:
    document, other = tmp_path / "qd.txt", tmp_path / "other.txt"
    document.write_bytes(DOCUMENT)
    other.write_bytes(DOCUMENT + b".")
    root = tmp_path / "root.pem"
    root.write_text(to_pem(served.kyso.services.pki.trust_anchors()[0]))
    query, reply = str(tmp_path / "q.tsq"), str(tmp_path / "r.tsr")
    tsa = f"{served.url}/pki/tsa"
    curl = ["curl", "-sS", "--fail", "-H", "Content-Type: application/timestamp-query"]

    _sh("openssl", "ts", "-query", "-data", str(document), "-sha256", "-cert", "-out", query)
    _sh(*curl, "--data-binary", f"@{query}", "-o", reply, tsa)
    text = _sh("openssl", "ts", "-reply", "-in", reply, "-text")
    assert "Status: Granted." in text and "Nonce: 0x" in text
    verified = _sh(
        "openssl", "ts", "-verify", "-in", reply, "-queryfile", query, "-CAfile", str(root)
    )
    assert "Verification: OK" in verified
    data = _sh(
        "openssl", "ts", "-verify", "-in", reply, "-data", str(document), "-CAfile", str(root)
    )
    assert "Verification: OK" in data
    forged = _sh(
        "openssl", "ts", "-verify", "-in", reply, "-data", str(other), "-CAfile", str(root),
        check=False,
    )  # fmt: skip
    assert "Verification: FAILED" in forged

    weak = str(tmp_path / "sha1.tsq")
    _sh("openssl", "ts", "-query", "-data", str(document), "-sha1", "-cert", "-out", weak)
    _sh(*curl, "--data-binary", f"@{weak}", "-o", reply, tsa)
    refused = _sh("openssl", "ts", "-reply", "-in", reply, "-text")
    assert "Status: Rejected." in refused
    assert "Failure info: unrecognized or unsupported algorithm identifier" in refused


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/pki/tsa"


def test_kyso_http_timestamp_client_checks_what_it_gets(served: Served) -> None:
    digest = hashlib.sha256(DOCUMENT).digest()
    remote = HttpTimeStampSource(f"{served.url}/pki/tsa")
    token = TsaAnchorer(remote).timestamp(digest)  # the audit log's anchor, over HTTP
    info = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    failures = []
    for source, md in [
        (HttpTimeStampSource(_closed_port(), timeout=5), "sha256"),
        (HttpTimeStampSource(f"{served.url}/health"), "sha256"),  # 405
        (HttpTimeStampSource(f"{served.url}/csc/v1/info"), "sha256"),  # 200, JSON
        (remote, "sha1"),  # refused by the TSA
    ]:
        with pytest.raises(SigningBackendError) as caught:
            SourceTimeStamper(source).timestamp(hashlib.new(md, DOCUMENT).digest(), md)
        failures.append(caught.value.code)
    assert failures == ["tsa_unreachable", "tsa_bad_response", "tsa_bad_response", "tsa_refused"]


def test_kyso_signs_at_b_t_through_another_services_tsa(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with (
        kyso_served(tmp_path_factory.mktemp("tsa-other"), LIMITS) as other,
        kyso_served(
            tmp_path_factory.mktemp("tsa-signing"),
            {**LIMITS, "KYSO_TSA_URL": f"{other.url}/pki/tsa"},
        ) as signing,
        signing.client() as http,
    ):
        citizen = _citizen(signing, http)
        submitted = http.post(
            "/api/v1/dossiers",
            files={"file": ("don.pdf", make_pdf("Don xin cap phep"), "application/pdf")},
            data={
                "service": "Cấp giấy phép xây dựng",
                "agency": "UBND Quận Hoàn Kiếm",
                "credential_id": citizen.credential,
                "pin": PIN,
                "otp": citizen.totp.now(),
            },
            headers=citizen.headers,
        )
        assert submitted.status_code == 201, submitted.text
        services = signing.kyso.services
        with Session(services.engine) as db:
            row = db.get(DossierRow, submitted.json()["code"])
            assert row is not None
            _version, chunks = services.archive.read(row.submission_document)
        pdf = b"".join(chunks)
        theirs = other.kyso.services.tsa.certificate
        ours = services.tsa.certificate
        roots = services.pki.trust_anchors() + other.kyso.services.pki.trust_anchors()

    [signature] = PdfFileReader(BytesIO(pdf)).embedded_signatures
    unsigned = signature.signer_info["unsigned_attrs"]
    [stamped] = [a for a in unsigned if a["type"].native == "signature_time_stamp_token"]
    token = stamped["values"][0]["content"]
    embedded = [c.chosen.dump() for c in token["certificates"]]
    assert embedded == [theirs.dump()] and ours.dump() not in embedded
    [status] = statuses(pdf, roots)
    assert status.bottom_line, status.pretty_print_details()
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    assert stamp.signing_cert.dump() == theirs.dump()

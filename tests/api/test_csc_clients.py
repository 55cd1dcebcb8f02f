"""pyHanko's own CSC client (``pyhanko.sign.signers.csc_signer``), written by nobody here,
signs a PDF through a running ``kyso serve`` at the standard CSC paths: the certificates from
``credentials/info``, the SAD from ``credentials/authorize`` with the citizen's PIN and
one-time code, the signature from ``signatures/signHash``, the time-stamp from kyso's TSA
through pyHanko's ``HTTPTimeStamper``. kyso, pyHanko's validator and poppler's pdfsig accept
the result; what a CSC client is told is in the CSC shapes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

import aiohttp
import pytest
from apitools import PASSWORD, PIN, make_pdf
from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)
from pyhanko.sign.timestamps import HTTPTimeStamper
from servetools import Served, kyso_served
from test_remote_signing_api import Citizen, _citizen, _wrong_code

from certs.records import to_pem
from tests.serving import KYSO
from tests.signing.checks import pdfsig, statuses

ECDSA_SHA256 = "1.2.840.10045.4.3.2"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    limits = {"KYSO_RATE_PIN_PER_MINUTE": "100000", "KYSO_RATE_LOGIN_PER_MINUTE": "100000"}
    with kyso_served(tmp_path_factory.mktemp("csc-clients"), limits) as running:
        yield running


class PinAndCode(CSCAuthorizationManager):
    """What a citizen's signing app does with pyHanko: ``credentials/authorize`` with the PIN
    and the code the authenticator shows now, for exactly the hashes pyHanko is signing."""

    def __init__(
        self,
        session_info: CSCServiceSessionInfo,
        credential: CSCCredentialInfo,
        session: aiohttp.ClientSession,
        pin: str,
        code: Callable[[], str],
    ) -> None:
        super().__init__(session_info, credential)
        self.session = session
        self.pin = pin
        self.code = code
        self.answers: list[tuple[int, object]] = []

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        body = self.format_csc_auth_request(pin=self.pin, otp=self.code(), hash_b64s=hash_b64s)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        async with self.session.post(url, json=body, headers=self.auth_headers) as response:
            answer = await response.json()
            self.answers.append((response.status, answer))
            if response.status != 200:
                raise SigningError(f"authorization refused: {answer}")
        return self.parse_csc_auth_response(answer)


def _token(citizen: Citizen) -> str:
    return citizen.headers["Authorization"].removeprefix("Bearer ")


async def _pyhanko_sign(
    served: Served, citizen: Citizen, version: str, pdf: bytes, pin: str = PIN
) -> tuple[bytes | None, PinAndCode]:
    """pyHanko's CSCSigner and HTTPTimeStamper against kyso: a PAdES B-T signature."""
    async with aiohttp.ClientSession() as session:
        info = CSCServiceSessionInfo(
            served.url, citizen.credential, oauth_token=_token(citizen), api_ver=version
        )
        credential = await fetch_certs_in_csc_credential(session, info)
        manager = PinAndCode(info, credential, session, pin, citizen.totp.now)
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Nộp hồ sơ",
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=CSCSigner(session, manager),
            timestamper=HTTPTimeStamper(f"{served.url}/pki/tsa"),
        )
        try:
            out = await pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)))
        except SigningError:
            return None, manager
        return out.getvalue(), manager


def _kyso_verify(served: Served, path: Path) -> dict[str, object]:
    environment = {**os.environ, "KYSO_DATA_DIR": str(served.data), "KYSO_PUBLIC_URL": served.url}
    done = subprocess.run(
        [KYSO, "verify", "--json", str(path)],
        env=environment,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report: dict[str, object] = json.loads(done.stdout)
    return report


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_pyhanko_csc_signer_signs_a_pdf_kyso_pyhanko_and_pdfsig_accept(
    served: Served, tmp_path: Path, version: str
) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
    signed, manager = asyncio.run(_pyhanko_sign(served, citizen, version, make_pdf()))
    assert signed is not None, manager.answers
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)

    report = _kyso_verify(served, path)
    assert report["indication"] == "TOTAL_PASSED", report
    roots = served.kyso.services.pki.trust_anchors()
    [status] = statuses(signed, roots)
    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    own = served.kyso.services.pki.get(citizen.serial).certificate
    assert status.signing_cert.dump() == own.dump()
    root_pem = tmp_path / "root.pem"
    root_pem.write_text(to_pem(roots[0]))
    [peer] = pdfsig(signed, root_pem)
    assert peer["Signature Validation"] == "Signature is Valid."
    assert peer["Certificate Validation"] == "Certificate is Trusted."
    assert peer["Signature Type"] == "ETSI.CAdES.detached"

    # one approval, for the one hash pyHanko signed, then that signature
    [(answered, _sad)] = manager.answers
    assert answered == 200
    events = served.kyso.services.remote_signing.approvals(citizen.credential)
    [authorized] = [h for e, _r, h in events if e == "authorized"]
    [signed_hashes] = [h for e, _r, h in events if e == "signed"]
    assert authorized == signed_hashes and len(signed_hashes) == 1
    embedded = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
    attributes = embedded.signer_info["signed_attrs"].untag().dump()  # signed as a SET
    assert hashlib.sha256(attributes).hexdigest() == signed_hashes[0]


def test_pyhanko_with_a_wrong_pin_gets_the_one_answer_and_signs_nothing(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
    signed, manager = asyncio.run(_pyhanko_sign(served, citizen, "v1", make_pdf(), "135790"))
    assert signed is None
    failed = {"error": "authorization_failed", "error_description": "wrong PIN or one-time code"}
    assert manager.answers == [(401, failed)]
    events = served.kyso.services.remote_signing.approvals(citizen.credential)
    assert [(e, r) for e, r, _h in events if e != "enrolled"] == [("refused", "pin_invalid")]


def test_credentials_info_tells_a_csc_client_the_chain_and_the_key(served: Served) -> None:
    with served.client() as http:
        citizen = _citizen(served, http)
        ask = {"credentialID": citizen.credential, "certificates": "chain", "certInfo": True}
        info = http.post("/csc/v2/credentials/info", json=ask, headers=citizen.headers)
        bare = http.post(
            "/csc/v1/credentials/info",
            json={"credentialID": citizen.credential, "certificates": "none"},
            headers=citizen.headers,
        ).json()
        listed = http.post(
            "/csc/v2/credentials/list", json={"credentialInfo": True}, headers=citizen.headers
        ).json()
        service = http.post("/csc/v1/info").json()
    assert info.status_code == 200, info.text
    shown = info.json()
    chain = [x509.Certificate.load(base64.b64decode(c)) for c in shown["cert"]["certificates"]]
    expected = served.kyso.services.pki.chain(citizen.serial)
    assert [c.dump() for c in chain] == [c.dump() for c in expected] and len(chain) == 3
    assert shown["key"] == {
        "status": "enabled",
        "algo": [ECDSA_SHA256, "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"],
        "len": 256,
        "curve": "1.2.840.10045.3.1.7",
    }
    cert = shown["cert"]
    assert cert["status"] == "valid" and cert["serialNumber"] == citizen.serial
    assert "CN=Nguyễn Thị Hoa" in cert["subjectDN"] and "CN=" in cert["issuerDN"]
    assert cert["validFrom"].endswith("Z") and len(cert["validTo"]) == 15
    assert (shown["authMode"], shown["SCAL"], shown["multisign"]) == ("explicit", "2", 500)
    assert [o["id"] for o in shown["auth"]["objects"]] == ["PIN", "OTP"]
    assert "certificates" not in bare["cert"] and bare["PIN"]["presence"] == "true"
    assert listed["credentialIDs"] == [citizen.credential]
    assert listed["credentialInfos"][0]["credentialID"] == citizen.credential
    assert service["specs"] == "1.0.4.0" and "signatures/signHash" in service["methods"]


def test_csc_errors_have_the_csc_shape_and_a_wrong_algorithm_spends_nothing(
    served: Served,
) -> None:
    digest = base64.b64encode(hashlib.sha256(b"to khai").digest()).decode()
    with served.client() as http:
        citizen = _citizen(served, http)
        anonymous = http.post("/csc/v2/credentials/list")
        malformed = http.post(
            "/csc/v2/credentials/info", json={"credential": "x"}, headers=citizen.headers
        )
        nowhere = http.post("/csc/v2/signatures/signDoc", headers=citizen.headers)
        approval = {
            "credentialID": citizen.credential,
            "numSignatures": 1,
            "hash": [digest],
            "PIN": PIN,
            "OTP": citizen.totp.now(),
        }
        sad = http.post("/csc/v1/credentials/authorize", json=approval, headers=citizen.headers)
        assert sad.status_code == 200, sad.text
        signing = {"credentialID": citizen.credential, "SAD": sad.json()["SAD"], "hash": [digest]}
        rsa = http.post(
            "/csc/v1/signatures/signHash",
            json={**signing, "signAlgo": "1.2.840.113549.1.1.11"},  # sha256WithRSA, an EC key
            headers=citizen.headers,
        )
        mixed = http.post(
            "/csc/v1/signatures/signHash",
            json={**signing, "signAlgo": ECDSA_SHA256, "hashAlgo": "2.16.840.1.101.3.4.2.3"},
            headers=citizen.headers,
        )
        good = http.post(
            "/csc/v1/signatures/signHash",
            json={**signing, "signAlgo": ECDSA_SHA256, "hashAlgo": "2.16.840.1.101.3.4.2.1"},
            headers=citizen.headers,
        )
        again = http.post(
            "/csc/v1/signatures/signHash",
            json={**signing, "signAlgo": ECDSA_SHA256},
            headers=citizen.headers,
        )
        wrong = http.post(
            "/csc/v1/credentials/authorize",
            json={**approval, "OTP": _wrong_code(citizen.totp)},
            headers=citizen.headers,
        )
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthenticated"
    assert malformed.status_code == 400 and malformed.json()["error"] == "invalid_request"
    assert nowhere.status_code == 404 and set(nowhere.json()) == {"error", "error_description"}
    assert (rsa.status_code, rsa.json()["error"]) == (400, "sign_algorithm_unsupported")
    assert (mixed.status_code, mixed.json()["error"]) == (400, "sign_algorithm_unsupported")
    assert good.status_code == 200, good.text
    assert len(good.json()["signatures"]) == 1
    assert (again.status_code, again.json()["error"]) == (403, "remote_sad_invalid")  # used up
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": "authorization_failed",
        "error_description": "wrong PIN or one-time code",
    }


def test_a_revoked_certificate_signs_nothing_even_with_an_approval(served: Served) -> None:
    digest = base64.b64encode(hashlib.sha256(b"don sau thu hoi").digest()).decode()
    with served.client() as http:
        citizen = _citizen(served, http)
        approval = {"credentialID": citizen.credential, "numSignatures": 1, "hashes": [digest]}
        approval["authData"] = [
            {"id": "PIN", "value": PIN},
            {"id": "OTP", "value": citizen.totp.now()},
        ]
        sad = http.post("/csc/v2/credentials/authorize", json=approval, headers=citizen.headers)
        assert sad.status_code == 200, sad.text
        official = http.post(
            "/api/v1/auth/token", json={"username": "official1", "password": PASSWORD}
        ).json()["access_token"]
        revoked = http.post(
            f"/api/v1/certificates/{citizen.serial}/revoke",
            json={"reason": "key_compromise"},
            headers={"Authorization": f"Bearer {official}"},
        )
        assert revoked.status_code == 200, revoked.text
        signing = {"credentialID": citizen.credential, "SAD": sad.json()["SAD"]}
        signing |= {"hashes": [digest], "signAlgo": ECDSA_SHA256}
        refused = http.post("/csc/v2/signatures/signHash", json=signing, headers=citizen.headers)
        info = http.post(
            "/csc/v2/credentials/info",
            json={"credentialID": citizen.credential},
            headers=citizen.headers,
        ).json()
    assert (refused.status_code, refused.json()["error"]) == (400, "signer_revoked")
    assert info["cert"]["status"] == "revoked"
    events = served.kyso.services.remote_signing.approvals(citizen.credential)
    assert "signed" not in [e for e, _r, _h in events]

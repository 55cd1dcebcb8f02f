"""The Cloud Signature Consortium-shaped API a phone app uses to sign with a key kept by kyso."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlparse

import pyotp
from apitools import Kyso
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

PIN = "246810"


def _enrolled(kyso: Kyso) -> tuple[str, pyotp.TOTP, str]:
    """citizen1 requests a certificate, an official approves, citizen1 makes it a credential."""
    citizen = kyso.headers("citizen")
    enrolment = kyso.client.post(
        "/api/v1/enrolments",
        json={"full_name": "Nguyễn Thị Hoa", "cccd": "001203004567"},
        headers=citizen,
    ).json()
    serial = kyso.client.post(
        f"/api/v1/enrolments/{enrolment['id']}/approve", headers=kyso.headers("official")
    ).json()["serial"]
    enrolled = kyso.client.post(
        "/api/v1/csc/credentials/enrol", json={"serial": serial, "PIN": PIN}, headers=citizen
    )
    assert enrolled.status_code == 201, enrolled.text
    secret = parse_qs(urlparse(enrolled.json()["otpauth_uri"]).query)["secret"][0]
    return enrolled.json()["credentialID"], pyotp.TOTP(secret), serial


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_pin_and_one_time_code_approve_exactly_the_listed_hashes(kyso: Kyso) -> None:
    credential, totp, serial = _enrolled(kyso)
    citizen = kyso.headers("citizen")
    listed = kyso.client.post("/api/v1/csc/credentials/list", headers=citizen).json()
    assert listed == {"credentialIDs": [credential]}
    digest = hashlib.sha256(b"ho so xin cap phep").digest()
    sad = kyso.client.post(
        "/api/v1/csc/credentials/authorize",
        json={
            "credentialID": credential,
            "numSignatures": 1,
            "hash": [_b64(digest)],
            "PIN": PIN,
            "OTP": totp.now(),
        },
        headers=citizen,
    )
    assert sad.status_code == 200, sad.text
    signed = kyso.client.post(
        "/api/v1/csc/signatures/signHash",
        json={"credentialID": credential, "SAD": sad.json()["SAD"], "hash": [_b64(digest)]},
        headers=citizen,
    )
    assert signed.status_code == 200, signed.text
    signature = base64.b64decode(signed.json()["signatures"][0])
    cert = x509.load_pem_x509_certificate(
        kyso.client.get(f"/api/v1/certificates/{serial}").json()["pem"].encode()
    )
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signature, b"ho so xin cap phep", ec.ECDSA(hashes.SHA256()))
    other = hashlib.sha256(b"another document").digest()
    again = kyso.client.post(
        "/api/v1/csc/signatures/signHash",
        json={"credentialID": credential, "SAD": sad.json()["SAD"], "hash": [_b64(other)]},
        headers=citizen,
    )
    assert again.status_code == 403


def test_wrong_pin_replayed_code_and_lockout_are_refused(kyso: Kyso) -> None:
    credential, totp, _serial = _enrolled(kyso)
    citizen = kyso.headers("citizen")
    digest = _b64(hashlib.sha256(b"x").digest())

    def authorize(pin: str, otp: str) -> tuple[int, str]:
        response = kyso.client.post(
            "/api/v1/csc/credentials/authorize",
            json={
                "credentialID": credential,
                "numSignatures": 1,
                "hash": [digest],
                "PIN": pin,
                "OTP": otp,
            },
            headers=citizen,
        )
        return response.status_code, response.json().get("error", {}).get("code", "")

    code = totp.now()
    assert authorize(PIN, code)[0] == 200
    assert authorize(PIN, code) == (401, "otp_replayed")
    assert authorize("000000", totp.now())[1] == "pin_invalid"
    for _ in range(4):
        authorize("000000", totp.now())
    assert authorize(PIN, totp.now()) == (423, "account_locked")


def test_other_people_cannot_use_or_enrol_a_citizens_certificate(kyso: Kyso) -> None:
    credential, _totp, serial = _enrolled(kyso)
    intruder = kyso.services.accounts.create_user(
        "citizen2",
        "mat-khau-rat-dai-456",
        kyso.services.accounts.by_username("citizen1").role,
        "Người khác",
    )
    token = kyso.services.accounts.issue_token(intruder)
    headers = {"Authorization": f"Bearer {token}"}
    info = kyso.client.post(
        "/api/v1/csc/credentials/info", json={"credentialID": credential}, headers=headers
    )
    assert info.status_code == 404
    steal = kyso.client.post(
        "/api/v1/csc/credentials/enrol", json={"serial": serial, "PIN": "135790"}, headers=headers
    )
    assert steal.status_code == 403 and steal.json()["error"]["code"] == "certificate_not_yours"
    official = kyso.client.post("/api/v1/csc/credentials/list", headers=kyso.headers("official"))
    assert official.status_code == 403

"""Remote signing shaped like the Cloud Signature Consortium API v2 (``/api/v1/csc/...``).

A citizen's key stays in kyso's key store; a phone app lists the citizen's credentials,
authorizes a set of document hashes with PIN + one-time code (a short-lived SAD), then has
exactly those hashes signed. A certificate has one credential: a second enrolment is
``credential_exists``; replacing it takes the current PIN and a fresh code
(``credentials/replace``) or an officer at the one-stop-shop desk (``credentials/desk-replace``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.credentials import enrol_credential, replace_credential, replace_credential_at_desk
from api.deps import ServicesDep, rate_limit, require
from common.errors import InputError, NotFoundError
from signing.remote import Enrolment

router = APIRouter(prefix="/api/v1/csc", tags=["remote signing (CSC)"])
Citizen = Annotated[User, Depends(require(Role.CITIZEN))]
Officer = Annotated[User, Depends(require(Role.OFFICIAL))]
#: CSC names hash algorithms by OID
HASH_OIDS = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}


class CredentialEnrol(BaseModel):
    serial: str = Field(max_length=64)
    PIN: str = Field(max_length=12)


class CredentialEnrolled(BaseModel):
    credentialID: str
    otpauth_uri: str
    #: the credential this one replaced (it no longer works)
    replacedID: str | None = None


class CredentialReplace(BaseModel):
    credentialID: str = Field(max_length=64)
    PIN: str = Field(max_length=12)
    OTP: str = Field(max_length=10)
    newPIN: str = Field(max_length=12)


class DeskReplace(BaseModel):
    serial: str = Field(max_length=64)
    #: typed by the citizen at the desk
    PIN: str = Field(max_length=12)


class CredentialList(BaseModel):
    credentialIDs: list[str]


class CredentialRef(BaseModel):
    credentialID: str = Field(max_length=64)


class CredentialInfoPublic(BaseModel):
    credentialID: str
    status: str
    cert_serial: str
    authMode: str
    factors: list[str]
    multisign: int


class Authorize(BaseModel):
    credentialID: str = Field(max_length=64)
    numSignatures: int = Field(ge=1, le=500)
    hashes: list[str] = Field(min_length=1, max_length=500, alias="hash")
    hashAlgorithmOID: str = "2.16.840.1.101.3.4.2.1"
    PIN: str = Field(max_length=12)
    OTP: str = Field(max_length=10)


class Authorized(BaseModel):
    SAD: str
    expiresIn: int


class SignHash(BaseModel):
    credentialID: str = Field(max_length=64)
    SAD: str = Field(max_length=128)
    hashes: list[str] = Field(min_length=1, max_length=500, alias="hash")
    hashAlgorithmOID: str = "2.16.840.1.101.3.4.2.1"


class Signatures(BaseModel):
    signatures: list[str]


def _digest(oid: str) -> str:
    if oid not in HASH_OIDS:
        raise InputError("hash_algorithm_unsupported", "hashAlgorithmOID must be SHA-256/384/512")
    return HASH_OIDS[oid]


def _hashes(values: list[str]) -> list[bytes]:
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, ValueError) as exc:
        raise InputError("hash_not_base64", "hashes are base64") from exc


def _enrolled(done: Enrolment) -> CredentialEnrolled:
    return CredentialEnrolled(
        credentialID=done.credential_id, otpauth_uri=done.provisioning_uri, replacedID=done.replaced
    )


def _own(svc: ServicesDep, user: User, credential_id: str) -> None:
    if credential_id not in svc.remote_signing.credentials_list(user.username):
        raise NotFoundError("credential_unknown", "no such credential of yours")


@router.post("/credentials/enrol", status_code=201)
async def enrol(body: CredentialEnrol, svc: ServicesDep, user: Citizen) -> CredentialEnrolled:
    """Turn the citizen's issued certificate into a remote credential with PIN and TOTP (once:
    a certificate that has one is ``credential_exists``, 409)."""
    done = await run_in_threadpool(enrol_credential, svc, user, body.serial, body.PIN)
    return _enrolled(done)


@router.post("/credentials/replace", status_code=201, dependencies=[Depends(rate_limit("pin"))])
async def replace(body: CredentialReplace, svc: ServicesDep, user: Citizen) -> CredentialEnrolled:
    """A new phone or PIN: the current PIN and a fresh one-time code replace the credential
    (a wrong answer is ``authorization_failed`` and counts like one at ``authorize``)."""
    _own(svc, user, body.credentialID)
    done = await run_in_threadpool(
        replace_credential, svc, user, body.credentialID, body.PIN, body.OTP, body.newPIN
    )
    return _enrolled(done)


@router.post("/credentials/desk-replace", status_code=201)
async def desk_replace(body: DeskReplace, svc: ServicesDep, officer: Officer) -> CredentialEnrolled:
    """At the one-stop-shop desk (the officer checked the citizen's CCCD): a lost phone or PIN.
    The certificate's credential is replaced; the citizen scans the new QR code there."""
    done = await run_in_threadpool(replace_credential_at_desk, svc, officer, body.serial, body.PIN)
    return _enrolled(done)


@router.post("/credentials/list")
def credentials_list(svc: ServicesDep, user: Citizen) -> CredentialList:
    return CredentialList(credentialIDs=svc.remote_signing.credentials_list(user.username))


@router.post("/credentials/info")
def credentials_info(body: CredentialRef, svc: ServicesDep, user: Citizen) -> CredentialInfoPublic:
    _own(svc, user, body.credentialID)
    info = svc.remote_signing.credentials_info(body.credentialID)
    return CredentialInfoPublic(
        credentialID=info.credential_id,
        status=info.status,
        cert_serial=info.cert_serial,
        authMode=info.auth_mode,
        factors=list(info.factors),
        multisign=info.multisign,
    )


@router.post("/credentials/authorize", dependencies=[Depends(rate_limit("pin"))])
async def authorize(body: Authorize, svc: ServicesDep, user: Citizen) -> Authorized:
    """PIN + one-time code approve exactly the listed hashes (CSC explicit authorization).
    Whichever half is wrong (or the code expired or used), the answer is the same 401
    ``authorization_failed``."""
    _own(svc, user, body.credentialID)
    hashes = _hashes(body.hashes)
    if body.numSignatures != len(hashes):
        raise InputError("num_signatures_mismatch", "numSignatures must equal the number of hashes")
    activation = await run_in_threadpool(
        svc.remote_signing.authorize,
        body.credentialID,
        body.PIN,
        body.OTP,
        hashes,
        _digest(body.hashAlgorithmOID),
    )
    seconds = int((activation.expires_at - svc.clock.now()).total_seconds())
    return Authorized(SAD=activation.sad, expiresIn=max(seconds, 0))


@router.post("/signatures/signHash")
def sign_hash(body: SignHash, svc: ServicesDep, user: Citizen) -> Signatures:
    _own(svc, user, body.credentialID)
    values = svc.remote_signing.sign_hash(
        body.credentialID, body.SAD, _hashes(body.hashes), _digest(body.hashAlgorithmOID)
    )
    return Signatures(signatures=[base64.b64encode(v).decode() for v in values])

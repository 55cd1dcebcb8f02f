"""kyso's own remote-signing credential routes (``/api/v1/credentials/...``; not CSC methods:
the CSC API has no enrolment), with kyso's error shape.

A certificate has one credential: a second enrolment is ``credential_exists``; replacing it
takes the current PIN and a fresh code (``replace``) or an officer at the one-stop-shop desk
(``desk-replace``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.accounts.service import Role, User
from api.credentials import enrol_credential, replace_credential, replace_credential_at_desk
from api.deps import ServicesDep, rate_limit, require
from common.errors import NotFoundError
from signing.remote import Enrolment

router = APIRouter(prefix="/api/v1/credentials", tags=["remote signing (kyso)"])
Citizen = Annotated[User, Depends(require(Role.CITIZEN))]
Officer = Annotated[User, Depends(require(Role.OFFICIAL))]


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


def _enrolled(done: Enrolment) -> CredentialEnrolled:
    return CredentialEnrolled(
        credentialID=done.credential_id, otpauth_uri=done.provisioning_uri, replacedID=done.replaced
    )


@router.post("/enrol", status_code=201)
async def enrol(body: CredentialEnrol, svc: ServicesDep, user: Citizen) -> CredentialEnrolled:
    """Turn the citizen's issued certificate into a remote credential with PIN and TOTP (once:
    a certificate that has one is ``credential_exists``, 409)."""
    done = await run_in_threadpool(enrol_credential, svc, user, body.serial, body.PIN)
    return _enrolled(done)


@router.post("/replace", status_code=201, dependencies=[Depends(rate_limit("pin"))])
async def replace(body: CredentialReplace, svc: ServicesDep, user: Citizen) -> CredentialEnrolled:
    """A new phone or PIN: the current PIN and a fresh one-time code replace the credential
    (a wrong answer is ``authorization_failed`` and counts like one at ``authorize``)."""
    if body.credentialID not in svc.remote_signing.credentials_list(user.username):
        raise NotFoundError("credential_unknown", "no such credential of yours")
    done = await run_in_threadpool(
        replace_credential, svc, user, body.credentialID, body.PIN, body.OTP, body.newPIN
    )
    return _enrolled(done)


@router.post("/desk-replace", status_code=201)
async def desk_replace(body: DeskReplace, svc: ServicesDep, officer: Officer) -> CredentialEnrolled:
    """At the one-stop-shop desk (the officer checked the citizen's CCCD): a lost phone or PIN.
    The certificate's credential is replaced; the citizen scans the new QR code there."""
    done = await run_in_threadpool(replace_credential_at_desk, svc, officer, body.serial, body.PIN)
    return _enrolled(done)

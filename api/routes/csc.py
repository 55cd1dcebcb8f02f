"""The Cloud Signature Consortium API at its standard paths: ``/csc/v1/...`` (v1.0.4.0, what
pyHanko's ``CSCSigner`` speaks by default) and ``/csc/v2/...`` (v2.0.0.2).

A citizen's key stays in kyso's key store; a phone app (or any CSC client) lists the citizen's
credentials, reads one (certificate chain, key algorithms), authorizes a set of document
hashes with PIN + one-time code (a short-lived SAD bound to exactly those hashes: SCAL 2), then
has exactly those hashes signed. Bearer tokens come from ``POST /api/v1/auth/token``. Errors
are CSC-shaped, ``{"error": code, "error_description": text}`` (``api/errors.py``), with the
same codes and statuses as the rest of kyso. Enrolment and replacement are kyso's own, not
CSC: ``api/routes/csc_enrolment.py`` (``/api/v1/credentials/...``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.accounts.service import Role, User
from api.deps import ServicesDep, rate_limit, require
from api.routes.csc_models import (
    Authorized,
    AuthorizeRequest,
    Certificates,
    CredentialList,
    CredentialPublic,
    CredentialRequest,
    InfoRequest,
    ListRequest,
    ServiceInfo,
    Signatures,
    SignHashRequest,
)
from api.routes.csc_shapes import credential, service_info
from api.wiring import Services
from certs.keys import algorithm_of
from common.errors import InputError, NotFoundError
from signing.pki_adapter import usable_chain
from signing.remote_algorithms import digest_of, requested

Citizen = Annotated[User, Depends(require(Role.CITIZEN))]


def _decoded(values: list[str], what: str = "hashes") -> list[bytes]:
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, ValueError) as exc:
        raise InputError("hash_not_base64", f"{what} are base64") from exc


def _own(svc: Services, user: User, credential_id: str) -> None:
    if credential_id not in svc.remote_signing.credentials_list(user.username):
        raise NotFoundError("credential_unknown", "no such credential of yours")


def _described(
    svc: Services, version: str, credential_id: str, certificates: Certificates, cert_info: bool
) -> CredentialPublic:
    info = svc.remote_signing.credentials_info(credential_id)
    record = svc.pki.get(info.cert_serial)
    chain = svc.pki.chain(record.serial) if certificates == "chain" else [record.certificate]
    return credential(
        version,
        info,
        record,
        chain,
        svc.clock.now(),
        certificates=certificates,
        cert_info=cert_info,
    )


def _authorize(svc: Services, user: User, body: AuthorizeRequest) -> Authorized:
    _own(svc, user, body.credentialID)
    if body.hashes is None:
        raise InputError("hashes_required", "SCAL 2: an approval lists the hashes it signs")
    hashes = _decoded(body.hashes)
    if body.numSignatures != len(hashes):
        raise InputError("num_signatures_mismatch", "numSignatures must equal the number of hashes")
    pin, otp = body.factor("PIN"), body.factor("OTP")
    if pin is None or otp is None:
        raise InputError("factors_required", "send the PIN and the one-time code")
    digest = digest_of(body.hashAlgorithmOID, hashes)
    activation = svc.remote_signing.authorize(body.credentialID, pin, otp, hashes, digest)
    seconds = int((activation.expires_at - svc.clock.now()).total_seconds())
    return Authorized(SAD=activation.sad, expiresIn=max(seconds, 0))


def _sign_hash(svc: Services, user: User, body: SignHashRequest) -> Signatures:
    _own(svc, user, body.credentialID)
    info = svc.remote_signing.credentials_info(body.credentialID)
    record, _chain = usable_chain(svc.pki, info.cert_serial)  # refused if revoked or expired
    params = None if body.signAlgoParams is None else _decoded([body.signAlgoParams], "params")[0]
    how = requested(
        algorithm_of(record.certificate.public_key), body.signAlgo, body.hashAlgorithmOID, params
    )
    values = svc.remote_signing.sign_hash(
        body.credentialID, body.SAD, _decoded(body.hashes), how.digest, pss=how.pss
    )
    return Signatures(signatures=[base64.b64encode(v).decode() for v in values])


def csc_router(version: str) -> APIRouter:
    """The CSC methods under ``/csc/{version}`` (the handlers run in the thread pool)."""
    router = APIRouter(prefix=f"/csc/{version}", tags=[f"CSC API {version}"])

    @router.post("/info", response_model_exclude_none=True)
    def info(svc: ServicesDep, _body: Annotated[InfoRequest | None, Body()] = None) -> ServiceInfo:
        """What this service is and which CSC methods it serves (no sign-in needed)."""
        return service_info(version, svc.settings.public_url)

    @router.post("/credentials/list", response_model_exclude_none=True)
    def credentials_list(
        svc: ServicesDep, user: Citizen, body: Annotated[ListRequest | None, Body()] = None
    ) -> CredentialList:
        """The signed-in citizen's usable credentials (a replaced one is gone)."""
        asked = body or ListRequest()
        if asked.userID not in (None, user.username):
            raise InputError("user_mismatch", "userID must be the signed-in user")
        ids = svc.remote_signing.credentials_list(user.username)
        infos = None
        if asked.credentialInfo:
            infos = [_described(svc, version, i, asked.certificates, asked.certInfo) for i in ids]
            for credential_id, shown in zip(ids, infos, strict=True):
                shown.credentialID = credential_id
        return CredentialList(credentialIDs=ids, credentialInfos=infos)

    @router.post("/credentials/info", response_model_exclude_none=True)
    def credentials_info(
        body: CredentialRequest, svc: ServicesDep, user: Citizen
    ) -> CredentialPublic:
        """Key (status, algorithms, length), certificate (status, chain, names, validity),
        explicit authorization by PIN + one-time code, SCAL 2, multisign."""
        _own(svc, user, body.credentialID)
        return _described(svc, version, body.credentialID, body.certificates, body.certInfo)

    @router.post("/credentials/authorize", dependencies=[Depends(rate_limit("pin"))])
    def authorize(body: AuthorizeRequest, svc: ServicesDep, user: Citizen) -> Authorized:
        """PIN + one-time code approve exactly the listed hashes, each once. Whichever half is
        wrong (or the code expired or used), the answer is the same 401
        ``authorization_failed``; each attempt is counted, concurrent ones too."""
        return _authorize(svc, user, body)

    @router.post("/signatures/signHash")
    def sign_hash(body: SignHashRequest, svc: ServicesDep, user: Citizen) -> Signatures:
        """Sign hashes an approval (SAD) listed, with an algorithm of ``key.algo``."""
        return _sign_hash(svc, user, body)

    return router


v1_router = csc_router("v1")
v2_router = csc_router("v2")

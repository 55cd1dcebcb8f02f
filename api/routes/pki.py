"""PKI endpoints relying parties call: CRLs, CA certificates, OCSP (RFC 6960), TSA (RFC 3161)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import OcspDep, PkiDep, RevocationDep, TsaDep
from common.errors import InputError

router = APIRouter(prefix="/pki", tags=["pki"])
MAX_REQUEST = 64 * 1024


async def _body(request: Request, media_type: str) -> bytes:
    if request.headers.get("content-type", "").split(";")[0].strip() != media_type:
        raise InputError("unsupported_media_type", f"expected Content-Type {media_type}")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST:
            raise InputError("upload_too_large", "request body is too large")
    return body


@router.get("/crl/{ca}.crl", response_class=Response)
async def crl(ca: str, revocation: RevocationDep) -> Response:
    der = await run_in_threadpool(revocation.crl, ca)
    return Response(der, media_type="application/pkix-crl")


@router.get("/ca/{ca}.crt", response_class=Response)
async def ca_certificate(ca: str, pki: PkiDep) -> Response:
    cert = await run_in_threadpool(pki.authority_certificate, ca)
    return Response(cert.dump(), media_type="application/pkix-cert")


@router.post("/ocsp", response_class=Response)
async def ocsp_post(request: Request, ocsp: OcspDep) -> Response:
    body = await _body(request, "application/ocsp-request")
    der = await run_in_threadpool(ocsp.respond, body)
    return Response(der, media_type="application/ocsp-response")


@router.get("/ocsp/{encoded:path}", response_class=Response)
async def ocsp_get(encoded: str, ocsp: OcspDep) -> Response:
    """RFC 6960 appendix A.1: the DER request, base64 then URL-encoded, in the path."""
    try:
        body = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        body = b""
    der = await run_in_threadpool(ocsp.respond, body)
    return Response(der, media_type="application/ocsp-response")


@router.post("/tsa", response_class=Response)
async def tsa(request: Request, authority: TsaDep) -> Response:
    body = await _body(request, "application/timestamp-query")
    der = await run_in_threadpool(authority.respond, body)
    return Response(der, media_type="application/timestamp-reply")

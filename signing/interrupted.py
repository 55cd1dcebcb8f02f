"""Signing with a key kyso never holds: ``prepare`` -> client signs -> ``finish``.

``prepare`` writes the signature placeholder, hashes the byte ranges and builds the CMS
signed attributes; the client (a business's USB token, a phone holding the key, or kyso's
own remote-signing service) signs ``PendingSignature.to_be_signed`` (the digest of the
signed attributes) and ``finish`` embeds the value. ``PendingSignature`` holds bytes and
numbers only, so it can be stored between the two calls.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO

from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

from certs.keys import SignatureScheme
from signing.errors import SigningInputError
from signing.extend import add_validation_data, extend_to_lta
from signing.options import Level, SignedDocument, SignOptions
from signing.pades import SigningContext, prepare
from signing.policy import check_certificate, check_digest, check_scheme
from signing.signer import signature_size
from signing.timestamps import SourceTimeStamper


@dataclass(frozen=True)
class PendingSignature:
    """A document waiting for its signature value."""

    prepared_pdf: bytes
    reserved_start: int
    reserved_end: int
    document_digest: bytes
    #: DER of the CMS signed attributes: the bytes the signer's key signs
    signed_attributes: bytes
    digest_algorithm: str
    padding: str
    level: Level
    field_name: str
    signing_time: datetime
    certificate: bytes
    chain: tuple[bytes, ...]

    @property
    def to_be_signed(self) -> bytes:
        """The digest to sign (CSC ``signHash`` input): hash of the signed attributes."""
        return hashlib.new(self.digest_algorithm, self.signed_attributes).digest()

    @property
    def scheme(self) -> SignatureScheme:
        return SignatureScheme(self.digest_algorithm, self.padding)  # type: ignore[arg-type]

    @property
    def serial_hex(self) -> str:
        return format(x509.Certificate.load(self.certificate).serial_number, "x")


def _external_signer(
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    scheme: SignatureScheme,
    value: bytes,
) -> signers.ExternalSigner:
    return signers.ExternalSigner(
        signing_cert=certificate,
        cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),  # type: ignore[no-untyped-call]
        signature_value=value,
        signature_mechanism=scheme.asn1_algorithm(),
        prefer_pss=scheme.padding == "pss",
    )


async def prepare_external(
    pdf: bytes,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    scheme: SignatureScheme,
    options: SignOptions,
    context: SigningContext,
) -> PendingSignature:
    """Place the signature and return what the key holder must sign."""
    check_certificate(certificate)
    check_digest(scheme.digest)
    check_scheme(certificate.public_key, scheme.padding)
    placeholder = _external_signer(
        certificate, chain, scheme, b"\x00" * signature_size(certificate)
    )
    # LT/LTA data is added by ``finish`` once the signature exists
    base_level = Level.B_T if options.level.timestamped else Level.B_B
    stamper = SourceTimeStamper(context.timestamps) if context.timestamps is not None else None
    prepared = await prepare(
        placeholder,
        scheme.digest,
        BytesIO(pdf),
        BytesIO(),
        replace(options, level=base_level),
        context,
        stamper,
    )
    signed_attrs = await placeholder.signed_attrs(
        prepared.byte_range.document_digest,
        scheme.digest,
        attr_settings=PdfCMSSignedAttributes(signing_time=prepared.signing_time),
        use_pades=True,
    )
    prepared.output.seek(0)
    return PendingSignature(
        prepared_pdf=prepared.output.read(),
        reserved_start=prepared.byte_range.reserved_region_start,
        reserved_end=prepared.byte_range.reserved_region_end,
        document_digest=prepared.byte_range.document_digest,
        signed_attributes=signed_attrs.dump(),
        digest_algorithm=scheme.digest,
        padding=scheme.padding,
        level=options.level,
        field_name=prepared.field_name,
        signing_time=prepared.signing_time,
        certificate=certificate.dump(),
        chain=tuple(c.dump() for c in chain),
    )


async def finish_external(
    pending: PendingSignature, signature_value: bytes, context: SigningContext
) -> SignedDocument:
    """Check the client's signature value, embed it, then add B-LT/B-LTA data if asked."""
    certificate = x509.Certificate.load(pending.certificate)
    chain = tuple(x509.Certificate.load(c) for c in pending.chain)
    scheme = pending.scheme
    try:
        DefaultSignatureValidator().validate_signature(
            signature_value, pending.signed_attributes, certificate.public_key,
            scheme.asn1_algorithm(),
        )  # fmt: skip
    except (InvalidSignature, ValueError) as exc:
        raise SigningInputError(
            "signature_value_invalid",
            "the signature value does not verify with the signer's certificate",
        ) from exc
    signer = _external_signer(certificate, chain, scheme, signature_value)
    stamper = (
        SourceTimeStamper(context.timestamps)
        if pending.level.timestamped and context.timestamps is not None
        else None
    )
    signed_cms: cms.ContentInfo = await signer.async_sign_prescribed_attributes(
        pending.digest_algorithm,
        cms.CMSAttributes.load(pending.signed_attributes),
        timestamper=stamper,
    )
    output = BytesIO(pending.prepared_pdf)
    digest = PreparedByteRangeDigest(
        pending.document_digest, pending.reserved_start, pending.reserved_end
    )
    await PdfTBSDocument.async_finish_signing(output, digest, signed_cms)
    data = output.getvalue()
    if pending.level is Level.B_LT:
        data = await add_validation_data(data, context)
    elif pending.level is Level.B_LTA:
        extended = await extend_to_lta(BytesIO(data), context)
        data = extended.pdf or b""
    return SignedDocument(
        sha256=hashlib.sha256(data).hexdigest(),
        level=pending.level,
        field_name=pending.field_name,
        signer_serial=pending.serial_hex,
        signing_time=pending.signing_time,
        pdf=data,
    )

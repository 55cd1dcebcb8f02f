"""Remote and batch signing of PDFs: one approval (PIN + one-time code) signs many documents.

1. every document is prepared (placeholder, byte-range digest, CMS signed attributes);
2. one ``authorize`` lists all the to-be-signed hashes;
3. one ``signHash`` call signs them with the key in the key store;
4. every signature value is embedded (and B-LT/B-LTA data added).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import x509

from certs.keys import SignatureScheme
from certs.pki import Pki
from signing.interrupted import PendingSignature, finish_external, prepare_external
from signing.options import SignedDocument, SignOptions
from signing.pades import SigningContext
from signing.pki_adapter import usable_chain
from signing.remote import RemoteSigningService
from signing.signer import scheme_for


@dataclass(frozen=True)
class BatchItem:
    pdf: bytes
    options: SignOptions


@dataclass(frozen=True)
class RemoteIdentity:
    """The certificate of a remote credential, its issuers, and how its key signs."""

    credential_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    scheme: SignatureScheme

    @classmethod
    def of(
        cls, credential_id: str, chain: Sequence[x509.Certificate], *, pss: bool = False
    ) -> RemoteIdentity:
        """From the certificate chain (signer first); the scheme follows the key."""
        return cls(credential_id, chain[0], tuple(chain[1:]), scheme_for(chain[0], pss=pss))

    @classmethod
    def from_pki(
        cls, pki: Pki, credential_id: str, serial: str, *, pss: bool = False
    ) -> RemoteIdentity:
        """Refuses a revoked, expired or unknown certificate before anything is prepared."""
        _record, chain = usable_chain(pki, serial)
        return cls.of(credential_id, chain, pss=pss)


async def prepare_batch(
    identity: RemoteIdentity, items: Sequence[BatchItem], context: SigningContext
) -> list[PendingSignature]:
    return [
        await prepare_external(
            item.pdf, identity.certificate, identity.chain, identity.scheme, item.options, context
        )
        for item in items
    ]


async def sign_batch_remotely(
    service: RemoteSigningService,
    identity: RemoteIdentity,
    pin: str,
    otp: str,
    items: Sequence[BatchItem],
    context: SigningContext,
) -> list[SignedDocument]:
    """Sign every item with one approval; nothing is signed if the approval is refused."""
    pending = await prepare_batch(identity, items, context)
    hashes = [p.to_be_signed for p in pending]
    digest = identity.scheme.digest
    activation = service.authorize(identity.credential_id, pin, otp, hashes, digest)
    values = service.sign_hash(
        identity.credential_id,
        activation.sad,
        hashes,
        digest,
        pss=identity.scheme.padding == "pss",
    )
    return [await finish_external(p, v, context) for p, v in zip(pending, values, strict=True)]

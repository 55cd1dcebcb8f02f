"""Building and signing X.509 structures with keys that stay inside a ``KeyStore``.

cryptography's builders need the private key in memory; an HSM key is not, so kyso builds
the to-be-signed structures with asn1crypto and has the key store sign their DER.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core, crl, keys, x509

from certs.keys import KeyStore, SignatureScheme, sign_message


@dataclass(frozen=True)
class KeyRef:
    """A key in a key store and the scheme it signs with."""

    store: KeyStore
    label: str
    scheme: SignatureScheme

    def sign(self, data: bytes) -> bytes:
        return sign_message(self.store, self.label, data, self.scheme)


def key_ref(store: KeyStore, label: str, *, pss: bool) -> KeyRef:
    """The key ``label`` of ``store``, signing with its algorithm's scheme (RSA: PSS if asked)."""
    return KeyRef(store, label, SignatureScheme.for_key(store.algorithm(label), pss=pss))


def random_serial() -> int:
    """A positive serial with 159 bits of randomness (RFC 5280: at most 20 octets)."""
    return secrets.randbits(159) | (1 << 158)


def key_identifier(public_key: keys.PublicKeyInfo) -> bytes:
    """RFC 5280 method (1): SHA-1 of the subjectPublicKey bits (an identifier, not a signature)."""
    return bytes(public_key.sha1)


def extension(name: str, value: object, *, critical: bool = False) -> x509.Extension:
    return x509.Extension({"extn_id": name, "critical": critical, "extn_value": value})


def crl_extension(name: str, value: object) -> crl.TBSCertListExtension:
    return crl.TBSCertListExtension({"extn_id": name, "critical": False, "extn_value": value})


def build_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: keys.PublicKeyInfo,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    extensions: Sequence[x509.Extension],
    signer: KeyRef,
) -> x509.Certificate:
    sig_algo = signer.scheme.asn1_algorithm()
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": sig_algo,
            "issuer": issuer,
            "validity": {
                "not_before": x509.Time(
                    {"utc_time" if not_before.year < 2050 else "general_time": not_before}
                ),
                "not_after": x509.Time(
                    {"utc_time" if not_after.year < 2050 else "general_time": not_after}
                ),
            },
            "subject": subject,
            "subject_public_key_info": public_key,
            "extensions": list(extensions),
        }
    )
    signature = signer.sign(tbs.dump())
    return x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": sig_algo, "signature_value": signature}
    )


def name(attributes: Sequence[tuple[str, str]]) -> x509.Name:
    """An X.501 name in the given order; text as UTF8String (Vietnamese), country as Printable."""
    rdns = []
    for attr, value in attributes:
        if attr == "country_name":
            encoded: core.Asn1Value = core.PrintableString(value)
        elif attr in ("serial_number",):
            encoded = core.PrintableString(value)
        else:
            encoded = x509.DirectoryString(name="utf8_string", value=value)
        rdns.append(
            x509.RelativeDistinguishedName(
                [x509.NameTypeAndValue({"type": attr, "value": encoded})]
            )
        )
    return x509.Name(name="", value=x509.RDNSequence(rdns))

"""Certificate profiles: who gets which subject and extensions.

Profiles follow DOMAIN.md: C=VN, Vietnamese names in UTF-8, the citizen's 12-digit CCCD in the
subject (as ``UID=CCCD:...`` as Vietnamese CAs do, and as an ETSI EN 319 412-1 semantics
identifier ``serialNumber=IDCVN-...``), keyUsage nonRepudiation + digitalSignature for signers,
CRL distribution point and OCSP/CA-issuers AIA URLs pointing at this service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from asn1crypto import core, keys, x509

from certs.keys import KeyAlgorithm
from certs.x509build import extension, key_identifier, name

#: kyso's own OID arc (a UUID-derived OID, ITU-T X.667: no registration needed)
KYSO_ARC = "2.25.158829017735340823129476329145082011734"
POLICY_CITIZEN = f"{KYSO_ARC}.1.1"
POLICY_OFFICIAL = f"{KYSO_ARC}.1.2"
POLICY_SEAL = f"{KYSO_ARC}.1.3"
POLICY_TSA = f"{KYSO_ARC}.2.1"
OCSP_NOCHECK = "1.3.6.1.5.5.7.48.1.5"
#: (authority name, parent, display name)
AUTHORITIES = (
    ("root", None, "kyso Root CA"),
    ("citizen", "root", "kyso CA Công dân"),
    ("officials", "root", "kyso CA Cán bộ và Tổ chức"),
)


class Profile(StrEnum):
    ROOT = "root"
    CA = "ca"
    CITIZEN = "citizen"
    OFFICIAL = "official"
    SEAL = "seal"
    TSA = "tsa"
    OCSP = "ocsp"


VALIDITY: dict[Profile, timedelta] = {
    Profile.ROOT: timedelta(days=365 * 20),
    Profile.CA: timedelta(days=365 * 12),
    Profile.CITIZEN: timedelta(days=365 * 3),
    Profile.OFFICIAL: timedelta(days=365 * 3),
    Profile.SEAL: timedelta(days=365 * 5),
    Profile.TSA: timedelta(days=365 * 10),
    Profile.OCSP: timedelta(days=365 * 2),
}


@dataclass(frozen=True)
class Endpoints:
    """Where relying parties fetch revocation data and issuer certificates."""

    public_url: str

    def crl(self, ca: str) -> str:
        return f"{self.public_url.rstrip('/')}/pki/crl/{ca}.crl"

    def ocsp(self) -> str:
        return f"{self.public_url.rstrip('/')}/pki/ocsp"

    def ca_issuers(self, ca: str) -> str:
        return f"{self.public_url.rstrip('/')}/pki/ca/{ca}.crt"


@dataclass(frozen=True)
class PkiOptions:
    public_url: str = "http://127.0.0.1:8000"
    key_algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256
    organization: str = "kyso (môi trường phát triển)"
    use_pss: bool = False
    endpoints: Endpoints = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "endpoints", Endpoints(self.public_url))


def ca_name(organization: str, label: str) -> x509.Name:
    return name(
        [("country_name", "VN"), ("organization_name", organization), ("common_name", label)]
    )


def citizen_name(full_name: str, cccd: str) -> x509.Name:
    return name(
        [
            ("country_name", "VN"),
            ("common_name", full_name),
            ("0.9.2342.19200300.100.1.1", f"CCCD:{cccd}"),
            ("serial_number", f"IDCVN-{cccd}"),
        ]
    )


def official_name(full_name: str, title: str, agency: str) -> x509.Name:
    return name(
        [
            ("country_name", "VN"),
            ("organization_name", agency),
            ("title", title),
            ("common_name", full_name),
        ]
    )


def seal_name(agency: str) -> x509.Name:
    return name([("country_name", "VN"), ("organization_name", agency), ("common_name", agency)])


def _key_usage(*bits: str) -> x509.Extension:
    return extension("key_usage", x509.KeyUsage(set(bits)), critical=True)


def _policy(oid: str) -> x509.Extension:
    return extension("certificate_policies", [{"policy_identifier": oid}])


def _uri(url: str) -> x509.GeneralName:
    return x509.GeneralName(name="uniform_resource_identifier", value=url)


def _locations(endpoints: Endpoints, issuer_ca: str) -> list[x509.Extension]:
    return [
        extension(
            "crl_distribution_points",
            [{"distribution_point": {"full_name": [_uri(endpoints.crl(issuer_ca))]}}],
        ),
        extension(
            "authority_information_access",
            [
                {
                    "access_method": "ocsp",
                    "access_location": _uri(endpoints.ocsp()),
                },
                {
                    "access_method": "ca_issuers",
                    "access_location": _uri(endpoints.ca_issuers(issuer_ca)),
                },
            ],
        ),
    ]


def extensions_for(
    profile: Profile,
    *,
    subject_key: keys.PublicKeyInfo,
    issuer_key: keys.PublicKeyInfo,
    endpoints: Endpoints,
    issuer_ca: str | None,
) -> list[x509.Extension]:
    """The extensions of a certificate of ``profile`` issued by CA ``issuer_ca``."""
    exts = [extension("key_identifier", key_identifier(subject_key))]
    if profile is not Profile.ROOT:
        exts.append(
            extension("authority_key_identifier", {"key_identifier": key_identifier(issuer_key)})
        )
    if profile is Profile.ROOT:
        exts += [
            extension("basic_constraints", {"ca": True}, critical=True),
            _key_usage("key_cert_sign", "crl_sign", "digital_signature"),
        ]
        return exts
    if profile is Profile.CA:
        exts += [
            extension("basic_constraints", {"ca": True, "path_len_constraint": 0}, critical=True),
            _key_usage("key_cert_sign", "crl_sign", "digital_signature"),
        ]
    elif profile is Profile.TSA:
        exts += [
            extension("basic_constraints", {"ca": False}, critical=True),
            _key_usage("digital_signature", "non_repudiation"),
            extension("extended_key_usage", ["time_stamping"], critical=True),
            _policy(POLICY_TSA),
        ]
    elif profile is Profile.OCSP:
        exts += [
            extension("basic_constraints", {"ca": False}, critical=True),
            _key_usage("digital_signature"),
            extension("extended_key_usage", ["ocsp_signing"]),
            x509.Extension({"extn_id": OCSP_NOCHECK, "critical": False, "extn_value": core.Null()}),
        ]
        return exts  # a responder is not itself checked by OCSP (ocsp-nocheck)
    else:
        policy = {
            Profile.CITIZEN: POLICY_CITIZEN,
            Profile.OFFICIAL: POLICY_OFFICIAL,
            Profile.SEAL: POLICY_SEAL,
        }[profile]
        exts += [
            extension("basic_constraints", {"ca": False}, critical=True),
            _key_usage("digital_signature", "non_repudiation"),
            _policy(policy),
        ]
    assert issuer_ca is not None
    return exts + _locations(endpoints, issuer_ca)

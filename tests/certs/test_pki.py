from __future__ import annotations

from pathlib import Path

import pytest
from asn1crypto import x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pkitools import make_pki as make_pki_for
from pkitools import openssl, write_chain

from certs.errors import PkiConflictError, PkiInputError, PkiNotFoundError
from certs.keys import KeyAlgorithm
from certs.pki import Pki
from certs.revocation import Revocation

CCCD = "001203004567"


def test_init_creates_the_hierarchy_once(pki: Pki) -> None:
    assert pki.init() is False  # already done by the fixture: nothing new
    names = {a.name for a in pki.authorities()}
    assert names == {"root", "citizen", "officials"}
    profiles = sorted(r.profile for r in pki.certificates())
    assert profiles == ["ca", "ca", "ocsp", "ocsp", "ocsp", "root", "tsa"]


def test_citizen_certificate_verifies_with_openssl_against_exported_chain(
    pki: Pki, work: Path
) -> None:
    issued = pki.issue_citizen("Nguyễn Thị Hoa", CCCD)
    leaf, chain = write_chain(pki, issued.serial, work)
    result = openssl("verify", "-CAfile", str(chain), str(leaf), cwd=work)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert issued.key_label is not None and pki.keystore.exists(issued.key_label)


def test_citizen_subject_has_utf8_vietnamese_name_and_cccd(sqlite_pki: Pki, work: Path) -> None:
    issued = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", CCCD)
    subject = issued.certificate.subject
    assert subject.native["country_name"] == "VN"
    assert subject.native["common_name"] == "Nguyễn Thị Hoa"
    assert subject.native["user_id"] == f"CCCD:{CCCD}"
    assert subject.native["serial_number"] == f"IDCVN-{CCCD}"
    cn = next(a for rdn in subject.chosen for a in rdn if a["type"].native == "common_name")
    assert cn["value"].name == "utf8_string"
    leaf, _ = write_chain(sqlite_pki, issued.serial, work)
    text = openssl(
        "x509", "-in", str(leaf), "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus", cwd=work
    )
    assert "CN=Nguyễn Thị Hoa" in text.stdout


def test_signer_certificates_carry_nonrepudiation_and_this_services_urls(sqlite_pki: Pki) -> None:
    for issued in (
        sqlite_pki.issue_citizen("Trần Văn Đức", "079090001234"),
        sqlite_pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", "UBND Quận Hoàn Kiếm"),
        sqlite_pki.issue_seal("UBND Quận Hoàn Kiếm"),
    ):
        cert = cx509.load_der_x509_certificate(issued.certificate.dump())
        usage = cert.extensions.get_extension_for_class(cx509.KeyUsage)
        assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
        assert not usage.value.key_cert_sign
        crl_dp = cert.extensions.get_extension_for_class(cx509.CRLDistributionPoints).value
        url = crl_dp[0].full_name[0].value
        assert url.startswith("http://127.0.0.1:8000/pki/crl/") and url.endswith(".crl")
        aia = cert.extensions.get_extension_for_class(cx509.AuthorityInformationAccess).value
        assert "http://127.0.0.1:8000/pki/ocsp" in [d.access_location.value for d in aia]


def test_official_and_seal_are_issued_by_the_officials_ca(sqlite_pki: Pki) -> None:
    official = sqlite_pki.issue_official("Lê Thị Hằng", "Phó Chủ tịch", "UBND Quận Hoàn Kiếm")
    seal = sqlite_pki.issue_seal("UBND Quận Hoàn Kiếm")
    assert sqlite_pki.get(official.serial).issuer == "officials"
    assert official.certificate.subject.native["title"] == "Phó Chủ tịch"
    assert seal.certificate.subject.native["organization_name"] == "UBND Quận Hoàn Kiếm"


def test_tsa_and_ocsp_certificates_have_their_profiles(sqlite_pki: Pki) -> None:
    tsa = cx509.load_der_x509_certificate(sqlite_pki.certificates("tsa")[0].cert_der)
    eku = tsa.extensions.get_extension_for_class(cx509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [cx509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    for record in sqlite_pki.certificates("ocsp"):
        cert = cx509.load_der_x509_certificate(record.cert_der)
        eku = cert.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
        assert list(eku) == [cx509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
        assert cert.extensions.get_extension_for_class(cx509.OCSPNoCheck)


def test_a_second_active_certificate_for_one_cccd_is_refused_until_revoked(sqlite_pki: Pki) -> None:
    first = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", CCCD)
    with pytest.raises(PkiConflictError) as err:
        sqlite_pki.issue_citizen("Nguyễn Thị Hoa", CCCD)
    assert err.value.code == "certificate_active_exists"
    Revocation(sqlite_pki).revoke(first.serial, "superseded")
    second = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", CCCD)
    assert second.serial != first.serial


@pytest.mark.parametrize("cccd", ["12345", "00120300456a", "999203004567", "0012030045678", ""])
def test_malformed_cccd_is_refused_with_a_stable_code(sqlite_pki: Pki, cccd: str) -> None:
    with pytest.raises(PkiInputError) as err:
        sqlite_pki.issue_citizen("Nguyễn Thị Hoa", cccd)
    assert err.value.code == "cccd_invalid"
    assert sqlite_pki.certificates("citizen") == []


def _csr(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, algorithm: hashes.HashAlgorithm
) -> bytes:
    request = (
        cx509.CertificateSigningRequestBuilder()
        .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "device")]))
        .sign(key, algorithm)
    )
    return request.public_bytes(serialization.Encoding.PEM)


def test_citizen_csr_from_own_device_is_certified_with_its_public_key(sqlite_pki: Pki) -> None:
    from certs.csr import public_key_from_csr

    key = ec.generate_private_key(ec.SECP256R1())
    issued = sqlite_pki.issue_citizen(
        "Phạm Minh Tuấn", "001090000111", public_key_from_csr(_csr(key, hashes.SHA256()))
    )
    assert issued.key_label is None
    expected = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert issued.certificate.public_key.dump() == expected


def test_weak_malformed_or_forged_csrs_are_refused() -> None:
    from certs.csr import public_key_from_csr

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(PkiInputError) as err:
        public_key_from_csr(_csr(weak, hashes.SHA256()))
    assert err.value.code == "csr_weak_key"
    with pytest.raises(PkiInputError) as err:
        public_key_from_csr(
            b"-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----\n"
        )
    assert err.value.code == "csr_malformed"
    good = bytearray(_csr(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()))
    der = bytearray(cx509.load_pem_x509_csr(bytes(good)).public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # break the signature value
    with pytest.raises(PkiInputError) as err:
        public_key_from_csr(bytes(der))
    assert err.value.code in ("csr_bad_signature", "csr_malformed")


def test_unknown_serial_is_a_not_found_error(sqlite_pki: Pki) -> None:
    with pytest.raises(PkiNotFoundError) as err:
        sqlite_pki.get("deadbeef")
    assert err.value.code == "certificate_unknown"


def test_rsa_3072_hierarchy_verifies_with_openssl(
    request: pytest.FixtureRequest, tmp_path: Path, work: Path
) -> None:
    pki = make_pki_for(request, tmp_path, "sqlite", "file", KeyAlgorithm.RSA_3072)
    issued = pki.issue_seal("Sở Tư pháp Hà Nội")
    assert issued.certificate.public_key.bit_size == 3072
    assert pki.authority_certificate("root").public_key.bit_size == 3072
    leaf, chain = write_chain(pki, issued.serial, work)
    assert openssl("verify", "-CAfile", str(chain), str(leaf), cwd=work).returncode == 0


def test_imported_root_becomes_a_trust_anchor_and_non_ca_is_refused(sqlite_pki: Pki) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Root CA NEAC (test)")])
    import datetime as dt

    builder = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2025, 1, 1))
        .not_valid_after(dt.datetime(2045, 1, 1))
    )
    root = builder.add_extension(cx509.BasicConstraints(ca=True, path_length=None), True).sign(
        key, hashes.SHA384()
    )
    added = sqlite_pki.trust_add(root.public_bytes(serialization.Encoding.PEM))
    assert (
        len(added) == 1
        and sqlite_pki.trust_add(root.public_bytes(serialization.Encoding.DER)) == []
    )
    subjects = [c.subject.native.get("common_name") for c in sqlite_pki.trust_anchors()]
    assert subjects == ["kyso Root CA", "Root CA NEAC (test)"]
    leaf = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(8)
        .not_valid_before(dt.datetime(2025, 1, 1))
        .not_valid_after(dt.datetime(2045, 1, 1))
        .sign(key, hashes.SHA384())
    )
    with pytest.raises(PkiInputError) as err:
        sqlite_pki.trust_add(leaf.public_bytes(serialization.Encoding.PEM))
    assert err.value.code == "trust_anchor_not_ca"
    with pytest.raises(PkiInputError):
        sqlite_pki.trust_add(b"garbage")


def test_chain_ends_at_the_root(sqlite_pki: Pki) -> None:
    issued = sqlite_pki.issue_citizen("Nguyễn Thị Hoa", CCCD)
    chain = sqlite_pki.chain(issued.serial)
    assert [isinstance(c, x509.Certificate) for c in chain] == [True, True, True]
    assert chain[-1].self_signed == "maybe"
    assert chain[1].subject == chain[0].issuer
